/**
 * The action as a consumer's runner gets it for `uses: OWNER/session-manager-role/action@v1`: the repository's files
 * at the tag (what `git archive` of the tag holds: committed files, without those marked export-ignore), nothing
 * installed and nothing built, in the runner's _actions folder. The committed bundle runs from there: it finds the
 * modules of its own checkout and needs no dependency.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AwsEmulator } from '../emulator';
import { EMULATOR_KEY, emulatorMatrixConfig, startMatrixEmulator } from '../emulator/matrix';
import { MatrixResult } from '../engine/result';
import { eventPayload, runActionStep } from './support/action-runner';

const REPO = join(__dirname, '..');
const ACCOUNT = '240000000001';

let dir: string;
let checkout: string;
let emulator: AwsEmulator;

jest.setTimeout(300_000);

/** The files a tag of this repository would hold: the ones git tracks or would commit, minus export-ignore. */
function filesAtTag(): string[] {
  const git = (args: string[], input?: string) => execFileSync('git', args, { cwd: REPO, encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
  const files = git(['ls-files', '--cached', '--others', '--exclude-standard', '-z']).split('\0').filter((file) => file && existsSync(join(REPO, file)));
  // `git check-attr -z` answers path NUL attribute NUL value NUL, for each path.
  const attributes = git(['check-attr', '-z', '--stdin', 'export-ignore'], `${files.join('\0')}\0`).split('\0');
  const ignored = new Set<string>();
  for (let index = 0; index + 2 < attributes.length; index += 3) if (attributes[index + 2] === 'set') ignored.add(attributes[index]);
  return files.filter((file) => !ignored.has(file));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smr-action-tag-'));
  // Where the runner unpacks `uses: OWNER/session-manager-role/action@v1`.
  checkout = join(dir, '_work', '_actions', 'OWNER', 'session-manager-role', 'v1');
  for (const file of filesAtTag()) {
    mkdirSync(dirname(join(checkout, file)), { recursive: true });
    cpSync(join(REPO, file), join(checkout, file));
  }
  emulator = await startMatrixEmulator([ACCOUNT]);
});

afterAll(async () => {
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the checkout at the tag holds the bundle and the modules, and no dependency', () => {
  expect(existsSync(join(checkout, 'action', 'dist', 'index.js'))).toBe(true);
  expect(existsSync(join(checkout, 'modules', 'session-manager-role-minimal', 'main.tf.json'))).toBe(true);
  // Nothing installed there or above it: a require() of a package the bundle left out would fail.
  for (let folder = checkout; folder !== dirname(folder); folder = dirname(folder)) expect(existsSync(join(folder, 'node_modules'))).toBe(false);
});

test('the bundle runs from there: plans with the modules of its own checkout', async () => {
  const workspace = join(dir, '_work', 'infra', 'infra');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, 'session-manager-role.yml'), emulatorMatrixConfig(emulator.endpoint, [{ id: ACCOUNT, name: 'app' }]));
  const environment = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(NODE_PATH|AWS_.*|npm_.*)$/i.test(name)));
  const run = await runActionStep(
    // No GitHub API is needed without a comment; an address where nothing listens makes any call fail loudly.
    { workspace, apiUrl: 'http://127.0.0.1:9', repository: 'acme/infra', env: { ...environment, ...EMULATOR_KEY }, bundle: join(checkout, 'action', 'dist', 'index.js') },
    { command: 'plan', config: 'session-manager-role.yml', comment: 'off', 'github-token': 'ghs_unused000000000000000000000000000000' },
    { name: 'workflow_dispatch', sha: 'f'.repeat(40), ref: 'refs/heads/main', payload: eventPayload('workflow_dispatch', undefined, () => undefined) },
  );
  expect({ code: run.code, failed: run.outputs['failed-accounts'] }).toEqual({ code: 0, failed: '[]' });
  expect(run.outputs['has-changes']).toBe('true');
  const result = JSON.parse(readFileSync(run.outputs.result, 'utf8')) as MatrixResult;
  expect(result.accounts).toEqual([expect.objectContaining({ name: 'app', variant: 'minimal', status: 'changes' })]);
  // The account's root configuration calls the module in the action's checkout.
  const accountDir = join(dir, '_work', 'infra', 'runner-temp', 'session-manager-role', 'accounts', 'app');
  const root = JSON.parse(readFileSync(join(accountDir, 'main.tf.json'), 'utf8'));
  const source = Object.values(root.module as Record<string, { source: string }>)[0].source;
  expect(join(accountDir, source)).toBe(join(checkout, 'modules', 'session-manager-role-minimal'));
});
