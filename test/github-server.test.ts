/**
 * The local GitHub REST API server: driven by the real octokit of @actions/github (in a child process, as the action's
 * bundle runs it) for behaviour, and by plain fetch for the protocol (errors, headers, pagination, faults).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { GitHubServer, RepositoryHandle } from './support/github-server';
import { loadGitHubApiDescription } from './support/github-server/openapi';

const WRITE = 'ghs_write-token';
const FORK = 'ghs_fork-pull-request-token';
const OWNER = 'acme';
const HEAD = 'a1'.repeat(20);
const MERGE = 'c3'.repeat(20);
const BOT = 'github-actions[bot]';

let server: GitHubServer;
let startupMs: number;
let clock = new Date('2026-03-01T10:00:00Z');
let repositories = 0;

/** Time moves only when a test says so, so that timestamps, `since` and sorting are exact. */
function advance(seconds: number): void {
  clock = new Date(clock.getTime() + seconds * 1000);
}

/** A fresh repository per test, holding pull request #1 from alice's fork. */
function repository(): { name: string; repo: RepositoryHandle } {
  repositories += 1;
  const name = `infra-${repositories}`;
  const repo = server.addRepository(OWNER, name, { defaultBranch: 'main' });
  repo.addPullRequest({ title: 'Add session role', user: 'alice', head: { sha: HEAD, ref: 'feature', fork: true }, base: { ref: 'main' } });
  return { name, repo };
}

beforeAll(async () => {
  const started = performance.now();
  server = await GitHubServer.start({ clock: () => clock });
  startupMs = performance.now() - started;
  server.addToken(WRITE, 'write');
  server.addToken(FORK, 'read');
});

afterAll(() => server.close());

afterEach(() => {
  server.clearFaults();
  // A test that provokes violations on purpose takes them; anything left is a mismatch with GitHub's description.
  expect(server.violations).toEqual([]);
});

/** The violations recorded so far, which the test then owns. */
function takeViolations(): GitHubServer['violations'] {
  const taken = [...server.violations];
  server.clearViolations();
  return taken;
}

interface OctokitCall {
  readonly method?: string;
  readonly paginate?: string;
  readonly params?: Record<string, unknown>;
  /** @default the write token */
  readonly token?: string;
}

interface OctokitResult {
  readonly ok: boolean;
  readonly status?: number;
  readonly message?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly data: any;
  readonly pages?: number;
  readonly headers?: Record<string, string>;
  /** Where the data was finally read from, after redirects. */
  readonly url?: string;
}

/** Runs calls with @actions/github's getOctokit in a child process (test/support/octokit-client.mjs). */
function octokit(calls: readonly OctokitCall[]): Promise<OctokitResult[]> {
  const child = spawn(process.execPath, [join(__dirname, 'support', 'octokit-client.mjs')], {
    env: { ...process.env, GITHUB_API_URL: server.url, GITHUB_TOKEN: WRITE },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(JSON.stringify(calls));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as OctokitResult[]) : reject(new Error(`octokit client exited with ${code}: ${stderr}`)))),
  );
}

