/**
 * The command line: complete help, usage errors without stack traces, colour only on a terminal and never with
 * NO_COLOR, and the installed bin started as a user starts it. Commands that run Terraform are covered in
 * matrix-engine.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COMMANDS } from '../cli/commands';
import { main } from '../cli/main';
import { assembleResult, skippedResult } from '../engine/result-assembly';
import { writeResult } from '../engine/result-file';
import { TOOL_VERSION } from '../engine/version';
import { captureIo } from './support/cli';

const REPO = join(__dirname, '..');
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[`);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'smr-cli-'));
  // Two shard results to merge: the merge command renders a table without running Terraform.
  const account = (id: string, name: string) => skippedResult({ id, name, variant: 'minimal', region: 'eu-west-1' }, 'unchanged since main');
  [1, 2].forEach((index) =>
    writeResult(
      join(dir, `shard-${index}.json`),
      assembleResult('plan', [account(`${index}`.repeat(12), `account-${index}`)], {
        id: 'gh-7-1',
        started_at: '2026-01-01T00:00:00.000Z',
        finished_at: '2026-01-01T00:01:00.000Z',
        duration_ms: 60_000,
        config: 'matrix.yml',
        parallelism: 2,
        shard: { index, count: 2 },
      }),
    ),
  );
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the main help lists every command', async () => {
  const io = captureIo();
  expect(await main(['--help'], io)).toBe(0);
  for (const command of COMMANDS) expect(io.stdoutText()).toContain(`  ${command.name}`);
});

test.each(COMMANDS.map((command) => command.name))('%s --help names every option and exit code', async (name) => {
  const io = captureIo();
  expect(await main([name, '--help'], io)).toBe(0);
  const spec = COMMANDS.find((command) => command.name === name)!;
  for (const option of spec.options) expect(io.stdoutText()).toContain(`--${option.name}`);
  for (const code of spec.exitCodes) expect(io.stdoutText()).toContain(code);
});

test.each([
  [['plan', '--paralelism', '2'], /Unknown option '--paralelism'/],
  [['apply', '-c', 'x.yml'], /apply needs exactly one of --plan-result <file>, --expect <file> or --auto-approve/],
  [['frobnicate'], /Unknown command "frobnicate"/],
  [['merge'], /merge needs the result files of the shards/],
])('%j is a usage error with help and no stack trace', async (args, message) => {
  const io = captureIo({ PATH: '/nonexistent' });
  expect(await main(args, io)).toBe(1);
  const stderr = io.stderrLines().join('\n');
  expect(stderr).toMatch(message);
  expect(stderr).toMatch(/Usage: session-manager-role/);
  expect(stderr).not.toMatch(/\n\s+at /);
});

test('a result file that is not one is refused, naming the file', async () => {
  const io = captureIo();
  expect(await main(['merge', join(REPO, 'package.json')], io)).toBe(1);
  expect(io.stderrLines().join('\n')).toMatch(/package\.json: result version "0\.1\.0", this release reads version 1/);
});

test('merge joins shard results into one, written with --json', async () => {
  const io = captureIo();
  const merged = join(dir, 'merged.json');
  expect(await main(['merge', join(dir, 'shard-2.json'), join(dir, 'shard-1.json'), '--json', merged], io)).toBe(0);
  expect(io.stdoutText()).toMatch(/account-1\s+111111111111\s+minimal\s+skipped/);
  const result = JSON.parse(readFileSync(merged, 'utf8'));
  expect(result.accounts.map((account: { name: string }) => account.name)).toEqual(['account-1', 'account-2']);
  expect(result.run.shard).toBeUndefined();
});

test.each([
  [{ tty: true }, {}, true],
  [{ tty: true }, { NO_COLOR: '1' }, false],
  [{ tty: false }, {}, false],
])('colour on %j with %j: %s', async (stream, env, coloured) => {
  const io = captureIo({ NO_COLOR: undefined, TERM: 'xterm-256color', ...env }, stream);
  expect(await main(['merge', join(dir, 'shard-1.json'), join(dir, 'shard-2.json')], io)).toBe(0);
  expect(io.stdoutText()).toContain('account-1');
  expect(ANSI.test(io.stdoutText())).toBe(coloured);
});

test('the bin runs as installed: npx session-manager-role --version', async () => {
  const { stdout } = await promisify(execFile)('npx', ['--no-install', 'session-manager-role', '--version'], { cwd: REPO });
  expect(stdout.trim()).toBe(TOOL_VERSION);
});
