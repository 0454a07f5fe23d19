/**
 * The work directory as the command line leaves it: owner-only, ignored by git, locked for one run at a time, and
 * able to tell, after a run was killed, which of its accounts finished. Terraform runs only where a test needs a run to
 * be under way (a stand-in `terraform` first on PATH makes its plan take long, so the run can be killed mid-plan).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main';
import { findTerraform } from '../engine/terraform-setup';
import { MatrixResult } from '../engine/result';
import { captureIo } from './support/cli';

const REPO = join(__dirname, '..');
let dir: string;
let slowTerraform: string;

const config = (bravoRole = 'ssm-bravo') =>
  [
    'version: 1',
    'defaults: { region: eu-west-1, role_arn: "arn:aws:iam::{account_id}:role/terraform", inputs: { role_name: "ssm-{name}" } }',
    'backend: { local: { path: "state/{name}.tfstate" } }',
    'accounts:',
    '  - { id: "230000000001", name: alpha }',
    `  - { id: "230000000002", name: bravo, inputs: { role_name: ${bravoRole} } }`,
    '',
  ].join('\n');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'smr-workdir-'));
  writeFileSync(join(dir, 'accounts.yml'), config());
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'accounts');
  // A `terraform` whose plan takes a minute and says where it is; everything else is the real Terraform.
  slowTerraform = join(dir, 'slow-terraform');
  mkdirSync(slowTerraform);
  writeFileSync(
    join(slowTerraform, 'terraform'),
    `#!/bin/sh\nif [ "$1" = plan ]; then echo $$ > ${JSON.stringify(join(dir, 'plan.pid'))}; exec sleep 60; fi\nexec ${JSON.stringify(findTerraform(process.env).binary)} "$@"\n`,
  );
  chmodSync(join(slowTerraform, 'terraform'), 0o755);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The command line in-process, in the config's folder. */
async function cli(...args: string[]): Promise<{ code: number; stderr: string }> {
  const io = captureIo();
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const code = await main(args, io);
    return { code, stderr: io.stderrLines().join('\n') };
  } finally {
    process.chdir(cwd);
  }
}

test('a new work directory is readable by its owner only and ignored by git', async () => {
  const work = join(dir, 'fresh');
  // Nothing changed since HEAD: every account is skipped, and no Terraform runs beyond `terraform version`.
  expect((await cli('plan', '-c', 'accounts.yml', '--changed-since', 'HEAD', '--work-dir', work)).code).toBe(0);
  expect(statSync(work).mode & 0o777).toBe(0o700);
  expect(readFileSync(join(work, '.gitignore'), 'utf8').split('\n')).toContain('*');
  expect(existsSync(join(work, 'lock'))).toBe(false);
  writeFileSync(join(dir, 'fresh', 'accounts.txt'), 'a plan file would be here');
  expect(execFileSync('git', ['status', '--porcelain'], { cwd: dir, encoding: 'utf8' })).not.toContain('fresh');
});

test('a work directory in use by another run is refused, naming that run; nothing runs', async () => {
  const work = join(dir, 'busy');
  mkdirSync(work);
  // A run of this very host whose process is alive (this one) holds it.
  const holder = { run_id: 'gh-77-1', command: 'apply', pid: process.pid, host: hostname(), started_at: '2026-12-01T10:00:00.000Z' };
  writeFileSync(join(work, 'lock'), JSON.stringify(holder));
  const { code, stderr } = await cli('plan', '-c', 'accounts.yml', '--changed-since', 'HEAD', '--work-dir', work, '--run-id', 'second');
  expect(code).toBe(1);
  expect(stderr).toContain(`${work} is in use by run gh-77-1 (apply, process ${process.pid} on ${hostname()}, since 2026-12-01T10:00:00.000Z)`);
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(join(work, 'runs', 'second'))).toBe(false);
  expect(JSON.parse(readFileSync(join(work, 'lock'), 'utf8'))).toEqual(holder);
});

test('a directory holding other files is never taken as a work directory', async () => {
  const work = join(dir, 'home-like');
  mkdirSync(work);
  writeFileSync(join(work, 'notes.txt'), 'mine');
  const { code, stderr } = await cli('plan', '-c', 'accounts.yml', '--changed-since', 'HEAD', '--work-dir', work);
  expect(code).toBe(1);
  expect(stderr).toContain(`${work} holds files that are not session-manager-role's (notes.txt)`);
  expect(statSync(work).mode & 0o777).not.toBe(0o700);
});

test('a run killed mid-plan: the next run takes over its lock, says what finished, and writes the result it would have had', async () => {
  const work = join(dir, 'killed');
  // bravo's role name changed since HEAD: it is planned; alpha is skipped, and recorded as finished at once.
  writeFileSync(join(dir, 'accounts.yml'), config('ssm-bravo-renamed'));
  const child: ChildProcess = spawn(process.execPath, [join(REPO, 'bin', 'session-manager-role.js'), 'plan', '-c', 'accounts.yml', '--changed-since', 'HEAD', '--work-dir', work, '--run-id', 'killed-run'], {
    cwd: dir,
    env: { ...process.env, PATH: `${slowTerraform}:${process.env.PATH}` },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.on('close', resolve));
  const pidFile = join(dir, 'plan.pid');
  while (!existsSync(pidFile)) await new Promise((resolve) => setTimeout(resolve, 100));
  child.kill('SIGKILL');
  await exited;
  process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  writeFileSync(join(dir, 'accounts.yml'), config());

  const { code, stderr } = await cli('plan', '-c', 'accounts.yml', '--changed-since', 'HEAD', '--work-dir', work, '--run-id', 'next-run');
  expect(code).toBe(0);
  expect(stderr).toMatch(/was locked by run killed-run \(process \d+, which is gone\): taking it over/);
  const resultFile = join(work, 'runs', 'killed-run', 'result.json');
  expect(stderr).toContain(`Run killed-run (plan) in this work directory did not finish: 1 of 2 accounts finished; the others may have left a state lock. Its result, with them as cancelled: ${resultFile}`);
  const recovered = JSON.parse(readFileSync(resultFile, 'utf8')) as MatrixResult;
  expect(recovered.accounts.map((account) => [account.name, account.status])).toEqual([
    ['alpha', 'skipped'],
    ['bravo', 'cancelled'],
  ]);
  expect(recovered.accounts[1].error?.message).toMatch(/the run ended before this account finished/);
  expect(existsSync(join(work, 'lock'))).toBe(false);
});
