/**
 * Drift issues for matrices of hundreds to thousands of accounts, through the bundled action as the runner starts it
 * (`command: report` over generated shard results of a drift run, so no Terraform) against the local GitHub server
 * with GitHub's rate limits: the content-creation limits, the primary limit, one issue per account or per config,
 * accounts removed from the config and switches of `drift-issue` mode. Every request and answer is checked against
 * GitHub's OpenAPI description. Time is virtual, 100 times the wall clock, in the server and in the action alike, so
 * that the action's real waits (octokit's pacing, `retry-after`, `x-ratelimit-reset`) pass in a fraction.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountResult } from '../engine/result';
import { DriftScope, driftIssueMarker, renderDriftIssue } from '../report/drift-issue';
import { DriftState, driftCheckAccounts, driftResult, generatedAccount, range, writeDriftShards } from './support/drift-results';
import { CONTENT_CREATING_OPERATIONS, GitHubServer, IssueSnapshot, RepositoryHandle } from './support/github-server';
import { RunnerContext, StepRun, runActionStep } from './support/action-runner';
import { VirtualTime } from './support/virtual-time';

const OWNER = 'acme';
const TOKEN = 'ghs_writeTokenOfTheDriftWorkflow00000';
/** Not in the workspace: `report` then merges the shards without checking them against the config. */
const CONFIG = 'accounts.yml';
const LABEL = 'session-manager-role-drift';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SCHEDULE = { name: 'schedule', sha: 'f'.repeat(40), ref: 'refs/heads/main', payload: { schedule: '17 6 * * 1-5' } };

const time = new VirtualTime(100);
let github: GitHubServer;
let dir: string;
let runs = 0;

jest.setTimeout(120_000);

beforeAll(async () => {
  github = await GitHubServer.start({ clock: time.clock });
  github.addToken(TOKEN, 'write');
  dir = mkdtempSync(join(tmpdir(), 'smr-drift-issues-'));
});

afterAll(async () => {
  await github?.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  // Every request the action sent, and every answer, matched GitHub's published description.
  expect(github.violations).toEqual([]);
  github.clearFaults();
  github.limitContentCreation();
});

/** A repository of its own for a test, and the runner that checks its drift. */
function checkedRepository(name: string): { repository: RepositoryHandle; check: (accounts: readonly AccountResult[], inputs?: Record<string, string>) => Promise<StepRun> } {
  const repository = github.addRepository(OWNER, name);
  const workspace = join(dir, name);
  mkdirSync(workspace);
  const runner: RunnerContext = { workspace, apiUrl: github.url, repository: `${OWNER}/${name}`, env: process.env };
  const check = (accounts: readonly AccountResult[], inputs: Record<string, string> = {}) => {
    runs += 1;
    const shards = join(dir, `${name}-run-${runs}`);
    mkdirSync(shards);
    writeDriftShards(shards, accounts, 3, `gh-${runs}-1`);
    const step = { command: 'report', config: CONFIG, 'github-token': TOKEN, results: shards, 'drift-issue': 'per-account', ...inputs };
    return runActionStep(runner, step, SCHEDULE, time.env());
  };
  return { repository, check };
}

const driftIssues = (repository: RepositoryHandle) => repository.issues().filter((issue) => !issue.isPullRequest);
const accountScope = (index: number): DriftScope => ({ config: CONFIG, accountId: generatedAccount(index).id });
const issueOf = (repository: RepositoryHandle, scope: DriftScope): IssueSnapshot | undefined =>
  driftIssues(repository).find((issue) => issue.body?.startsWith(`${driftIssueMarker(scope)}\n`));
const requestsTo = (repository: string, operationId: string) => github.requests.filter((request) => request.operationId === operationId && request.params.repo === repository);

/** The most content-creating requests GitHub admitted in any one minute, from the server's log. */
function busiestMinute(repository: string): number {
  const times = github.requests
    .filter((request) => request.params.repo === repository && CONTENT_CREATING_OPERATIONS.has(request.operationId ?? '') && request.status < 300)
    .map((request) => Date.parse(request.at));
  return Math.max(0, ...times.map((start) => times.filter((other) => other >= start && other < start + MINUTE).length));
}

