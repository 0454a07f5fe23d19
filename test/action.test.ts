/**
 * The GitHub Action as the runner starts it: `node action/dist/index.js` with INPUT_* variables, real webhook payloads,
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the real octokit of @actions/github talking to the local GitHub server
 * (every request and response checked against GitHub's OpenAPI description), and Terraform against the AWS emulator.
 */
import { ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { findTerraform } from '../engine/terraform-setup';
import { MatrixResult } from '../engine/result';
import { assembleResult } from '../engine/result-assembly';
import { driftIssueMarker } from '../report/drift-issue';
import { parseReviewRecord, reviewRecordDigest } from '../engine/review-record';
import { GITHUB_BODY_LIMIT, commentMarker, parseCommentData } from '../report/pr-comment';
import { eventPayload, planWorkflowRun, runActionStep as runStep, RunnerContext, StepRun } from './support/action-runner';
import { AwsEmulator } from '../emulator';
import { EMULATOR_KEY, emulatorMatrixConfig, startMatrixEmulator } from '../emulator/matrix';
import { GitHubServer, RepositoryHandle } from './support/github-server';

const OWNER = 'acme';
const REPO = 'infra';
const ACCOUNTS = { alpha: '220000000001', bravo: '220000000002' };
const TOKEN = 'ghs_writeTokenOfTheWorkflow0000000000';
const FORK_TOKEN = 'ghs_readOnlyTokenOfAForkPullRequest00';
const sha = (text: string) => execFileSync('git', ['hash-object', '--stdin'], { input: text }).toString().trim();
const H1 = sha('first push');
const H2 = sha('second push');

/** The runner's own credentials and the workflow's token under its other names, each a value no output may hold. */
const CANARIES = {
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'canary-oidc-request-token-5f1c',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://canary-oidc.example/token?api-version=2.0&audience=5f1c',
  ACTIONS_RUNTIME_TOKEN: 'canary-runtime-token-5f1c',
  ACTIONS_RESULTS_URL: 'https://canary-results.example/5f1c',
  GITHUB_TOKEN: 'canary-github-token-5f1c',
};
/** Every step this file ran, for the checks of what they printed. */
const steps: StepRun[] = [];
let terraformEnvironments: string;

let emulator: AwsEmulator;
let github: GitHubServer;
let repository: RepositoryHandle;
let runner: RunnerContext;
let dir: string;

jest.setTimeout(300_000);

function config(options: { accounts?: (keyof typeof ACCOUNTS)[]; bravoPrefix?: string } = {}): string {
  const entries = {
    alpha: { id: ACCOUNTS.alpha, name: 'alpha' },
    bravo: { id: ACCOUNTS.bravo, name: 'bravo', variant: 'logging' as const, inputs: { s3_bucket_name: 'org-session-logs', s3_key_prefix: options.bravoPrefix ?? 'sessions' } },
  };
  return emulatorMatrixConfig(emulator.endpoint, (options.accounts ?? ['alpha', 'bravo']).map((name) => entries[name]));
}

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: runner.workspace, encoding: 'utf8' });
}

/** A commit on the default branch of the checkout, which GitHub then knows too. Returns its SHA. */
function commit(message: string): string {
  git('commit', '-q', '--allow-empty', '-am', message);
  const head = git('rev-parse', 'HEAD').trim();
  repository.addCommit(head);
  return head;
}

