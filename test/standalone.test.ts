/**
 * The repository stands alone: a copy of the files git would commit, in an empty temporary directory with nothing
 * beside it, passes the permission tests, which read the fixtures and the generated modules. Only the installed
 * node_modules are shared, through a symbolic link. (CI runs every test on a clean clone; this catches a test that
 * reads outside the repository before a push.)
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const REPO = join(__dirname, '..');
const TESTS = ['test/permissions.test.ts'];

let copy: string;

beforeAll(() => {
  copy = join(mkdtempSync(join(tmpdir(), 'smr-standalone-')), 'session-manager-role');
  // Committed and not-yet-committed files alike, but nothing git ignores (node_modules, build output, state).
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file && existsSync(join(REPO, file)));
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(REPO, file), join(copy, file));
  }
  symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'), 'dir');
});

afterAll(() => {
  if (copy) rmSync(dirname(copy), { recursive: true, force: true });
});

test('the permission tests pass in a bare copy of the repository', async () => {
  expect(existsSync(join(copy, '..', 'shared'))).toBe(false);
  const environment = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('JEST_')));
  const run = spawn(process.execPath, [join(copy, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', ...TESTS], {
    cwd: copy,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  run.stdout.on('data', (chunk) => (output += chunk));
  run.stderr.on('data', (chunk) => (output += chunk));
  const exitCode = await new Promise<number | null>((resolve) => run.on('close', resolve));
  expect({ exitCode, output }).toEqual({ exitCode: 0, output: expect.stringMatching(/Test Suites: 1 passed, 1 total/) });
}, 600_000);
