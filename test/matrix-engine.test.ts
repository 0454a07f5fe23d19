/**
 * The account-matrix engine end to end, as users run it: the real command line, the real Terraform CLI and AWS
 * provider, state in S3 with S3-native locking, against the local IAM/STS/S3 emulator. Three accounts with mixed
 * variants (and a fourth whose role cannot be assumed) go through plan, apply, drift checks, changes made outside
 * Terraform, --changed-since, shards and merge, and a SIGTERM in the middle of an apply.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main';
import { AccountResult, MatrixResult } from '../engine/result';
import { resultProblems } from '../engine/result-file';
import { parseReviewRecord } from '../engine/review-record';
import { AwsEmulator, LoggedRequest } from '../emulator';
import { captureIo } from './support/cli';
import { terraformOk } from './support/terraform';
import { EMULATOR_KEY, STATE_BUCKET, emulatorMatrixConfig, startMatrixEmulator } from '../emulator/matrix';

const REPO = join(__dirname, '..');
const WORKER_CWD = process.cwd();
const MANAGEMENT = '111111111111';
const ACCOUNTS = { alpha: '210000000001', bravo: '210000000002', delta: '210000000004' };

let emulator: AwsEmulator;
let dir: string;
let runs = 0;

// Each step runs Terraform in two or three accounts on two cores.
jest.setTimeout(300_000);

const stateKey = (id: string) => `session-manager-role/${id}.tfstate`;

function config(extra: { withDelta?: boolean; bravoSessionHours?: number } = {}): string {
  const bravoInputs = { s3_bucket_name: 'org-session-logs', cloudwatch_log_group_name: '/ssm/sessions', ...(extra.bravoSessionHours ? { max_session_duration: extra.bravoSessionHours * 3600 } : {}) };
  return emulatorMatrixConfig(
    emulator.endpoint,
    [
      { id: ACCOUNTS.alpha, name: 'alpha' },
      { id: ACCOUNTS.bravo, name: 'bravo', variant: 'logging', inputs: bravoInputs },
      ...(extra.withDelta ? [{ id: ACCOUNTS.delta, name: 'delta' }] : []),
    ],
    { owner: 'platform' },
  );
}

beforeAll(async () => {
  // The role Terraform would assume in delta does not trust the caller.
  emulator = await startMatrixEmulator([ACCOUNTS.alpha, ACCOUNTS.bravo], [{ id: ACCOUNTS.delta, assumableRoles: [] }]);
  // The config lives in a git repository of its own, as in a user's infrastructure repository.
  dir = mkdtempSync(join(tmpdir(), 'smr-matrix-'));
  writeFileSync(join(dir, 'accounts.yml'), config());
  writeFileSync(join(dir, 'with-delta.yml'), config({ withDelta: true }));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'accounts');
});

afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the command line in-process in the config's repository; returns its exit code, output and result. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; result: MatrixResult }> {
  runs += 1;
  const jsonFile = join(dir, `result-${runs}.json`);
  const io = captureIo({ ...EMULATOR_KEY });
  process.chdir(dir);
  try {
    const workDir = args[0] === 'merge' || args.includes('--work-dir') ? [] : ['--work-dir', join(dir, 'work')];
    const code = await main([...args, ...workDir, '--json', jsonFile], io);
    const result = JSON.parse(readFileSync(jsonFile, 'utf8')) as MatrixResult;
    expect(resultProblems(result)).toEqual([]);
    return { code, stdout: io.stdoutText(), stderr: io.stderrLines().join('\n'), result };
  } finally {
    // The worker's own directory, not the one found on entry: shards run concurrently and would restore each other's.
    process.chdir(WORKER_CWD);
  }
}

const account = (result: MatrixResult, name: string) => result.accounts.find((entry) => entry.name === name)!;
const addresses = (entries: readonly { address: string }[]) => entries.map((entry) => entry.address.replace('module.session_manager_role.', ''));
const driftOf = (entry: AccountResult) => Object.fromEntries(entry.drift.map((drift) => [drift.address.replace('module.session_manager_role.', ''), drift.action === 'delete' ? 'deleted' : drift.attributes.map((attribute) => attribute.name)]));
const stateLocks = () => emulator.bucketOutOfBand(STATE_BUCKET).listKeys().filter((key) => key.endsWith('.tflock'));

let planned: MatrixResult;

test('plan: every account planned in parallel, the one whose role cannot be assumed fails alone', async () => {
  const { code, stdout, stderr, result } = await cli('plan', '-c', 'with-delta.yml');
  planned = result;
  expect(code).toBe(1);
  expect(result.accounts.map((entry) => [entry.name, entry.status])).toEqual([
    ['alpha', 'changes'],
    ['bravo', 'changes'],
    ['delta', 'failed'],
  ]);
  for (const name of ['alpha', 'bravo']) expect(account(result, name).counts).toEqual({ add: 6, change: 0, destroy: 0, replace: 0, import: 0, move: 0 });
  expect(account(result, 'delta').error).toMatchObject({ phase: 'plan', message: expect.stringMatching(/AccessDenied|cannot be assumed/) });
  expect(stdout).toMatch(/delta\s+210000000004\s+minimal\s+failed/);
  // Progress lines name the account and the phase while it runs.
  expect(stderr).toMatch(/\[\d\d:\d\d\] bravo {2}plan…/);
  // Each account's provider assumed its own role, with a session name that names the run.
  const sessions = emulator.requests.filter((request) => request.action === 'AssumeRole' && request.params.RoleArn.endsWith(':role/terraform'));
  expect(new Set(sessions.map((request) => request.params.RoleArn))).toEqual(new Set(Object.values(ACCOUNTS).map((id) => `arn:aws:iam::${id}:role/terraform`)));
  expect(new Set(sessions.map((request) => request.params.RoleSessionName))).toEqual(new Set([`session-manager-role-${result.run.id}`]));
});

test('apply of the saved plans: a throttled account still succeeds, state and no lock left in S3', async () => {
  emulator.injectFault({ accountId: ACCOUNTS.alpha, action: 'CreateRole', kind: 'Throttling', nth: 1 });
  const before = emulator.requests.length;
  const planFile = join(dir, 'plan.json');
  writeFileSync(planFile, JSON.stringify(planned));
  const { code, result } = await cli('apply', '-c', 'with-delta.yml', '--plan-result', planFile);
  emulator.clearFaults();
  expect(code).toBe(1);
  expect(result.accounts.map((entry) => [entry.name, entry.status])).toEqual([
    ['alpha', 'applied'],
    ['bravo', 'applied'],
    ['delta', 'failed'],
  ]);
  expect(account(result, 'alpha').counts.add).toBe(6);
  // The outputs are those the refresh recorded, as AWS named the objects.
  const alphaRole = emulator.account(ACCOUNTS.alpha).role('ssm-alpha');
  expect(Object.fromEntries(account(result, 'alpha').outputs.map((output) => [output.name, output.after]))).toEqual({
    arn: alphaRole.arn,
    name: 'ssm-alpha',
    instance_profile_name: 'ssm-alpha',
    policy_arn: alphaRole.attachedPolicies[0],
  });
  const creates = emulator.requests.filter((request) => request.accountId === ACCOUNTS.alpha && request.action === 'CreateRole');
  expect(creates.length).toBeGreaterThan(1);
  for (const name of ['alpha', 'bravo'] as const) {
    expect(emulator.account(ACCOUNTS[name]).role(`ssm-${name}`).attachedPolicies).toHaveLength(1);
    expect(emulator.bucketOutOfBand(STATE_BUCKET).getObjectJson(stateKey(ACCOUNTS[name]))).toMatchObject({ version: 4 });
  }
  expect(stateLocks()).toEqual([]);
  // The apply took its lock with a conditional write, the S3-native way.
  expect(emulator.requests.slice(before).some((request) => request.action === 'PutObject' && request.params.Key.endsWith('.tflock') && request.params.IfNoneMatch === '*')).toBe(true);
});

let checked: MatrixResult;

test('right after the apply, a drift check reports nothing, without initialising or reading the plan again', async () => {
  const { code, result } = await cli('drift', '-c', 'accounts.yml');
  checked = result;
  expect(code).toBe(0);
  expect(result.accounts.map((entry) => [entry.name, entry.status, entry.drift.length])).toEqual([
    ['alpha', 'no_changes', 0],
    ['bravo', 'no_changes', 0],
  ]);
  // The pre-check had no converged record yet; the plan found each account converged and recorded it.
  for (const entry of result.accounts) expect(entry.phases.map((phase) => phase.phase)).toEqual(['precheck', 'prepare', 'plan', 'output', 'record']);
});

test('two shards merged equal the single run', async () => {
  // Every account is now unchanged since it converged: the single run and the shards check them without Terraform.
  const single = await cli('drift', '-c', 'accounts.yml');
  expect(single.result.accounts.map((entry) => entry.precheck?.without_terraform)).toEqual([true, true]);
  // Shard jobs run on machines of their own (a work directory each), as one run.
  const shard = (index: number) => cli('drift', '-c', 'accounts.yml', '--shard', `${index}/2`, '--run-id', 'sharded-drift', '--work-dir', join(dir, `work-shard-${index}`));
  const [first, second] = await Promise.all([shard(1), shard(2)]);
  expect([first.result.accounts.length, second.result.accounts.length]).toEqual([1, 1]);
  const files = [first, second].map(({ result }, index) => {
    const file = join(dir, `shard-${index + 1}.json`);
    writeFileSync(file, JSON.stringify(result));
    return file;
  });
  const merged = await cli('merge', files[1], files[0], '-c', 'accounts.yml');
  expect(merged.code).toBe(0);
  const comparable = (result: MatrixResult) => ({
    command: result.command,
    fingerprint: result.fingerprint,
    summary: result.summary,
    // Timings and where each machine kept its log differ; everything else must be the same.
    accounts: result.accounts.map((entry) => ({ ...entry, duration_ms: 0, phases: [], log_file: undefined })),
  });
  expect(comparable(merged.result)).toEqual(comparable(single.result));
  // And say what a Terraform plan said: no changes, with the same fingerprints.
  expect(merged.result.fingerprint).toBe(checked.fingerprint);
});

test('each change made outside Terraform is drift in its own account, with resource and attribute; unapplied configuration is not drift', async () => {
  const admin = emulator.outOfBand(ACCOUNTS.bravo).createPolicy('AdminByHand', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
  emulator.outOfBand(ACCOUNTS.alpha).editPolicy(`arn:aws:iam::${ACCOUNTS.alpha}:policy/ssm-alpha-session-manager`, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
  emulator.outOfBand(ACCOUNTS.alpha).setTrustPolicy('ssm-alpha', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${MANAGEMENT}:root` }, Action: 'sts:AssumeRole' }] });
  emulator.outOfBand(ACCOUNTS.bravo).attachRolePolicy('ssm-bravo', admin);
  emulator.outOfBand(ACCOUNTS.bravo).putRolePolicy('ssm-bravo', 'added-by-hand', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] });
  emulator.outOfBand(ACCOUNTS.alpha).tagRole('ssm-alpha', 'owner', 'someone-else');
  emulator.outOfBand(ACCOUNTS.alpha).deleteInstanceProfile('ssm-alpha');
  // And a change of configuration, not applied yet.
  writeFileSync(join(dir, 'accounts.yml'), config({ bravoSessionHours: 2 }));

  const { code, result } = await cli('drift', '-c', 'accounts.yml');
  expect(code).toBe(2);
  expect(driftOf(account(result, 'alpha'))).toEqual({
    'aws_iam_instance_profile.this[0]': 'deleted',
    'aws_iam_policy.this': ['policy'],
    'aws_iam_role.this': ['assume_role_policy', 'tags', 'tags_all'],
  });
  expect(driftOf(account(result, 'bravo'))).toEqual({
    'aws_iam_role.this': ['inline_policy'],
    'aws_iam_role_policies_exclusive.this': ['policy_names'],
    'aws_iam_role_policy_attachments_exclusive.this': ['policy_arns'],
  });
  // The new session duration is configuration not yet applied: a change of its own, not drift.
  const bravoRole = account(result, 'bravo').changes.find((change) => change.address.endsWith('aws_iam_role.this'))!;
  expect(bravoRole.attributes.find((attribute) => attribute.name === 'max_session_duration')).toEqual({ name: 'max_session_duration', before: 3600, after: 7200 });
  // The role's own change is the new duration; the inline policy is reverted by the exclusive resource.
  expect(bravoRole.cause).toBe('configuration');
  expect(addresses(account(result, 'alpha').changes.filter((change) => change.cause === 'drift'))).toEqual(['aws_iam_instance_profile.this[0]', 'aws_iam_policy.this', 'aws_iam_role.this']);
  expect(result.summary).toMatchObject({ with_drift: 2, with_changes: 2 });
});

test('--changed-since plans only the accounts whose configuration changed', async () => {
  const { code, result } = await cli('plan', '-c', 'accounts.yml', '--changed-since', 'HEAD');
  expect(code).toBe(2);
  expect(result.accounts.map((entry) => [entry.name, entry.status])).toEqual([
    ['alpha', 'skipped'],
    ['bravo', 'changes'],
  ]);
  expect(account(result, 'alpha').reason).toMatch(/^unchanged since HEAD \([0-9a-f]{7}\)$/);
  expect(result.run.changed_since).toMatchObject({ ref: 'HEAD', commit: expect.stringMatching(/^[0-9a-f]{40}$/) });
});

test('an account over its time limit is stopped and reported, its lock released', async () => {
  // The provider alone takes longer than a second to start.
  const { code, result } = await cli('plan', '-c', 'accounts.yml', '--changed-since', 'HEAD', '--timeout', '1s');
  expect(code).toBe(1);
  expect(account(result, 'bravo')).toMatchObject({ status: 'failed', error: { phase: 'plan', message: expect.stringMatching(/^timed out after 1s during plan/) } });
  expect(stateLocks()).toEqual([]);
});

/**
 * Starts an apply of the accounts changed since HEAD (bravo) as a process, and sends SIGTERM in the middle of the
 * apply; with `again`, a second SIGTERM while Terraform, stopping, writes bravo's state.
 */