beforeAll(async () => {
  emulator = await startMatrixEmulator(Object.values(ACCOUNTS));
  github = await GitHubServer.start();
  github.addToken(TOKEN, 'write');
  github.addToken(FORK_TOKEN, 'read');
  repository = github.addRepository(OWNER, REPO);
  repository.addPullRequest({ number: 7, title: 'Session Manager role in alpha and bravo', user: 'octocat', head: { sha: H1, ref: 'ssm' }, base: { ref: 'main' } });

  // hashicorp/setup-terraform's default wrapper: `terraform` echoes the command line before Terraform's own output.
  // Its `terraform-bin`, which the action runs, writes down the environment of every Terraform process first.
  dir = mkdtempSync(join(tmpdir(), 'smr-action-'));
  const wrapper = join(dir, 'setup-terraform');
  mkdirSync(wrapper);
  terraformEnvironments = join(dir, 'terraform-environments.txt');
  // One write per process, so that a process the cancel test kills at its start leaves all of its record or none.
  writeFileSync(join(wrapper, 'terraform-bin'), `#!/bin/sh\nrecord="--- terraform $1\n$(env)"\nprintf '%s\\n' "$record" >> ${JSON.stringify(terraformEnvironments)}\nexec ${JSON.stringify(findTerraform(process.env).binary)} "$@"\n`);
  writeFileSync(join(wrapper, 'terraform'), '#!/bin/sh\necho "[command]$(dirname "$0")/terraform-bin $*"\nexec "$(dirname "$0")/terraform-bin" "$@"\n');
  chmodSync(join(wrapper, 'terraform-bin'), 0o755);
  chmodSync(join(wrapper, 'terraform'), 0o755);

  const workspace = join(dir, 'workspace');
  mkdirSync(workspace);
  // The runner's and the workflow's credentials, as a job has them: canaries that must reach no Terraform process,
  // log, summary or comment. TF_LOG set by the user is not a request for Terraform's debug log either.
  runner = { workspace, apiUrl: github.url, repository: `${OWNER}/${REPO}`, env: { ...process.env, ...EMULATOR_KEY, ...CANARIES, TF_LOG: 'TRACE', PATH: `${wrapper}:${process.env.PATH}` } };
  writeFileSync(join(workspace, 'accounts.yml'), config());
  writeFileSync(join(workspace, 'drift.yml'), config({ accounts: ['alpha'] }));
  writeFileSync(join(workspace, 'broken.yml'), 'version: 1\nacounts: []\nbackend: { local: { path: x } }\n');
  git('init', '-q');
  git('add', '.');
  commit('accounts');
});

