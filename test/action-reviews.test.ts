/**
 * The apply on merge, as the runner starts the bundled action, against the local GitHub server and the AWS emulator:
 * it applies every reviewed change that is not yet applied, whichever applies before it never ran, and nothing that
 * no verified review covers. Reviews come from the review records the plan workflow's runs kept as artifacts; a
 * collaborator with write access (Mallory) edits comments, runs workflows of her own and deletes artifacts, and none
 * of it counts as a review. The last test takes a 5,000-account record through the apply.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../cli/main';
import { AccountEntry, MatrixConfigFile } from '../engine/config';
import { EMULATOR_KEY, TESTED_AWS_PROVIDER_VERSION, emulatorMatrixConfig, startMatrixEmulator } from '../emulator/matrix';
import { AwsEmulator } from '../emulator';
import { recordApplied } from '../engine/applied-configuration';
import { ConfigDigests } from '../engine/config-digest';
import { loadConfig } from '../engine/config-loader';
import { AccountResult, MatrixResult } from '../engine/result';
import { assembleResult, skippedResult } from '../engine/result-assembly';
import { parseReviewRecord, reviewRecord, reviewRecordDigest, serializeReviewRecord } from '../engine/review-record';
import { renderPlanComment } from '../report/pr-comment';
import { PLAN_WORKFLOW, eventPayload, planWorkflowRun, runActionStep, RunnerContext, StepRun } from './support/action-runner';
import { captureIo } from './support/cli';
import { GitHubServer, RepositoryHandle } from './support/github-server';

const OWNER = 'acme';
const REPO = 'platform';
const ACCOUNTS = { alpha: '240000000001', bravo: '240000000002', charlie: '240000000003', dave: '240000000004' };
const TOKEN = 'ghs_workflowTokenOfTheRepository000000';
const MALLORY = 'ghp_malloryHasWriteAccess0000000000000';
const sha = (text: string) => execFileSync('git', ['hash-object', '--stdin'], { input: text }).toString().trim();

let emulator: AwsEmulator;
let github: GitHubServer;
let repository: RepositoryHandle;
let runner: RunnerContext;
let dir: string;

jest.setTimeout(600_000);

const alpha = (hours = 1): AccountEntry => ({ id: ACCOUNTS.alpha, name: 'alpha', inputs: { max_session_duration: hours * 3600 } });
const bravo: AccountEntry = { id: ACCOUNTS.bravo, name: 'bravo' };
const charlie: AccountEntry = { id: ACCOUNTS.charlie, name: 'charlie' };

function writeConfig(...accounts: AccountEntry[]): void {
  writeFileSync(join(runner.workspace, 'accounts.yml'), emulatorMatrixConfig(emulator.endpoint, accounts));
}

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: runner.workspace, encoding: 'utf8' });
}

/** A commit on the default branch, known to GitHub too. */
function commit(message: string): string {
  git('add', '.');
  git('commit', '-q', '--allow-empty', '-m', message);
  const head = git('rev-parse', 'HEAD').trim();
  repository.addCommit(head);
  return head;
}

/** Merges the pull request with the checkout as it now is: the merge commit the apply runs on. */
function merge(number: number): string {
  return repository.mergePullRequest(number, commit(`Merge pull request #${number}`));
}

function pullRequest(number: number, head: string): void {
  repository.addPullRequest({ number, title: `Change ${number}`, user: 'octocat', head: { sha: head, ref: `change-${number}` }, base: { ref: 'main' } });
}

const pullRequestEvent = (number: number, head: string) => ({
  name: 'pull_request',
  sha: sha(`merge of ${head}`),
  ref: `refs/pull/${number}/merge`,
  payload: eventPayload('pull_request', 'synchronize', (payload) => {
    payload.number = number;
    payload.pull_request.number = number;
    payload.pull_request.head.sha = head;
    payload.pull_request.head.ref = `change-${number}`;
    payload.repository.name = REPO;
    payload.repository.owner.login = OWNER;
  }),
});

const result = (run: StepRun) => JSON.parse(readFileSync(run.outputs.result, 'utf8')) as MatrixResult;
const statuses = (run: StepRun) => result(run).accounts.map((account) => [account.name, account.status]);