async function interruptedApply(again: boolean): Promise<{ code: number | null; stderr: string; result: MatrixResult }> {
  // One of bravo's calls is slowed down, so that the signal arrives while Terraform is in the middle of the apply.
  emulator.injectFault({ accountId: ACCOUNTS.bravo, action: 'UpdateRole', kind: 'Latency', delayMs: 8000 });
  const jsonFile = join(dir, `interrupted-${again ? 2 : 1}.json`);
  const args = ['apply', '--auto-approve', '--changed-since', 'HEAD', '-c', 'accounts.yml', '--work-dir', join(dir, 'work'), '--json', jsonFile];
  const child = spawn(process.execPath, [join(REPO, 'bin', 'session-manager-role.js'), ...args], { cwd: dir, env: { ...process.env, ...EMULATOR_KEY }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let running = true;
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve)).finally(() => (running = false));
  const until = async (seen: (request: LoggedRequest) => boolean) => {
    const from = emulator.requests.length;
    while (running && !emulator.requests.slice(from).some(seen)) await new Promise((resolve) => setTimeout(resolve, 100));
    expect({ running, stderr }).toEqual({ running: true, stderr: expect.any(String) });
  };
  await until((request) => request.accountId === ACCOUNTS.bravo && request.action === 'UpdateRole');
  if (again) {
    // Interrupted, Terraform stops at once and writes its state: that write is held, so the second signal finds it busy.
    emulator.injectFault({ action: 'PutObject', key: stateKey(ACCOUNTS.bravo), kind: 'Latency', delayMs: 10_000 });
  }
  child.kill('SIGTERM');
  if (again) {
    await until((request) => request.action === 'PutObject' && request.params.Key === stateKey(ACCOUNTS.bravo));
    child.kill('SIGTERM');
  }
  const code = await exited;
  emulator.clearFaults();
  return { code, stderr, result: JSON.parse(readFileSync(jsonFile, 'utf8')) as MatrixResult };
}