test('hundreds of accounts drifting at once: an issue each, within the run budget and GitHub’s limits; the next runs go on', async () => {
  const { repository, check } = checkedRepository('shared-policy');
  const accounts = driftCheckAccounts(range(250), () => 'drift');

  // The first run opens what its budget allows, one request at a time, paced by octokit far below 80 a minute.
  const first = await check(accounts, { 'drift-issue-budget': '80' });
  expect(first.code).toBe(0);
  expect(driftIssues(repository)).toHaveLength(80);
  expect(requestsTo('shared-policy', 'issues/create').map((request) => request.status)).toEqual(Array(80).fill(201));
  expect(requestsTo('shared-policy', 'issues/list-for-repo')).toHaveLength(1);
  expect(busiestMinute('shared-policy')).toBeLessThanOrEqual(80);
  const budgetNotice = 'Drift issues: 170 not opened in this run, because a run creates at most 80 issues and comments (drift-issue-budget; GitHub allows 500 an hour).';
  expect(first.stdout).toContain(`::warning::${budgetNotice}`);
  expect(first.summary).toContain(`${budgetNotice} The next drift check takes them up: account-0081 (300000000080), account-0082`);
  expect(first.summary).toContain('account-0100 (300000000099), and 150 more.');
  expect(first.outputs['issue-url']).toBe(`https://github.test/${OWNER}/shared-policy/issues/${issueOf(repository, accountScope(0))!.number}`);

  // Other content creation spent most of GitHub's hour: the next run opens what is left of it and stops there.
  github.limitContentCreation({ perHour: 10 });
  const second = await check(accounts);
  expect(second.code).toBe(0);
  expect(driftIssues(repository)).toHaveLength(90);
  expect(second.stdout).toMatch(/GitHub secondary rate limit on POST \S+\/issues: giving up \(GitHub asks to wait \d{4}s\)/);
  // One refusal, then no more content-creating requests in that run.
  expect(requestsTo('shared-policy', 'issues/create').filter((request) => request.status === 403)).toHaveLength(1);
  expect(second.summary).toContain("Drift issues: 160 not opened in this run, because GitHub's limit on creating content (80 issues and comments a minute, 500 an hour) was reached.");

  // An hour later, the next run opens the rest.
  time.advance(HOUR);
  github.limitContentCreation();
  const third = await check(accounts);
  expect(third.code).toBe(0);
  expect(third.summary).not.toContain('Drift issues:');
  expect(third.stdout).toContain('Drift issues: 160 opened, 90 up to date.');
  // Exactly one issue per account, each with the label that finds it again.
  const issues = driftIssues(repository);
  expect(issues).toHaveLength(250);
  expect(new Set(issues.map((issue) => issue.body!.split('\n', 1)[0])).size).toBe(250);
  expect(issues.every((issue) => issue.state === 'open' && issue.labels.includes(LABEL))).toBe(true);
  expect(requestsTo('shared-policy', 'issues/create-label')).toHaveLength(1);
  expect(busiestMinute('shared-policy')).toBeLessThanOrEqual(80);
});

test('a drift-issue-budget that is not a whole number is refused before anything is sent', async () => {
  const { check } = checkedRepository('bad-budget');
  const run = await check(driftCheckAccounts(range(2), () => 'drift'), { 'drift-issue-budget': '1e3' });
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('::error::invalid inputs:%0A  - drift-issue-budget must be a whole number of at least 1 (got "1e3")');
  expect(requestsTo('bad-budget', 'issues/list-for-repo')).toEqual([]);
});

test('GitHub refusing one issue does not stop the others; a server error that retries do not cure stops the run', async () => {
  const { repository, check } = checkedRepository('refusals');
  const accounts = driftCheckAccounts(range(4), () => 'drift');
  github.injectFault({ operationId: 'issues/create', nth: 2, kind: 'body-too-long' });
  const first = await check(accounts);
  expect(first.code).toBe(0);
  expect(driftIssues(repository).map((issue) => issue.title)).toEqual([0, 2, 3].map((index) => `Drift in AWS account ${generatedAccount(index).name} (${generatedAccount(index).id})`));
  expect(first.summary).toContain(
    'Drift issues: 1 not opened in this run, because opening the drift issue of account-0002 (300000000001) failed: GitHub rejected the content (422: Validation Failed',
  );

  // Four answers of 502: the request and octokit's three retries.
  github.injectFault({ operationId: 'issues/create', times: 4, kind: 'server-error', status: 502 });
  const second = await check(accounts);
  expect(second.code).toBe(0);
  expect(requestsTo('refusals', 'issues/create').slice(-4).map((request) => request.status)).toEqual([502, 502, 502, 502]);
  expect(second.summary).toContain('Drift issues: 1 not opened in this run, because opening the drift issue of account-0002 (300000000001) failed: GitHub had a server error, and retries did not help (502');
  expect(second.stdout).toContain('Drift issues: 3 up to date, 1 left for the next run.');
});