/** A run of the plan workflow for the pull request's head, which succeeds. */
async function planRun(number: number, head: string, inputs: Record<string, string> = {}): Promise<StepRun> {
  const step = await planWorkflowRun(runner, repository, { config: 'accounts.yml', 'github-token': TOKEN, ...inputs }, pullRequestEvent(number, head));
  expect(step.code).toBe(0);
  return step;
}

/**
 * What a run of `workflow` for the pull request's head leaves when it plans `planned` (a plan of the same change):
 * its review record as an artifact, and the bot's plan comment naming it. Returns the artifact's id.
 */
function reviewedBy(workflow: string, number: number, head: string, planned: MatrixResult, config = 'accounts.yml'): number {
  const runId = repository.addWorkflowRun({ workflow, event: 'pull_request', headSha: head, headBranch: `change-${number}`, pullRequests: [number] });
  const ofThisRun = { ...planned, run: { ...planned.run, id: `gh-${runId}-1` } };
  const text = serializeReviewRecord(reviewRecord(ofThisRun, { config, commit: head }));
  const artifact = `session-manager-role-review-${config}`;
  const id = repository.uploadArtifact(runId, artifact, { 'review-record.json': text });
  repository.addComment(number, renderPlanComment(ofThisRun, { config, commit: head, record: { artifact, sha256: reviewRecordDigest(text) } }));
  return id;
}

function apply(merged: string, config = 'accounts.yml'): Promise<StepRun> {
  const push = {
    name: 'push',
    sha: merged,
    ref: 'refs/heads/main',
    payload: eventPayload('push', undefined, (payload) => {
      payload.after = merged;
      payload.ref = 'refs/heads/main';
      payload.repository.name = REPO;
    }),
  };
  return runActionStep(runner, { command: 'apply', config, 'github-token': TOKEN }, push);
}

