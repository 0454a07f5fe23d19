/**
 * The npm package as users get it: `npm pack` of this repository, installed into an empty folder with production
 * dependencies only and no registry to fetch from (an empty cache, offline), then `npx session-manager-role` from
 * there: help, version, validate, a plan against the AWS emulator with the modules the package carries, and the demo's
 * checks before it starts anything.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { AwsEmulator } from '../emulator';
import { EMULATOR_KEY, emulatorMatrixConfig, startMatrixEmulator } from '../emulator/matrix';
import { MatrixResult } from '../engine/result';
import { TOOL_VERSION } from '../engine/version';

const REPO = join(__dirname, '..');
const ACCOUNT = '230000000001';
/** The installed package with its production dependencies must stay below this (docs/decisions.md). */
const INSTALLED_SIZE_LIMIT = 15 * 1024 * 1024;

let dir: string;
let consumer: string;
let emulator: AwsEmulator;
let packed: { filename: string; files: { path: string }[] };
/** PATH without any node_modules/.bin (npm test puts this repository's first): npx must find the installed package. */
const PATH = (process.env.PATH ?? '').split(delimiter).filter((entry) => !entry.includes(join('node_modules', '.bin'))).join(delimiter);
/** The environment of a user's shell: nothing npm set for this test run, no AWS settings of this machine. */
const userEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|AWS_|JEST_)/i.test(name) && name !== 'INIT_CWD'));

async function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, [...args], { cwd: options.cwd, env: { ...userEnv, PATH, ...options.env }, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failure.code !== 'number') throw error;
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

const npx = (args: readonly string[], env?: NodeJS.ProcessEnv) => run('npx', ['--no-install', 'session-manager-role', ...args], { cwd: consumer, env });

function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((total, name) => total + sizeOf(join(path, name)), 0);
}

jest.setTimeout(300_000);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smr-npm-'));
  const pack = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO });
  expect(pack).toMatchObject({ code: 0 });
  [packed] = JSON.parse(pack.stdout);

  consumer = join(dir, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // An empty cache and --offline: anything the package needed from the registry would fail the install.
  const install = await run('npm', ['install', '--omit=dev', '--offline', '--no-audit', '--no-fund', join(dir, packed.filename)], {
    cwd: consumer,
    env: { npm_config_cache: join(dir, 'npm-cache') },
  });
  expect(install).toMatchObject({ code: 0 });
  emulator = await startMatrixEmulator([ACCOUNT]);
});

afterAll(async () => {
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the package holds what runs and nothing else', () => {
  const paths = packed.files.map((file) => file.path);
  const unexpected = paths.filter((path) => !/^(bin\/session-manager-role\.js|package\.json|README\.md|LICENSE|modules\/.+|schemas\/.+\.json)$/.test(path));
  expect(unexpected).toEqual([]);
  for (const expected of ['bin/session-manager-role.js', 'LICENSE', 'README.md', 'modules/session-manager-role-minimal/main.tf.json', 'modules/session-manager-role-logging/README.md', 'schemas/config.schema.json', 'schemas/result.schema.json']) {
    expect(paths).toContain(expected);
  }
});

test('installed with its production dependencies it stays small: no dependency at all', () => {
  const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules', 'session-manager-role', 'package.json'), 'utf8'));
  expect(manifest).not.toHaveProperty('private');
  expect(manifest.dependencies ?? {}).toEqual({});
  expect(readdirSync(join(consumer, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual(['session-manager-role']);
  expect(sizeOf(join(consumer, 'node_modules'))).toBeLessThan(INSTALLED_SIZE_LIMIT);
});

test('npx session-manager-role --help and --version', async () => {
  const help = await npx(['--help']);
  expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining(`session-manager-role ${TOOL_VERSION}:`) });
  expect(help.stdout).toMatch(/^ {2}demo +See it run/m);
  expect(await npx(['--version'])).toMatchObject({ code: 0, stdout: `${TOOL_VERSION}\n` });
});

test('validate an example config, and plan it against the AWS emulator with the modules of the package', async () => {
  writeFileSync(join(consumer, 'session-manager-role.yml'), emulatorMatrixConfig(emulator.endpoint, [{ id: ACCOUNT, name: 'app', variant: 'logging', inputs: { s3_bucket_name: 'org-session-logs' } }]));
  expect(await npx(['validate'])).toMatchObject({ code: 0, stdout: 'session-manager-role.yml: valid, 1 account.\n' });

  const plan = await npx(['plan', '--json', 'result.json', '--quiet'], { ...EMULATOR_KEY, TF_PROVIDER_MIRROR: process.env.TF_PROVIDER_MIRROR });
  expect({ code: plan.code, stderr: plan.stderr }).toEqual({ code: 2, stderr: '' });
  const result = JSON.parse(readFileSync(join(consumer, 'result.json'), 'utf8')) as MatrixResult;
  expect(result.accounts).toEqual([expect.objectContaining({ name: 'app', status: 'changes' })]);
  expect(result.accounts[0].counts).toMatchObject({ add: 6, change: 0, destroy: 0 });
  // Terraform read the logging module from the installed package.
  const root = JSON.parse(readFileSync(join(consumer, '.session-manager-role', 'accounts', 'app', 'main.tf.json'), 'utf8'));
  const source = join(consumer, '.session-manager-role', 'accounts', 'app', Object.values(root.module as Record<string, { source: string }>)[0].source);
  expect(source).toBe(join(consumer, 'node_modules', 'session-manager-role', 'modules', 'session-manager-role-logging'));
});

test('the demo runs from the package and checks its requirement and its output folder before starting anything', async () => {
  // The installed bin started by node itself, with nothing at all on PATH.
  const bin = join(consumer, 'node_modules', '.bin', 'session-manager-role');
  const noTerraform = await run(process.execPath, [bin, 'demo'], { cwd: consumer, env: { PATH: join(dir, 'empty') } });
  expect(noTerraform).toMatchObject({ code: 1, stderr: expect.stringContaining('session-manager-role demo: Terraform is not on PATH') });
  expect(existsSync(join(consumer, 'demo-output'))).toBe(false);

  mkdirSync(join(consumer, 'notes'));
  writeFileSync(join(consumer, 'notes', 'todo.txt'), 'keep me');
  const foreignFolder = await npx(['demo', '--output', 'notes']);
  expect(foreignFolder).toMatchObject({ code: 1, stderr: expect.stringMatching(/notes exists and was not written by the demo: remove it or choose another --output/) });
  expect(readdirSync(join(consumer, 'notes'))).toEqual(['todo.txt']);
});