test('SIGTERM during apply leaves the state readable and the lock released, and a re-run converges', async () => {
  const { code, stderr, result } = await interruptedApply(false);
  expect(code).toBe(1);
  expect(stderr).toMatch(/SIGTERM: stopping/);
  expect(account(result, 'bravo')).toMatchObject({ status: 'cancelled', error: { phase: 'apply', message: expect.stringMatching(/interrupted, wrote its state and released the lock/) } });
  expect(emulator.bucketOutOfBand(STATE_BUCKET).getObjectJson(stateKey(ACCOUNTS.bravo))).toMatchObject({ version: 4 });
  expect(stateLocks()).toEqual([]);

  // The re-run's apply succeeds; the refresh after it cannot take the state lock (its third lock: plan, apply,
  // refresh). Only the apply decides the status.
  // The re-run applies what a review saw: the record a plan writes, read back by apply --expect.
  const recordFile = join(dir, 'review-record.json');
  const reviewedPlan = await cli('plan', '-c', 'accounts.yml', '--changed-since', 'HEAD', '--review-record', recordFile);
  const record = parseReviewRecord(readFileSync(recordFile, 'utf8'), recordFile);
  expect(record).toMatchObject({ run: reviewedPlan.result.run.id, commit: expect.stringMatching(/^[0-9a-f]{40}$/), config_digest: reviewedPlan.result.run.config_digest });
  expect(record.accounts).toEqual([{ id: ACCOUNTS.bravo, name: 'bravo', fingerprint: account(reviewedPlan.result, 'bravo').fingerprint, config_digest: account(reviewedPlan.result, 'bravo').config_digest }]);
  emulator.injectFault({ action: 'PutObject', key: `${stateKey(ACCOUNTS.bravo)}.tflock`, kind: 'AccessDenied', nth: 3 });
  const rerun = await cli('apply', '-c', 'accounts.yml', '--expect', recordFile, '--changed-since', 'HEAD');
  emulator.clearFaults();
  expect(rerun.code).toBe(0);
  expect(account(rerun.result, 'bravo').status).toBe('applied');
  expect(account(rerun.result, 'bravo').warnings).toEqual([expect.stringMatching(/^The changes are applied and in the state, but the refresh after the apply did not finish \(.*state lock.*\)\..*run `terraform refresh -var session_name=\S+` in \S+accounts\/bravo/)]);
  expect(account(rerun.result, 'bravo').phases.map((phase) => phase.phase)).toEqual(['prepare', 'plan', 'show', 'apply', 'refresh']);
  // What the warning says to run records the objects as AWS has them; then the account plans clean.
  const [, command, refreshIn] = /run `terraform (refresh [^`]+)` in (\S+) /.exec(account(rerun.result, 'bravo').warnings![0])!;
  await terraformOk(refreshIn, [...command.split(' '), '-input=false', '-no-color'], EMULATOR_KEY);
  const after = await cli('plan', '-c', 'accounts.yml', '--changed-since', 'HEAD');
  expect(after.code).toBe(0);
  expect(account(after.result, 'bravo')).toMatchObject({ status: 'no_changes', drift: [] });
  const bravo = emulator.account(ACCOUNTS.bravo).role('ssm-bravo');
  expect({ attached: bravo.attachedPolicies, inline: [...bravo.inlinePolicies.keys()], duration: bravo.maxSessionDuration }).toEqual({
    attached: [`arn:aws:iam::${ACCOUNTS.bravo}:policy/ssm-bravo-session-manager`],
    inline: [],
    duration: 7200,
  });
  expect(stateLocks()).toEqual([]);
});

test('a second signal kills Terraform at once, and says the lock may be left', async () => {
  writeFileSync(join(dir, 'accounts.yml'), config({ bravoSessionHours: 3 }));
  const { code, stderr, result } = await interruptedApply(true);
  expect(code).toBe(1);
  expect(stderr).toMatch(/SIGTERM again: killing Terraform now/);
  expect(account(result, 'bravo')).toMatchObject({ status: 'cancelled', error: { message: expect.stringMatching(/killed before it stopped by itself: check the state lock/) } });
  // What `terraform force-unlock` would do, if the kill left the lock behind.
  for (const lock of stateLocks()) emulator.bucketOutOfBand(STATE_BUCKET).deleteObject(lock);
});

test('one account\'s trouble never hides another\'s: a log that cannot be written, a plan whose metadata cannot be saved, a corrupt saved plan', async () => {
  const work = (name: string, ...path: string[]) => join(dir, 'work', 'accounts', name, ...path);
  // alpha's log is a directory (it cannot be opened); bravo's plan metadata is one (it cannot be written).
  rmSync(work('alpha', 'plan.log'), { force: true });
  mkdirSync(work('alpha', 'plan.log'));
  rmSync(work('bravo', 'tfplan.meta.json'), { force: true });
  mkdirSync(work('bravo', 'tfplan.meta.json'));
  const plannedNow = await cli('plan', '-c', 'accounts.yml');
  expect(plannedNow.code).toBe(1);
  // Each failure is its own account's, with its own phase and cause; the run goes on and writes its result.
  expect(plannedNow.result.accounts.map((entry) => [entry.name, entry.status, entry.error?.phase])).toEqual([
    ['alpha', 'failed', 'prepare'],
    ['bravo', 'failed', expect.stringMatching(/^(plan|show)$/)],
  ]);
  expect(account(plannedNow.result, 'alpha').error!.message).toMatch(/EISDIR.*plan\.log/);
  expect(account(plannedNow.result, 'bravo').error!.message).toMatch(/EISDIR.*tfplan\.meta\.json/);

  // bravo's saved plan metadata is corrupt before the apply: refused as unreadable, not applied, not a crash.
  rmSync(work('bravo', 'tfplan.meta.json'), { recursive: true });
  writeFileSync(work('bravo', 'tfplan.meta.json'), '{"run_id": "tru');
  const planFile = join(dir, 'plan-with-trouble.json');
  writeFileSync(planFile, JSON.stringify(plannedNow.result));
  const before = emulator.requests.length;
  const applied = await cli('apply', '-c', 'accounts.yml', '--plan-result', planFile);
  expect(applied.code).toBe(1);
  expect(applied.result.accounts.map((entry) => [entry.name, entry.status, entry.error?.message.replace(/\(.*\)/, '(…)')])).toEqual([
    ['alpha', 'failed', `run ${plannedNow.result.run.id} has no plan for this account`],
    ['bravo', 'failed', "the saved plan's metadata (…): plan again"],
  ]);
  // Nothing reached AWS.
  expect(emulator.requests.slice(before).filter((request) => request.service === 'iam')).toEqual([]);
  rmSync(work('alpha', 'plan.log'), { recursive: true });
});