interface FetchOptions {
  readonly token?: string | null;
  /** @default application/vnd.github+json */
  readonly accept?: string;
  readonly body?: unknown;
  /** Sent as it is, instead of `body` as JSON. */
  readonly rawBody?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function api(method: string, path: string, options: FetchOptions = {}): Promise<{ status: number; headers: Headers; body: any }> {
  const token = options.token === undefined ? WRITE : options.token;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { accept: options.accept ?? 'application/vnd.github+json', ...(token ? { authorization: `token ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

describe('the real octokit client', () => {
  test('creates, pages through, updates and deletes comments of a pull request', async () => {
    const { name, repo } = repository();
    const where = { owner: OWNER, repo: name, issue_number: 1 };
    const created = await octokit(['one', 'two', 'three'].map((body) => ({ method: 'rest.issues.createComment', params: { ...where, body } })));
    expect(created.map((result) => [result.status, result.data.body, result.data.user.login])).toEqual([
      [201, 'one', BOT],
      [201, 'two', BOT],
      [201, 'three', BOT],
    ]);
    const [first, second] = created.map((result) => result.data.id as number);
    expect(created[0].data.html_url).toBe(`https://github.test/${OWNER}/${name}/pull/1#issuecomment-${first}`);

    const [listed, updated, read, deleted, relisted] = await octokit([
      { paginate: 'rest.issues.listComments', params: { ...where, per_page: 2 } },
      { method: 'rest.issues.updateComment', params: { owner: OWNER, repo: name, comment_id: second, body: 'two, edited' } },
      { method: 'rest.issues.getComment', params: { owner: OWNER, repo: name, comment_id: second } },
      { method: 'rest.issues.deleteComment', params: { owner: OWNER, repo: name, comment_id: first } },
      { paginate: 'rest.issues.listComments', params: where },
    ]);
    expect(listed).toMatchObject({ ok: true, pages: 2 });
    expect(listed.data.map((comment: { body: string }) => comment.body)).toEqual(['one', 'two', 'three']);
    expect(updated).toMatchObject({ status: 200, data: { id: second, body: 'two, edited' } });
    expect(read.data.body).toBe('two, edited');
    expect(deleted.status).toBe(204);
    expect(relisted).toMatchObject({ pages: 1 });
    expect(repo.comments(1).map((comment) => [comment.author, comment.body])).toEqual([
      [BOT, 'two, edited'],
      [BOT, 'three'],
    ]);
  });

  test('opens a labelled issue, finds it by label, closes it as not planned and reopens it', async () => {
    const { name, repo } = repository();
    const where = { owner: OWNER, repo: name };
    const results = await octokit([
      { method: 'rest.issues.createLabel', params: { ...where, name: 'drift', color: 'd93f0b', description: 'Changed outside Terraform' } },
      { method: 'rest.issues.create', params: { ...where, title: 'Drift in AWS accounts', body: 'details', labels: ['drift', 'aws'] } },
      { paginate: 'rest.issues.listForRepo', params: { ...where, labels: 'DRIFT,aws', state: 'all' } },
      { method: 'rest.issues.update', params: { ...where, issue_number: 2, state: 'closed', state_reason: 'not_planned' } },
      { method: 'rest.issues.update', params: { ...where, issue_number: 2, state: 'open', body: 'new details' } },
      { method: 'rest.issues.addLabels', params: { ...where, issue_number: 2, labels: ['urgent'] } },
      { method: 'rest.issues.removeLabel', params: { ...where, issue_number: 2, name: 'aws' } },
      { method: 'rest.issues.getLabel', params: { ...where, name: 'AWS' } },
      { method: 'rest.issues.get', params: { ...where, issue_number: 2 } },
    ]);
    expect(results.every((result) => result.ok)).toBe(true);
    const [label, created, found, closed, reopened, withUrgent, withoutAws, missingLabel, final] = results;
    expect(label.data).toMatchObject({ name: 'drift', color: 'd93f0b', description: 'Changed outside Terraform', default: false });
    // Issues and pull requests share numbers: #1 is the pull request.
    expect(created).toMatchObject({ status: 201, data: { number: 2, state: 'open', labels: [{ name: 'drift', color: 'd93f0b' }, { name: 'aws', color: 'ededed' }] } });
    expect(created.headers?.location).toBe(`${server.url}/repos/${OWNER}/${name}/issues/2`);
    expect(found.data.map((issue: { number: number }) => issue.number)).toEqual([2]);
    expect(closed.data).toMatchObject({ state: 'closed', state_reason: 'not_planned', closed_by: { login: BOT } });
    expect(reopened.data).toMatchObject({ state: 'open', state_reason: 'reopened', closed_at: null, body: 'new details' });
    expect(withUrgent.data.map((entry: { name: string }) => entry.name)).toEqual(['drift', 'aws', 'urgent']);
    expect(withoutAws.data.map((entry: { name: string }) => entry.name)).toEqual(['drift', 'urgent']);
    expect(missingLabel.data.name).toBe('aws');
    expect(final.data.labels.map((entry: { name: string }) => entry.name)).toEqual(['drift', 'urgent']);
    expect(repo.issue(2)).toMatchObject({ isPullRequest: false, author: BOT, state: 'open', stateReason: 'reopened', labels: ['drift', 'urgent'] });
    expect(repo.labels().map((entry) => entry.name)).toEqual(['drift', 'aws', 'urgent']);
  });

  test('finds pull requests by head commit and merge commit, and reads a fork pull request', async () => {
    const { name, repo } = repository();
    repo.addPullRequest({ title: 'Merged change', user: 'bob', head: { sha: 'b2'.repeat(20), ref: 'change' }, base: { ref: 'main' }, merged: true, mergeCommitSha: MERGE });
    const where = { owner: OWNER, repo: name };
    const [byHead, byMerge, pull, open, merged] = await octokit([
      { method: 'rest.repos.listPullRequestsAssociatedWithCommit', params: { ...where, commit_sha: HEAD } },
      { method: 'rest.repos.listPullRequestsAssociatedWithCommit', params: { ...where, commit_sha: MERGE } },
      { method: 'rest.pulls.get', params: { ...where, pull_number: 1 } },
      { method: 'rest.pulls.list', params: { ...where, head: 'alice:feature' } },
      { method: 'rest.pulls.list', params: { ...where, state: 'closed', base: 'main' } },
    ]);
    expect(byHead.data.map((entry: { number: number }) => entry.number)).toEqual([1]);
    expect(byMerge.data).toMatchObject([{ number: 2, merge_commit_sha: MERGE, state: 'closed' }]);
    expect(pull.data).toMatchObject({
      number: 1,
      state: 'open',
      merged: false,
      head: { sha: HEAD, ref: 'feature', label: 'alice:feature', repo: { full_name: `alice/${name}`, fork: true } },
      base: { ref: 'main', repo: { full_name: `${OWNER}/${name}`, default_branch: 'main' } },
    });
    expect(open.data.map((entry: { number: number }) => entry.number)).toEqual([1]);
    expect(merged.data.map((entry: { number: number }) => entry.number)).toEqual([2]);
  });

  test("sees GitHub's errors: a fork's token, a body over the limit, a missing label, a secondary rate limit", async () => {
    const { name } = repository();
    server.injectFault({ operationId: 'issues/get', kind: 'secondary-rate-limit', retryAfterSeconds: 3 });
    const where = { owner: OWNER, repo: name, issue_number: 1 };
    const [forbidden, tooLong, missing, limited] = await octokit([
      { method: 'rest.issues.createComment', params: { ...where, body: 'from a fork' }, token: FORK },
      { method: 'rest.issues.createComment', params: { ...where, body: 'x'.repeat(65_537) } },
      { method: 'rest.issues.getLabel', params: { owner: OWNER, repo: name, name: 'absent' } },
      { method: 'rest.issues.get', params: where },
    ]);
    expect(forbidden).toMatchObject({ ok: false, status: 403, message: expect.stringMatching(/^Resource not accessible by integration/) });
    expect(forbidden.headers).toMatchObject({ 'x-accepted-github-permissions': 'issues=write; pull_requests=write' });
    expect(tooLong).toMatchObject({ ok: false, status: 422, message: expect.stringContaining('Body is too long (maximum is 65536 characters)') });
    expect(missing).toMatchObject({ ok: false, status: 404, message: 'Not Found - https://docs.github.com/rest/issues/labels#get-a-label' });
    // What @octokit/plugin-throttling keys on: the status, "secondary rate" in the message, and retry-after.
    expect(limited).toMatchObject({ ok: false, status: 403, headers: { 'retry-after': '3' } });
    expect(limited.message).toMatch(/\bsecondary rate\b/i);
  });
  test('finds a pull request\'s successful plan run by workflow file, head and event, and downloads its artifact through the redirect', async () => {
    const { name, repo } = repository();
    const record = '{"version": 1}\n';
    const planRun = repo.addWorkflowRun({ workflow: 'plan.yml', event: 'pull_request', headSha: HEAD, headBranch: 'feature', pullRequests: [1] });
    repo.addWorkflowRun({ workflow: 'plan.yml', event: 'pull_request', headSha: HEAD, conclusion: 'failure', pullRequests: [1] });
    repo.addWorkflowRun({ workflow: 'plan.yml', event: 'push', headSha: HEAD });
    repo.addWorkflowRun({ workflow: 'other.yml', event: 'pull_request', headSha: HEAD });
    const artifactId = repo.uploadArtifact(planRun, 'review', { 'review.json': record });
    repo.uploadArtifact(planRun, 'logs', { 'a.log': 'x' });
    const where = { owner: OWNER, repo: name };
    const [runs, artifacts, download, missingWorkflow] = await octokit([
      { method: 'rest.actions.listWorkflowRuns', params: { ...where, workflow_id: 'plan.yml', head_sha: HEAD, event: 'pull_request', status: 'success' } },
      { method: 'rest.actions.listWorkflowRunArtifacts', params: { ...where, run_id: planRun, name: 'review' } },
      { method: 'rest.actions.downloadArtifact', params: { ...where, artifact_id: artifactId, archive_format: 'zip' } },
      { method: 'rest.actions.listWorkflowRuns', params: { ...where, workflow_id: 'nope.yml' } },
    ]);
    expect(runs.data.total_count).toBe(1);
    expect(runs.data.workflow_runs[0]).toMatchObject({ id: planRun, path: '.github/workflows/plan.yml', head_sha: HEAD, event: 'pull_request', conclusion: 'success', pull_requests: [{ number: 1 }] });
    expect(artifacts.data).toMatchObject({ total_count: 1, artifacts: [{ id: artifactId, name: 'review', expired: false, workflow_run: { id: planRun, head_sha: HEAD } }] });
    // octokit followed the 302 to the blob: the bytes are the zip the run uploaded, with the digest the API gave.
    const zip = Buffer.from(download.data.base64, 'base64');
    expect(download.url).toContain('/_artifact-blobs/');
    expect(`sha256:${createHash('sha256').update(zip).digest('hex')}`).toBe(artifacts.data.artifacts[0].digest);
    expect(strFromU8(unzipSync(zip)['review.json'])).toBe(record);
    expect(missingWorkflow).toMatchObject({ ok: false, status: 404 });
  });

  test('an expired artifact is 410 Gone, a deleted one 404, and a download link dies after a minute', async () => {
    const { name, repo } = repository();
    const run = repo.addWorkflowRun({ workflow: 'plan.yml', event: 'pull_request', headSha: HEAD });
    const [expiring, deleting, keeping] = ['a', 'b', 'c'].map((artifact) => repo.uploadArtifact(run, artifact, { 'f.txt': artifact }));
    repo.expireArtifact(expiring);
    const where = { owner: OWNER, repo: name };
    const [expired, listed, deleted, afterDelete] = await octokit([
      { method: 'rest.actions.downloadArtifact', params: { ...where, artifact_id: expiring, archive_format: 'zip' } },
      { method: 'rest.actions.listWorkflowRunArtifacts', params: { ...where, run_id: run } },
      { method: 'rest.actions.deleteArtifact', params: { ...where, artifact_id: deleting } },
      { method: 'rest.actions.getArtifact', params: { ...where, artifact_id: deleting } },
    ]);
    expect(expired).toMatchObject({ ok: false, status: 410, message: expect.stringContaining('Artifact has expired') });
    expect(listed.data.artifacts.map((artifact: { name: string; expired: boolean }) => [artifact.name, artifact.expired])).toEqual([
      ['c', false],
      ['b', false],
      ['a', true],
    ]);
    expect(deleted.status).toBe(204);
    expect(afterDelete).toMatchObject({ ok: false, status: 404 });

    const redirect = await fetch(`${server.url}/repos/${OWNER}/${name}/actions/artifacts/${keeping}/zip`, { headers: { authorization: `token ${WRITE}`, 'user-agent': 'test' }, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const link = redirect.headers.get('location')!;
    expect((await fetch(link)).status).toBe(200);
    advance(61);
    expect((await fetch(link)).status).toBe(403);
  });
});

describe('protocol', () => {
  test('a body that does not match the schema is a 422 like GitHub’s, and a violation', async () => {
    const { name } = repository();
    const answer = await api('POST', `/repos/${OWNER}/${name}/issues/1/comments`, { body: { body: 1 } });
    expect(answer).toMatchObject({
      status: 422,
      body: { message: "Invalid request.\n\nFor 'properties/body', 1 is not a string.", documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment', status: '422' },
    });
    const missing = await api('POST', `/repos/${OWNER}/${name}/issues`, { body: { body: 'no title', state: 'open' } });
    expect(missing.body.message).toBe('Invalid request.\n\n"title" wasn\'t supplied.');
    expect(takeViolations()).toMatchObject([
      { kind: 'invalid-request', operationId: 'issues/create-comment', status: 422, problems: ["For 'properties/body', 1 is not a string."] },
      { kind: 'invalid-request', operationId: 'issues/create', status: 422 },
    ]);
  });

  test('malformed JSON is a 400 "Problems parsing JSON"; a wrong path parameter or query a 404 or 422', async () => {
    const { name } = repository();
    const malformed = await api('POST', `/repos/${OWNER}/${name}/issues/1/comments`, { rawBody: '{"body": ' });
    expect(malformed).toMatchObject({ status: 400, body: { message: 'Problems parsing JSON' } });
    expect((await api('GET', `/repos/${OWNER}/${name}/issues/one`)).status).toBe(404);
    const query = await api('GET', `/repos/${OWNER}/${name}/issues?state=opened&per_pge=5`);
    expect(query.status).toBe(422);
    expect(query.body.message).toContain('"per_pge" is not a permitted key.');
    expect(query.body.message).toContain(`For 'query/state', "opened" is not one of "open", "closed", "all".`);
    expect(takeViolations().map((violation) => [violation.kind, violation.status])).toEqual([
      ['invalid-request', 400],
      ['invalid-request', 404],
      ['invalid-request', 422],
    ]);
  });

  test('an unknown route is a 404, and a real operation the server lacks a 501; both are violations', async () => {
    expect(await api('GET', '/repos/acme/infra/issue/1')).toMatchObject({ status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } });
    expect(await api('PUT', '/repos/acme/infra/issues/1/comments')).toMatchObject({ status: 404 });
    const { name } = repository();
    expect(await api('GET', `/repos/${OWNER}/${name}/branches`)).toMatchObject({ status: 501, body: { message: expect.stringContaining('repos/list-branches') } });
    expect(await api('GET', `/repos/${OWNER}/${name}/issues?milestone=none`)).toMatchObject({ status: 501 });
    expect(await api('GET', `/repos/${OWNER}/${name}/pulls/1`, { accept: 'application/vnd.github.diff' })).toMatchObject({ status: 501 });
    expect(takeViolations().map((violation) => [violation.kind, violation.problems])).toEqual([
      ['unknown-route', ['no operation for GET /repos/acme/infra/issue/1']],
      ['unknown-route', ['no operation for PUT /repos/acme/infra/issues/1/comments']],
      ['unsupported', ['repos/list-branches is not implemented']],
      ['unsupported', ['Not implemented by the local GitHub server: the milestone filter']],
      ['unsupported', ['media type application/vnd.github.diff']],
    ]);
  });

  test('authentication: 401 without a token or with an unknown one; 403 for writes with a read token', async () => {
    const { name } = repository();
    expect(await api('GET', `/repos/${OWNER}/${name}/issues`, { token: null })).toMatchObject({ status: 401, body: { message: 'Requires authentication' } });
    expect(await api('GET', `/repos/${OWNER}/${name}/issues`, { token: 'ghs_unknown' })).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
    expect((await api('GET', `/repos/${OWNER}/${name}/issues`, { token: FORK })).status).toBe(200);
    expect((await fetch(`${server.url}/repos/${OWNER}/${name}/issues`, { headers: { authorization: `Bearer ${WRITE}` } })).status).toBe(200);
    const write = await api('POST', `/repos/${OWNER}/${name}/issues`, { token: FORK, body: { title: 'from a fork' } });
    expect(write).toMatchObject({
      status: 403,
      body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue', status: '403' },
    });
    expect(write.headers.get('x-accepted-github-permissions')).toBe('issues=write');
    expect((await api('GET', `/repos/${OWNER}/missing/issues`)).status).toBe(404);
  });

  test('a request without User-Agent is refused as GitHub does, and is a violation', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${server.url}/repos/acme/infra/issues`, { headers: { authorization: `token ${WRITE}` } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(403);
    expect(takeViolations()).toMatchObject([{ kind: 'missing-user-agent' }]);
  });

  test('responses carry GitHub’s headers: request id, rate limit, content type, etag, location', async () => {
    const { name } = repository();
    const first = await api('GET', `/repos/${OWNER}/${name}/issues/1`);
    const second = await api('GET', `/repos/${OWNER}/${name}/issues/1`);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(first.headers.get('x-github-request-id')).toMatch(/^[0-9A-F]{4}:[0-9A-F]{4}:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]+$/);
    expect(first.headers.get('etag')).toMatch(/^W\/"[0-9a-f]{64}"$/);
    expect(first.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(Number(first.headers.get('x-ratelimit-remaining')) - 1);
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    const created = await api('POST', `/repos/${OWNER}/${name}/issues/1/comments`, { body: { body: 'hello' } });
    expect(created.headers.get('location')).toBe(created.body.url);
    expect(created.headers.get('etag')).toBeNull();
  });

  test('bodies over 65,536 characters and titles over 256 are refused with GitHub’s 422; limits count characters', async () => {
    const { name, repo } = repository();
    const comment = await api('POST', `/repos/${OWNER}/${name}/issues/1/comments`, { body: { body: 'x'.repeat(65_537) } });
    expect(comment).toMatchObject({
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ resource: 'IssueComment', code: 'unprocessable', field: 'data', message: 'Body is too long (maximum is 65536 characters)' }],
        documentation_url: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
      },
    });
    const issue = await api('POST', `/repos/${OWNER}/${name}/issues`, { body: { title: 'Long', body: 'x'.repeat(65_537) } });
    expect(issue.body.errors).toEqual([{ resource: 'Issue', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }]);
    const title = await api('POST', `/repos/${OWNER}/${name}/issues`, { body: { title: 't'.repeat(257) } });
    expect(title.body.errors).toEqual([{ resource: 'Issue', code: 'custom', field: 'title', message: 'title is too long (maximum is 256 characters)' }]);
    // 65,536 emoji are 131,072 UTF-16 units but 65,536 characters: accepted.
    expect((await api('POST', `/repos/${OWNER}/${name}/issues/1/comments`, { body: { body: '🚀'.repeat(65_536) } })).status).toBe(201);
    expect(repo.comments(1)).toHaveLength(1);
  });

  test('a page holds 30 items unless per_page says otherwise, and never more than 100', async () => {
    const { name, repo } = repository();
    for (let index = 0; index < 101; index += 1) repo.addComment(1, `comment ${index}`);
    const path = `/repos/${OWNER}/${name}/issues/1/comments`;
    const byDefault = await api('GET', path);
    expect(byDefault.body).toHaveLength(30);
    expect(byDefault.headers.get('link')).toContain(`<${server.url}${path}?page=4>; rel="last"`);
    const capped = await api('GET', `${path}?per_page=500`);
    expect(capped.body).toHaveLength(100);
    expect(capped.headers.get('link')).toContain('page=2>; rel="last"');
  });

  test('Link headers name the next, last, previous and first pages; comments filter by since', async () => {
    const { name, repo } = repository();
    const ids = Array.from({ length: 5 }, (_, index) => {
      advance(60);
      return repo.addComment(1, `comment ${index}`);
    });
    const path = `/repos/${OWNER}/${name}/issues/1/comments`;
    const first = await api('GET', `${path}?per_page=2`);
    expect(first.body.map((comment: { id: number }) => comment.id)).toEqual(ids.slice(0, 2));
    expect(first.headers.get('link')).toBe(`<${server.url}${path}?per_page=2&page=2>; rel="next", <${server.url}${path}?per_page=2&page=3>; rel="last"`);
    const last = await api('GET', `${path}?per_page=2&page=3`);
    expect(last.body.map((comment: { id: number }) => comment.id)).toEqual(ids.slice(4));
    expect(last.headers.get('link')).toBe(`<${server.url}${path}?per_page=2&page=2>; rel="prev", <${server.url}${path}?per_page=2&page=1>; rel="first"`);
    const all = await api('GET', path);
    expect(all.body).toHaveLength(5);
    expect(all.headers.get('link')).toBeNull();
    const since = await api('GET', `${path}?since=${encodeURIComponent(repo.comments(1)[3].updatedAt)}`);
    expect(since.body.map((comment: { id: number }) => comment.id)).toEqual(ids.slice(3));
  });

  test('issues list filters by state, labels (all of them), creator and sorts by direction', async () => {
    const { name, repo } = repository();
    advance(60);
    repo.addIssue({ title: 'old drift', labels: ['drift', 'aws'], state: 'closed' });
    advance(60);
    repo.addIssue({ title: 'new drift', labels: ['drift'] });
    advance(60);
    repo.addIssue({ title: "alice's", labels: ['drift', 'aws'], user: 'alice' });
    const titles = async (query: string) => (await api('GET', `/repos/${OWNER}/${name}/issues?${query}`)).body.map((issue: { title: string }) => issue.title);
    expect(await titles('labels=drift')).toEqual(["alice's", 'new drift']);
    expect(await titles('labels=drift,aws&state=all&direction=asc')).toEqual(['old drift', "alice's"]);
    expect(await titles('creator=alice&state=all')).toEqual(["alice's", 'Add session role']);
    expect(await titles('state=closed')).toEqual(['old drift']);
  });

  test('labels: case-insensitive names, GitHub’s 422s for duplicates and bad colours, unknown assignees refused', async () => {
    const { name } = repository();
    expect((await api('POST', `/repos/${OWNER}/${name}/labels`, { body: { name: 'Drift', color: '00ff00' } })).status).toBe(201);
    expect((await api('GET', `/repos/${OWNER}/${name}/labels/drift`)).body.name).toBe('Drift');
    expect((await api('POST', `/repos/${OWNER}/${name}/labels`, { body: { name: 'DRIFT' } })).body.errors).toEqual([{ resource: 'Label', code: 'already_exists', field: 'name' }]);
    expect((await api('POST', `/repos/${OWNER}/${name}/labels`, { body: { name: 'other', color: '#00ff00' } })).body.errors).toEqual([{ resource: 'Label', code: 'invalid', field: 'color', value: '#00ff00' }]);
    const assigned = await api('POST', `/repos/${OWNER}/${name}/issues`, { body: { title: 'x', assignees: ['nobody-here'] } });
    expect(assigned).toMatchObject({ status: 422, body: { errors: [{ resource: 'Issue', code: 'invalid', field: 'assignees', value: 'nobody-here' }] } });
  });
});

describe('fault injection', () => {
  test.each([500, 502, 503] as const)('server error %i, with a message-only body', async (status) => {
    const { name } = repository();
    server.injectFault({ operationId: 'issues/list-comments', kind: 'server-error', status });
    const answer = await api('GET', `/repos/${OWNER}/${name}/issues/1/comments`);
    expect(answer).toMatchObject({ status, body: { message: status === 503 ? 'Service Unavailable' : 'Server Error' } });
  });

  test.each([403, 429] as const)('secondary rate limit (%i): retry-after and the message octokit recognises', async (status) => {
    const { name } = repository();
    server.injectFault({ kind: 'secondary-rate-limit', status, retryAfterSeconds: 7 });
    const answer = await api('POST', `/repos/${OWNER}/${name}/issues/1/comments`, { body: { body: 'hi' } });
    expect(answer.status).toBe(status);
    expect(answer.headers.get('retry-after')).toBe('7');
    expect(answer.headers.get('x-ratelimit-remaining')).not.toBe('0');
    expect(answer.body.message).toBe(
      `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${answer.headers.get('x-github-request-id')}.`,
    );
  });

  test.each([403, 429] as const)('primary rate limit (%i): x-ratelimit-remaining 0 and the reset time', async (status) => {
    const { name } = repository();
    server.injectFault({ kind: 'primary-rate-limit', status, resetInSeconds: 30 });
    const answer = await api('GET', `/repos/${OWNER}/${name}/issues`);
    expect(answer).toMatchObject({ status, body: { message: expect.stringMatching(/^API rate limit exceeded/) } });
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(answer.headers.get('x-ratelimit-reset')) - Date.now() / 1000).toBeGreaterThan(25);
  });

  test('body too long and integration forbidden, on demand', async () => {
    const { name } = repository();
    server.injectFault({ operationId: 'issues/update', kind: 'body-too-long' });
    server.injectFault({ operationId: 'issues/create-comment', kind: 'integration-forbidden' });
    expect((await api('PATCH', `/repos/${OWNER}/${name}/issues/1`, { body: { body: 'short' } })).body.errors).toMatchObject([{ resource: 'Issue', field: 'body' }]);
    const forbidden = await api('POST', `/repos/${OWNER}/${name}/issues/1/comments`, { body: { body: 'hi' } });
    expect(forbidden).toMatchObject({ status: 403, body: { message: 'Resource not accessible by integration' } });
  });

  test('only the Nth matching call, or the next N calls, fail; the log records each', async () => {
    const { name } = repository();
    const path = `/repos/${OWNER}/${name}/issues/1`;
    server.injectFault({ operationId: 'issues/get', kind: 'server-error', status: 502, nth: 2 });
    expect([(await api('GET', path)).status, (await api('GET', path)).status, (await api('GET', path)).status]).toEqual([200, 502, 200]);
    server.clearFaults();
    server.injectFault({ operationId: 'issues/get', kind: 'server-error', status: 500, times: 2 });
    expect([(await api('GET', path)).status, (await api('GET', path)).status, (await api('GET', path)).status]).toEqual([500, 500, 200]);
    expect(server.requests.slice(-3)).toMatchObject([
      { operationId: 'issues/get', method: 'GET', path, params: { owner: OWNER, repo: name, issue_number: '1' }, status: 500 },
      { status: 500 },
      { status: 200 },
    ]);
  });
});

describe('the description', () => {
  test('response validation finds bodies that do not match, undeclared fields and undeclared statuses', async () => {
    const description = await loadGitHubApiDescription();
    expect(description.checkResponse('issues/get-comment', 200, { id: 'one' })).toEqual(expect.arrayContaining([expect.stringContaining('must have required property')]));
    const { name } = repository();
    const valid = (await api('GET', `/repos/${OWNER}/${name}/issues/1`)).body;
    expect(description.checkResponse('issues/get', 200, valid)).toEqual([]);
    expect(description.checkResponse('issues/get', 200, { ...valid, invented: true })).toEqual(['/invented is not in the response schema']);
    expect(description.checkResponse('issues/get', 201, valid)).toEqual(['status 201 is not a response of issues/get']);
    expect(description.checkResponse('issues/delete-comment', 204, { unexpected: true })).toEqual(['status 204 of issues/delete-comment has no body']);
  });

  test('is loaded once per process: the first server took the load, a second starts at once and closes cleanly', async () => {
    const started = performance.now();
    const second = await GitHubServer.start();
    const secondMs = performance.now() - started;
    // Printed for the record; only the ratio is asserted, the machine's speed varies.
    console.log(`GitHub server start-up: first ${startupMs.toFixed(0)} ms (loads the description), second ${secondMs.toFixed(1)} ms`);
    expect(secondMs).toBeLessThan(startupMs / 5);
    second.addToken('t', 'write');
    second.addRepository('o', 'r');
    // A keep-alive connection left open must not hold close() up.
    await fetch(`${second.url}/repos/o/r/issues`, { headers: { authorization: 'token t' } });
    await second.close();
  });
});