test('GitHub’s minute limit on content creation: the action waits as long as GitHub says, then goes on', async () => {
  const { repository, check } = checkedRepository('minute-limit');
  github.limitContentCreation({ perMinute: 2 });
  const run = await check(driftCheckAccounts(range(5), () => 'drift'));
  expect(run.code).toBe(0);
  const waits = [...run.stdout.matchAll(/GitHub secondary rate limit on POST \S+\/issues: retrying in (\d+)s/g)].map((match) => Number(match[1]));
  expect(waits.length).toBeGreaterThan(0);
  expect(waits.every((seconds) => seconds >= 1 && seconds <= 60)).toBe(true);
  expect(run.summary).not.toContain('Drift issues:');
  expect(driftIssues(repository)).toHaveLength(5);
  expect(busiestMinute('minute-limit')).toBe(2);
});

test('GitHub’s primary rate limit: a near reset is waited for; a far one ends the run’s writes, said in the summary', async () => {
  const { repository, check } = checkedRepository('primary-limit');
  const drifting = driftCheckAccounts(range(30), () => 'drift');
  github.injectFault({ operationId: 'issues/create', nth: 5, kind: 'primary-rate-limit', resetInSeconds: 40 });
  const first = await check(drifting);
  // 41 s (the reset and a second) less what passed before octokit saw the answer.
  const wait = /GitHub rate limit on POST \S+\/issues: retrying in (\d+)s \(it resets at \d\d:\d\d:\d\d UTC\)/.exec(first.stdout);
  expect(Number(wait?.[1])).toBeLessThanOrEqual(41);
  expect(driftIssues(repository)).toHaveLength(30);
  expect(first.summary).not.toContain('Drift issues:');

  // The drift is gone everywhere: 30 issues to close, and the token's hour runs out after 12 of them.
  const resolved = driftCheckAccounts(range(30), () => 'none');
  github.injectFault({ operationId: 'issues/create-comment', nth: 13, kind: 'primary-rate-limit', resetInSeconds: 2400 });
  const secondStart = github.requests.length;
  const second = await check(resolved);
  expect(second.code).toBe(0);
  expect(second.stdout).toMatch(/GitHub rate limit on POST \S+\/comments: giving up \(it resets at \d\d:\d\d:\d\d UTC; the action waits 15 minutes at most\)/);
  expect(second.summary).toContain("Drift issues: 18 not closed in this run, because GitHub's API rate limit for this token is used up until");
  expect(second.summary).toContain('The next drift check takes them up: account-0013 (300000000012), account-0014');
  expect(driftIssues(repository).filter((issue) => issue.state === 'closed')).toHaveLength(12);
  // Nothing was sent after GitHub said the hour was used up, and the summary names the reset it gave.
  const sent = github.requests.slice(secondStart).filter((request) => request.params.repo === 'primary-limit');
  const refused = sent.findIndex((request) => request.status === 403);
  expect(sent.slice(refused + 1)).toEqual([]);
  const [, hours, minutes, seconds] = /used up until (\d\d):(\d\d):(\d\d) UTC/.exec(second.summary)!.map(Number);
  const expected = (Date.parse(sent[refused].at) / 1000 + 2400) % 86_400;
  // Within a few seconds: the server's clock moved on (a hundred times the wall clock's pace) while it answered.
  const apart = Math.abs(hours * 3600 + minutes * 60 + seconds - expected);
  expect(Math.min(apart, 86_400 - apart)).toBeLessThan(5);

  time.advance(HOUR);
  const third = await check(resolved);
  expect(third.stdout).toContain('Drift issues: 18 closed.');
  const issues = driftIssues(repository);
  expect(issues.every((issue) => issue.state === 'closed' && issue.stateReason === 'completed')).toBe(true);
  // One closing comment each: none repeated for the issues the first attempt closed.
  expect(issues.map((issue) => issue.comments.length)).toEqual(Array(30).fill(1));
  expect(issues[0].comments[0].body).toMatch(/found no drift: closing/);
});