/** A call to GitHub's API as Mallory, a collaborator with write access. */
async function asMallory(method: string, path: string, body?: unknown): Promise<number> {
  const response = await fetch(`${github.url}/repos/${OWNER}/${REPO}${path}`, {
    method,
    headers: { authorization: `token ${MALLORY}`, accept: 'application/vnd.github+json', 'user-agent': 'mallory', ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.status;
}

beforeAll(async () => {
  emulator = await startMatrixEmulator(Object.values(ACCOUNTS));
  github = await GitHubServer.start();
  github.addToken(TOKEN, 'write');
  github.addToken(MALLORY, 'write', 'mallory');
  repository = github.addRepository(OWNER, REPO, { collaborators: ['mallory'] });
  dir = mkdtempSync(join(tmpdir(), 'smr-reviews-'));
  const workspace = join(dir, 'workspace');
  mkdirSync(workspace);
  runner = { workspace, apiUrl: github.url, repository: `${OWNER}/${REPO}`, env: { ...process.env, ...EMULATOR_KEY } };
  git('init', '-q', '-b', 'main');
  writeConfig(alpha(), bravo);
  commit('alpha and bravo');
});

afterAll(async () => {
  await Promise.all([emulator?.close(), github?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  expect(github.violations).toEqual([]);
});

let appliedAt: string;

test('three merges, and the middle one\'s apply never runs: the third applies both changes, each as its own pull request reviewed it', async () => {
  // Alpha and bravo as the default branch has them, applied from the command line (the action's own apply of a
  // reviewed merge is action.test.ts).
  const setup = ['apply', '--auto-approve', '-c', join(runner.workspace, 'accounts.yml'), '--work-dir', join(dir, 'setup-work'), '--run-id', 'setup', '-q'];
  expect(await main(setup, captureIo({ ...EMULATOR_KEY }))).toBe(0);

  // #2: alpha's sessions last two hours. Planned and merged; its apply waits behind a running one, and GitHub
  // cancels it when the next merge's apply joins the queue.
  pullRequest(2, sha('#2'));
  writeConfig(alpha(2), bravo);
  const second = await planRun(2, sha('#2'), { 'changed-since': git('rev-parse', 'HEAD').trim() });
  const base = git('rev-parse', 'HEAD').trim();
  merge(2);

  // #3 was branched before #2 merged: it adds charlie, and its plan knows nothing of #2.
  pullRequest(3, sha('#3'));
  writeConfig(alpha(1), bravo, charlie);
  const third = await planRun(3, sha('#3'), { 'changed-since': base });
  expect(statuses(third)).toEqual([
    ['alpha', 'skipped'],
    ['bravo', 'skipped'],
    ['charlie', 'changes'],
  ]);
  writeConfig(alpha(2), bravo, charlie);
  appliedAt = merge(3);

  const run = await apply(appliedAt);
  expect(run.code).toBe(0);
  expect(statuses(run)).toEqual([
    ['alpha', 'applied'],
    ['bravo', 'skipped'],
    ['charlie', 'applied'],
  ]);
  const applied = result(run);
  expect(applied.run.unapplied).toBe(true);
  // Each change is the one its own pull request's plan showed.
  expect(applied.accounts[0].fingerprint).toBe(result(second).accounts[0].fingerprint);
  expect(applied.accounts[2].fingerprint).toBe(result(third).accounts[2].fingerprint);
  expect(applied.accounts[1].reason).toMatch(/^already applied: run setup applied this configuration at [0-9a-f]{12}/);
  expect(run.stdout).toMatch(/Review of pull request #2 verified/);
  expect(run.stdout).toMatch(/Review of pull request #3 verified/);
  expect(emulator.account(ACCOUNTS.alpha).role('ssm-alpha').maxSessionDuration).toBe(7200);
  expect(emulator.account(ACCOUNTS.charlie).roles.has('ssm-charlie')).toBe(true);
});

test('reviews that cannot be verified count for nothing, each with its reason; a new plan of the change does', async () => {
  // #4: alpha's sessions last three hours, planned for real.
  pullRequest(4, sha('#4'));
  writeConfig(alpha(3), bravo, charlie);
  const planned = result(await planRun(4, sha('#4'), { 'changed-since': appliedAt }));
  const alphaPlan = planned.accounts[0].fingerprint;
  // Mallory edits the comment to name a record of her own.
  const [comment] = repository.comments(4);
  expect(await asMallory('PATCH', `/issues/comments/${comment.id}`, { body: comment.body.replace(/"record_sha256":"[0-9a-f]{64}"/, `"record_sha256":"${'f'.repeat(64)}"`) })).toBe(200);
  merge(4);

  // #5 was planned only by a workflow of Mallory's (it posts as the bot too), with a record of her choosing.
  pullRequest(5, sha('#5'));
  reviewedBy('mallory.yml', 5, sha('#5'), planned);
  merge(5);

  // #6: its last push was never planned.
  pullRequest(6, sha('#6a'));
  reviewedBy(PLAN_WORKFLOW, 6, sha('#6a'), planned);
  repository.pushToPullRequest(6, sha('#6b'));
  merge(6);

  // #7: its record expired before the merge; #8: Mallory deleted it.
  pullRequest(7, sha('#7'));
  repository.expireArtifact(reviewedBy(PLAN_WORKFLOW, 7, sha('#7'), planned));
  merge(7);
  pullRequest(8, sha('#8'));
  expect(await asMallory('DELETE', `/actions/artifacts/${reviewedBy(PLAN_WORKFLOW, 8, sha('#8'), planned)}`)).toBe(204);
  const merged = merge(8);

  const refused = await apply(merged);
  expect(refused.code).toBe(1);
  expect(statuses(refused)).toEqual([
    ['alpha', 'refused'],
    ['bravo', 'skipped'],
    ['charlie', 'skipped'],
  ]);
  expect(result(refused).accounts[0]).toMatchObject({ fingerprint: alphaPlan, reason: 'it has changes that no reviewed plan showed: plan it in a pull request first' });
  const reasons = refused.summary;
  expect(reasons).toMatch(/pull request #\u200b4: the review record of run \d+ of session-manager-role-plan\.yml is not the one its plan comment names/);
  expect(reasons).toMatch(/pull request #\u200b5: no successful run of session-manager-role-plan\.yml planned its last commit/);
  expect(reasons).toMatch(/pull request #\u200b6: its plan comment describes commit [0-9a-f]{12}, but it was merged at [0-9a-f]{12}: its last push was never planned/);
  expect(reasons).toMatch(/pull request #\u200b7: the review record of run \d+ of session-manager-role-plan\.yml expired on /);
  expect(reasons).toMatch(/pull request #\u200b8: run \d+ of session-manager-role-plan\.yml has no artifact session-manager-role-review-accounts\.yml/);
  expect(emulator.account(ACCOUNTS.alpha).role('ssm-alpha').maxSessionDuration).toBe(7200);

  // The change planned again in a pull request of its own, and merged: now it is reviewed, and applied.
  pullRequest(9, sha('#9'));
  await planRun(9, sha('#9'), { 'changed-since': appliedAt });
  const run = await apply(merge(9));
  expect(run.code).toBe(0);
  expect(statuses(run)[0]).toEqual(['alpha', 'applied']);
  expect(result(run).accounts[0].fingerprint).toBe(alphaPlan);
  expect(emulator.account(ACCOUNTS.alpha).role('ssm-alpha').maxSessionDuration).toBe(10800);
});

test('a review record of 5,000 accounts goes through the apply whole: every fingerprint recovered exactly', async () => {
  // A fleet of 5,000 with state beside the checkout: dave is new; the configuration of the 4,999 others is in effect
  // already, as their records say.
  const dave: AccountEntry = { id: ACCOUNTS.dave, name: 'dave' };
  const fleet = Array.from({ length: 4_999 }, (_, index): AccountEntry => ({ id: String(250_000_000_000 + index), name: `fleet-${index}` }));
  const fleetConfig = (accounts: AccountEntry[]): MatrixConfigFile => ({
    version: 1,
    terraform: { aws_provider_version: TESTED_AWS_PROVIDER_VERSION },
    defaults: { region: 'eu-west-1', role_arn: 'arn:aws:iam::{account_id}:role/terraform', inputs: { role_name: 'ssm-{name}' }, endpoints: { iam: emulator.endpoint, sts: emulator.endpoint } },
    backend: { local: { path: join(dir, 'fleet-state', '{name}.tfstate') } },
    accounts,
  });
  writeFileSync(join(runner.workspace, 'fleet.yml'), stringify(fleetConfig([dave, ...fleet])));
  const config = loadConfig(join(runner.workspace, 'fleet.yml'), { builtInModules: join(__dirname, '..', 'modules') });
  const digests = new ConfigDigests();
  for (const account of config.accounts.slice(1)) await recordApplied(account, undefined, { config_digest: digests.account(account), run_id: 'gh-1-1', at: '2026-12-01T00:00:00Z' });
  commit('A fleet of 5,000 accounts');

  // Dave's plan as a review saw it (the command line plans him alone); the others as a plan of the fleet lists them.
  writeFileSync(join(dir, 'dave.yml'), stringify(fleetConfig([dave])));
  expect(await main(['plan', '-c', join(dir, 'dave.yml'), '--work-dir', join(dir, 'dave-work'), '--json', join(dir, 'dave.json'), '-q'], captureIo({ ...EMULATOR_KEY }))).toBe(2);
  const [davePlan] = (JSON.parse(readFileSync(join(dir, 'dave.json'), 'utf8')) as MatrixResult).accounts;
  const quiet = fleet.map((account): AccountResult => ({ ...skippedResult({ ...account, name: account.name!, variant: 'minimal', region: 'eu-west-1' }, ''), status: 'no_changes', reason: undefined, fingerprint: createHash('sha256').update(`plan of ${account.id}`).digest('hex') }));
  // Dave, the one account to apply, last: an apply that read only the start of the record would refuse him.
  const planned = assembleResult('plan', [...quiet, davePlan], { id: 'to-be-named', started_at: '2026-12-02T00:00:00.000Z', finished_at: '2026-12-02T00:01:00.000Z', duration_ms: 60_000, config: 'fleet.yml', parallelism: 2 });
  pullRequest(10, sha('#10'));
  reviewedBy(PLAN_WORKFLOW, 10, sha('#10'), planned, 'fleet.yml');

  const run = await apply(merge(10), 'fleet.yml');
  expect(run.code).toBe(0);
  expect(result(run).summary.by_status).toMatchObject({ applied: 1, skipped: 4_999 });
  expect(run.stdout).toMatch(/Review of pull request #10 verified \(.*\): 5000 planned accounts\./);
  const recovered = parseReviewRecord(readFileSync(run.outputs['review-record'], 'utf8'), 'the verified record');
  expect(recovered.accounts).toHaveLength(5_000);
  expect(new Map(recovered.accounts.map((account) => [account.id, account.fingerprint]))).toEqual(new Map(planned.accounts.map((account) => [account.id, account.fingerprint])));
});