afterAll(async () => {
  await Promise.all([emulator?.close(), github?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  // Every request the action sent, and every answer, matched GitHub's published description.
  expect(github.violations).toEqual([]);
  github.clearFaults();
  emulator.clearFaults();
});

const pullRequestEvent = (number: number, head: string, action: 'opened' | 'synchronize', fork = false) => ({
  name: 'pull_request',
  sha: sha(`merge of ${head}`),
  ref: `refs/pull/${number}/merge`,
  payload: eventPayload('pull_request', action, (payload) => {
    payload.number = number;
    payload.pull_request.number = number;
    payload.pull_request.head.sha = head;
    payload.pull_request.head.repo.fork = fork;
    payload.repository.name = REPO;
    payload.repository.owner.login = OWNER;
  }),
});

/** A step as the runner starts it; what it printed is kept for the checks at the end. */
async function runActionStep(...args: Parameters<typeof runStep>): Promise<StepRun> {
  const run = await runStep(...args);
  steps.push(run);
  return run;
}

const botComments = (number: number) => repository.comments(number).filter((comment) => comment.author === 'github-actions[bot]');
const result = (run: StepRun) => JSON.parse(readFileSync(run.outputs.result, 'utf8')) as MatrixResult;
test('a config with mistakes: annotations on the file\'s lines, the problems in the summary, nothing run', async () => {
  const run = await runActionStep(runner, { command: 'plan', config: 'broken.yml', 'github-token': TOKEN }, pullRequestEvent(7, H1, 'opened'));
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('::error title=session-manager-role config,file=broken.yml,line=2,col=1::acounts: unknown key "acounts" (did you mean "accounts"?)');
  expect(run.stdout).toContain('::error::2 problems in broken.yml; nothing was run.');
  expect(run.summary).toContain('`broken.yml` is not valid');
  expect(github.requests).toEqual([]);
});

let reviewed: MatrixResult;
let reviewedRecordText: string;

test('plan on a pull request: one comment, updated on every push, through rate limits, server errors and a body too long', async () => {
  github.injectFault({ operationId: 'issues/list-comments', nth: 1, kind: 'secondary-rate-limit', retryAfterSeconds: 1 });
  github.injectFault({ operationId: 'issues/create-comment', nth: 1, kind: 'server-error', status: 502 });
  const first = await planWorkflowRun(runner, repository, { config: 'accounts.yml', 'github-token': TOKEN }, pullRequestEvent(7, H1, 'opened'), runActionStep);
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/bypassing the setup-terraform wrapper/);
  expect(first.stdout).toMatch(/GitHub secondary rate limit on GET \S+\/issues\/7\/comments\?per_page=100: retrying in 1s/);
  expect(first.stdout).toContain(`::group::alpha (${ACCOUNTS.alpha}): changes`);
  expect(first.outputs).toMatchObject({ 'has-changes': 'true', 'has-drift': 'false', 'failed-accounts': '[]' });
  expect(github.requests.filter((request) => request.operationId === 'issues/create-comment').map((request) => request.status)).toEqual([502, 201]);
  const [comment] = botComments(7);
  expect(botComments(7)).toHaveLength(1);
  expect(first.outputs['comment-url']).toMatch(new RegExp(`/${OWNER}/${REPO}/pull/7#issuecomment-${comment.id}$`));
  expect(comment.body.startsWith(`${commentMarker('accounts.yml')}\n`)).toBe(true);
  expect(comment.body).toContain(H1.slice(0, 12));
  // The review record: every planned account's fingerprint, for the commit planned; the comment names its digest only.
  const planned = result(first);
  const recordText = readFileSync(first.outputs['review-record'], 'utf8');
  expect(first.outputs['review-artifact']).toBe('session-manager-role-review-accounts.yml');
  expect(first.outputs['review-record-sha256']).toBe(reviewRecordDigest(recordText));
  const record = parseReviewRecord(recordText, 'the record');
  expect(record).toMatchObject({ config: 'accounts.yml', commit: H1, run: planned.run.id, fingerprint: planned.fingerprint });
  expect(new Map(record.accounts.map((account) => [account.id, account.fingerprint]))).toEqual(new Map(planned.accounts.map((account) => [account.id, account.fingerprint])));
  expect(parseCommentData(comment.body)).toMatchObject({ commit: H1, record_sha256: reviewRecordDigest(recordText) });
  expect(first.summary).toContain('## session-manager-role: Plan of `accounts.yml`');

  // A second push changes bravo's key prefix; a body GitHub finds too long is sent again, shorter.
  repository.pushToPullRequest(7, H2);
  writeFileSync(join(runner.workspace, 'accounts.yml'), config({ bravoPrefix: 'audit' }));
  commit('bravo logs to audit/');
  github.injectFault({ operationId: 'issues/update-comment', nth: 1, kind: 'body-too-long' });
  const second = await planWorkflowRun(runner, repository, { config: 'accounts.yml', 'github-token': TOKEN }, pullRequestEvent(7, H2, 'synchronize'), runActionStep);
  expect(second.code).toBe(0);
  expect(botComments(7)).toHaveLength(1);
  const [updated] = botComments(7);
  expect(updated.id).toBe(comment.id);
  expect(updated.body).toContain(H2.slice(0, 12));
  expect(updated.body).toContain('audit/');
  expect(updated.body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT / 2);
  expect(github.requests.filter((request) => request.operationId === 'issues/update-comment').map((request) => request.status)).toEqual([422, 200]);
  reviewed = result(second);
  reviewedRecordText = readFileSync(second.outputs['review-record'], 'utf8');
});

test('a pull request from a fork: the token cannot comment, so the log and the summary say so and the step succeeds', async () => {
  repository.addPullRequest({ number: 8, title: 'From a fork', user: 'outsider', head: { sha: H2, ref: 'patch', fork: true }, base: { ref: 'main' } });
  // Nothing changed since HEAD: no account is planned, which keeps this test free of Terraform.
  const run = await runActionStep(runner, { command: 'plan', config: 'accounts.yml', 'github-token': FORK_TOKEN, 'changed-since': 'HEAD' }, pullRequestEvent(8, H2, 'opened', true));
  expect(run.code).toBe(0);
  expect(result(run).accounts.map((account) => account.status)).toEqual(['skipped', 'skipped']);
  expect(run.stdout).toMatch(/::warning::Could not post the plan comment on pull request #8: the token may not write here/);
  // In the summary the reference is broken up (#\u200b8), so that it links nowhere.
  expect(run.summary).toMatch(/Could not post the plan comment on pull request #\u200b8: the token may not write here/);
  expect(repository.comments(8)).toEqual([]);
});

test('a GitHub API that cannot be reached is named as a network failure, after retries, and the step still reports', async () => {
  // A port that was just free, and is closed: every connection is refused.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  const offline = { ...runner, apiUrl: `http://127.0.0.1:${port}` };
  const run = await runActionStep(offline, { command: 'plan', config: 'accounts.yml', 'github-token': TOKEN, 'changed-since': 'HEAD' }, pullRequestEvent(7, H2, 'synchronize'));
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/::warning::Could not post the plan comment on pull request #7: the GitHub API could not be reached, and retries did not help \(network error: .*ECONNREFUSED/);
  expect(run.stdout).not.toMatch(/server error/);
  expect(run.summary).toContain('the GitHub API could not be reached');
});

test('apply: never on a pull request; after the merge, only the plans that were reviewed', async () => {
  const refused = await runActionStep(runner, { command: 'apply', config: 'accounts.yml', 'github-token': TOKEN }, pullRequestEvent(7, H2, 'synchronize'));
  expect(refused.code).toBe(1);
  expect(refused.stdout).toContain('::error::apply runs only on push or workflow_dispatch, never on pull_request');

  // Something nobody reviewed slipped in for bravo with the merge (say, a conflict resolved by hand).
  writeFileSync(join(runner.workspace, 'accounts.yml'), config({ bravoPrefix: 'unreviewed' }));
  const merge = repository.mergePullRequest(7, commit('Merge pull request #7'));
  const push = {
    name: 'push',
    sha: merge,
    ref: 'refs/heads/main',
    payload: eventPayload('push', undefined, (payload) => {
      payload.after = merge;
      payload.ref = 'refs/heads/main';
      payload.repository.name = REPO;
    }),
  };
  const run = await runActionStep(runner, { command: 'apply', config: 'accounts.yml', 'github-token': TOKEN }, push);
  expect(run.code).toBe(1);
  const applied = result(run);
  expect(applied.accounts.map((account) => [account.name, account.status])).toEqual([
    ['alpha', 'applied'],
    ['bravo', 'refused'],
  ]);
  expect(applied.accounts[1].reason).toMatch(/differs from the reviewed one/);
  expect(applied.accounts[0].fingerprint).toBe(reviewed.accounts[0].fingerprint);
  expect(run.outputs['failed-accounts']).toBe('["bravo"]');
  expect(run.outputs['comment-url']).toContain('/pull/7#issuecomment-');
  // The record the apply was gated on is kept as the plan run kept it.
  expect(readFileSync(run.outputs['review-record'], 'utf8')).toBe(reviewedRecordText);
  expect(run.stdout).toMatch(/::error::1 account did not succeed: bravo \(refused: /);
  expect(emulator.account(ACCOUNTS.alpha).roles.has('ssm-alpha')).toBe(true);
  expect(emulator.account(ACCOUNTS.bravo).roles.size).toBe(0);
});

test('drift on a schedule: one issue, opened, updated, closed when the drift is gone, reopened when it is back', async () => {
  const schedule = { name: 'schedule', sha: sha('main'), ref: 'refs/heads/main', payload: { schedule: '17 6 * * 1-5' } };
  const drift = (extra: Record<string, string> = {}) => runActionStep(runner, { command: 'drift', config: 'drift.yml', 'github-token': TOKEN, ...extra }, schedule);
  const issues = () => repository.issues().filter((issue) => !issue.isPullRequest);

  emulator.outOfBand(ACCOUNTS.alpha).tagRole('ssm-alpha', 'owner', 'someone');
  const opened = await drift();
  expect(opened.code).toBe(0);
  expect(opened.outputs['has-drift']).toBe('true');
  expect(issues()).toHaveLength(1);
  const [issue] = issues();
  expect(issue).toMatchObject({ state: 'open', labels: ['session-manager-role-drift'], title: 'Drift in AWS accounts of drift.yml' });
  expect(issue.body!.startsWith(`${driftIssueMarker({ config: 'drift.yml' })}\n`)).toBe(true);
  expect(issue.body).toContain('`aws_iam_role.this` tags, tags_all');
  expect(opened.outputs['issue-url']).toMatch(new RegExp(`/issues/${issue.number}$`));

  emulator.outOfBand(ACCOUNTS.alpha).tagRole('ssm-alpha', 'team', 'also-by-hand');
  await drift();
  expect(issues()).toHaveLength(1);
  expect(repository.issue(issue.number).body).toContain('also-by-hand');

  emulator.outOfBand(ACCOUNTS.alpha).untagRole('ssm-alpha', 'owner');
  emulator.outOfBand(ACCOUNTS.alpha).untagRole('ssm-alpha', 'team');
  const closed = await drift();
  expect(closed.outputs['has-drift']).toBe('false');
  expect(repository.issue(issue.number)).toMatchObject({ state: 'closed', stateReason: 'completed' });
  expect(repository.issue(issue.number).comments.at(-1)!.body).toMatch(/found no drift: closing/);

  // That plan found alpha converged and recorded it: the next check needs no Terraform, and the credentials the
  // engine obtained for its own reads are masked in the log.
  const quiet = await drift({ 'max-age': '1h' });
  expect(result(quiet).accounts[0]).toMatchObject({ status: 'no_changes', precheck: { without_terraform: true } });
  expect(quiet.stdout).toMatch(/^::add-mask::ASIA[0-9A-F]{16}$/m);
  expect(repository.issue(issue.number).state).toBe('closed');

  emulator.outOfBand(ACCOUNTS.alpha).tagRole('ssm-alpha', 'owner', 'again');
  // Asked for, Terraform's debug log goes to the account's log, with a warning.
  const reopened = await drift({ 'fail-on-drift': 'true', 'terraform-log': 'debug' });
  expect(reopened.code).toBe(1);
  expect(reopened.stdout).toContain('::warning::Terraform runs with TF_LOG=DEBUG: its debug output, in every account\'s log, can hold credentials');
  expect(reopened.stdout).toMatch(/\[DEBUG\]/);
  expect(reopened.stdout).toContain('::error::Drift in 1 account (fail-on-drift is on).');
  expect(issues()).toHaveLength(1);
  expect(repository.issue(issue.number)).toMatchObject({ state: 'open', stateReason: 'reopened' });
  expect(repository.issue(issue.number).comments.at(-1)!.body).toMatch(/found drift again: reopening/);

  // One issue per account instead: an issue of its own for alpha, beside the config's.
  const perAccount = await drift({ 'drift-issue': 'per-account', full: 'true' });
  expect(perAccount.code).toBe(0);
  expect(result(perAccount).accounts[0].precheck).toMatchObject({ without_terraform: false, terraform_reason: 'a full check was asked for: Terraform plans every account' });
  const accountIssue = issues().find((candidate) => candidate.number !== issue.number)!;
  expect(accountIssue).toMatchObject({ state: 'open', title: `Drift in AWS account alpha (${ACCOUNTS.alpha})` });
  expect(accountIssue.body!.startsWith(`${driftIssueMarker({ config: 'drift.yml', accountId: ACCOUNTS.alpha })}\n`)).toBe(true);
});

test('report joins the results of shard jobs and posts the one comment', async () => {
  const number = repository.addPullRequest({ title: 'Sharded plan', user: 'octocat', head: { sha: H2, ref: 'sharded' }, base: { ref: 'main' } });
  const shards = join(dir, 'shards');
  mkdirSync(shards);
  reviewed.accounts.forEach((account, index) => {
    // As a shard job writes it: its own accounts, counts and fingerprint; the report recomputes the matrix's.
    const shard = assembleResult(reviewed.command, [account], { ...reviewed.run, shard: { index: index + 1, count: 2 } });
    expect(shard.fingerprint).not.toBe(reviewed.fingerprint);
    writeFileSync(join(shards, `result-${index + 1}.json`), JSON.stringify(shard));
  });
  const run = await runActionStep(runner, { command: 'report', config: 'accounts.yml', 'github-token': TOKEN, results: shards }, pullRequestEvent(number, H2, 'opened'));
  expect(run.code).toBe(0);
  expect(result(run).accounts.map((account) => account.name)).toEqual(['alpha', 'bravo']);
  expect(botComments(number)).toHaveLength(1);
  expect(parseCommentData(botComments(number)[0].body)).toMatchObject({ fingerprint: reviewed.fingerprint });
});

test('a cancelled job: Terraform is stopped at the first signal, and the result is written before the runner ends the step', async () => {
  const schedule = { name: 'schedule', sha: sha('main'), ref: 'refs/heads/main', payload: { schedule: '17 6 * * 1-5' } };
  // Interrupted, Terraform stops its plan at once, then releases alpha's state lock: that is held up, so the runner
  // finds the step still stopping at the SIGTERM.
  const alphaState = `session-manager-role/${ACCOUNTS.alpha}.tfstate`;
  emulator.injectFault({ action: 'DeleteObject', key: `${alphaState}.tflock`, kind: 'Latency', delayMs: 15_000 });
  const from = emulator.requests.length;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  // The runner's schedule (SIGINT, SIGTERM 7.5 s later, a kill 2.5 s after that), shortened.
  const cancelAsTheRunnerDoes = async (step: ChildProcess) => {
    // Once Terraform holds alpha's state lock, its plan is under way.
    const locked = () => emulator.requests.slice(from).some((request) => request.action === 'PutObject' && request.params.Key === `${alphaState}.tflock`);
    while (!locked() && step.exitCode === null) await pause(100);
    step.kill('SIGINT');
    await pause(1_500);
    step.kill('SIGTERM');
    await pause(1_500);
    step.kill('SIGKILL');
  };
  const run = await runActionStep(runner, { command: 'drift', config: 'drift.yml', 'github-token': TOKEN, 'drift-issue': 'off' }, schedule, {}, (step) => void cancelAsTheRunnerDoes(step));
  expect(run.code).toBeNull();
  expect(run.stdout).toContain('::warning::SIGINT: stopping. Terraform finishes its current step, writes its state and releases its lock');
  expect(run.stdout).toContain('::warning::SIGTERM: the runner ends this step in a moment; writing the result so far.');
  const written = result(run);
  expect(written.accounts.map((account) => [account.name, account.status, account.error?.message])).toEqual([
    ['alpha', 'cancelled', expect.stringMatching(/^still stopping when the runner ended the step/)],
  ]);
  expect(run.outputs['failed-accounts']).toBe('["alpha"]');
  expect(run.summary).toContain('The job was cancelled: this is the result as far as it went when the runner ended the step.');
  emulator.clearFaults();
});

test('no credential of the runner or the workflow reaches a Terraform process, a log, a summary or a comment', () => {
  const environments = readFileSync(terraformEnvironments, 'utf8').split('--- terraform ').filter(Boolean);
  expect(environments.length).toBeGreaterThan(10);
  const secrets = [...Object.values(CANARIES), TOKEN];
  for (const environment of environments) {
    for (const secret of secrets) expect(environment).not.toContain(secret);
    expect(environment).not.toMatch(/^(INPUT_|ACTIONS_|GITHUB_TOKEN=|TF_LOG=TRACE)/m);
    // What Terraform needs is there: the AWS credentials and the engine's own settings.
    expect(environment).toContain(`AWS_ACCESS_KEY_ID=${EMULATOR_KEY.AWS_ACCESS_KEY_ID}`);
    if (!environment.startsWith('version')) expect(environment).toMatch(/^TF_IN_AUTOMATION=1$/m);
  }
  // The job log of every step (Terraform's output included), the summaries and everything posted to GitHub.
  const jobLogs = steps.map((run) => run.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::')).join('\n'));
  const posted = repository.issues().flatMap((issue) => [issue.title, issue.body ?? '', ...issue.comments.map((comment) => comment.body)]);
  for (const text of [...jobLogs, ...steps.map((run) => run.summary), ...posted]) {
    for (const secret of [...secrets, EMULATOR_KEY.AWS_SECRET_ACCESS_KEY]) expect(text).not.toContain(secret);
  }
  // The credentials the action handles are masked for the runner, which then hides them wherever they appear.
  const masked = new Set(steps.flatMap((run) => run.stdout.split('\n').filter((line) => line.startsWith('::add-mask::')).map((line) => line.slice('::add-mask::'.length))));
  expect([...masked]).toEqual(expect.arrayContaining([TOKEN, EMULATOR_KEY.AWS_ACCESS_KEY_ID, EMULATOR_KEY.AWS_SECRET_ACCESS_KEY]));
  expect(steps.some((run) => run.stdout.includes('TF_LOG is set but not passed to Terraform'))).toBe(true);
});