test('accounts removed from the config and switches of drift-issue mode close issues, saying why; nothing untracked', async () => {
  const { repository, check } = checkedRepository('matrix-changes');
  const states = (drift: Record<number, DriftState>) => (index: number) => drift[index] ?? 'none';
  const configScope: DriftScope = { config: CONFIG };

  await check(driftCheckAccounts(range(6), states({ 0: 'drift', 1: 'drift', 2: 'drift' })));
  expect(driftIssues(repository).map((issue) => issue.title)).toEqual([0, 1, 2].map((index) => `Drift in AWS account ${generatedAccount(index).name} (${generatedAccount(index).id})`));

  // Accounts 2 (drifting) and 5 leave the config: the issue of account 2 is closed, as not planned, and says why.
  const removed = await check(driftCheckAccounts([0, 1, 3, 4], states({ 0: 'drift', 1: 'drift' })));
  expect(removed.stdout).toMatch(/Drift issue #\d+ closed \(account removed from the config\)/);
  const gone = issueOf(repository, accountScope(2))!;
  expect(gone).toMatchObject({ state: 'closed', stateReason: 'not_planned' });
  expect(gone.comments.at(-1)!.body).toMatch(/no longer finds account 300000000002 in the config: closing, as not planned\. The account is no longer checked/);
  expect(gone.comments.at(-1)!.body).not.toMatch(/no drift/);
  const remaining = [0, 1, 3, 4];

  // One issue for the config now: it is opened, and the per-account issues it covers are closed, saying where the
  // drift is tracked. Account 1 could not be checked; the open config issue covers it.
  const perConfig = await check(driftCheckAccounts(remaining, states({ 0: 'drift', 1: 'failed' })), { 'drift-issue': 'per-config' });
  expect(perConfig.code).toBe(1);
  const configIssue = issueOf(repository, configScope)!;
  expect(configIssue.state).toBe('open');
  for (const index of [0, 1]) {
    const issue = issueOf(repository, accountScope(index))!;
    expect(issue).toMatchObject({ state: 'closed', stateReason: 'not_planned' });
    expect(issue.comments.at(-1)!.body).toMatch(/runs with `drift-issue: per-config`: drift in any account of `accounts\.yml` is tracked in one issue for the whole config, open now/);
  }

  // Back to one issue per account, while account 1 still cannot be checked: its drift would be tracked nowhere, so
  // the config's issue stays open, and the summary says why.
  const back = await check(driftCheckAccounts(remaining, states({ 0: 'drift', 1: 'failed' })));
  expect(issueOf(repository, accountScope(0))).toMatchObject({ state: 'open', stateReason: 'reopened' });
  expect(issueOf(repository, configScope)!.state).toBe('open');
  expect(back.summary).toContain(
    'Drift issues: 1 not closed in this run, because an issue from before the switch of drift-issue mode stays open until the per-account issues cover its accounts',
  );

  // Every account checked: now the config's issue is closed, pointing at the per-account issues.
  const checked = await check(driftCheckAccounts(remaining, states({ 0: 'drift' })));
  expect(checked.summary).not.toContain('Drift issues:');
  const closedConfigIssue = issueOf(repository, configScope)!;
  expect(closedConfigIssue).toMatchObject({ state: 'closed', stateReason: 'not_planned' });
  expect(closedConfigIssue.comments.at(-1)!.body).toMatch(/runs with `drift-issue: per-account`: drift in each account of `accounts\.yml` is tracked in an issue of its own \(label `session-manager-role-drift`\); 1 is open now\./);
  expect(driftIssues(repository).filter((issue) => issue.state === 'open').map((issue) => issue.number)).toEqual([issueOf(repository, accountScope(0))!.number]);
});

test('5,000 accounts: the issues are listed once, page by page, and only those whose drift changed are written', async () => {
  const { repository, check } = checkedRepository('five-thousand');
  const accounts = driftCheckAccounts(range(5000), () => 'drift');
  // The issues as an earlier run left them, rendered for that run, with its link and time: up to date but for the
  // two accounts whose drift changed since, and one more for an account since removed from the config.
  const earlier = driftResult([], 'gh-earlier-1');
  const context = { runUrl: `https://github.test/${OWNER}/five-thousand/actions/runs/1`, checkedAt: 'Mon, 30 Nov 2026 06:17:00 GMT' };
  const before = [...driftCheckAccounts([0, 1], () => 'other-drift'), ...accounts.slice(2), ...driftCheckAccounts([5000], () => 'drift')];
  before.forEach((account, index) => {
    const scope = { config: CONFIG, accountId: account.id };
    const body = renderDriftIssue({ ...earlier, accounts: [account] }, scope, context);
    repository.addIssue({ number: index + 1, title: `Drift in AWS account ${account.name} (${account.id})`, body, labels: [LABEL] });
  });
  const start = github.requests.length;

  const run = await check(accounts);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('Drift issues: 2 updated, 1 closed, 4998 up to date.');
  const sent = github.requests.slice(start);
  const reads = sent.filter((request) => request.method === 'GET');
  expect(reads.map((request) => `${request.operationId} ${request.query.per_page}`)).toEqual(Array(51).fill('issues/list-for-repo 100'));
  expect(sent.filter((request) => request.method !== 'GET').map((request) => `${request.operationId} #${request.params.issue_number}`)).toEqual([
    'issues/update #1',
    'issues/update #2',
    'issues/create-comment #5001',
    'issues/update #5001',
  ]);
  expect(repository.issue(5001)).toMatchObject({ state: 'closed', stateReason: 'not_planned' });
});
