import { randomBytes } from 'node:crypto';
import { artifactJson, commentJson, issueJson, labelJson, pullRequestJson, Urls, workflowRunJson } from './objects';
import { paginate } from './pagination';
import { apiError, checkBodyLength, notFound, Reply, unsupported, validationFailed } from './responses';
import { Artifact, Comment, GitHubState, Issue, Label, PullRequestIssue, Repository, StateReason, User, WorkflowRun } from './state';

/** One valid call of an operation on a repository, after authentication, authorisation and fault injection. */
export interface OperationCall {
  readonly state: GitHubState;
  readonly urls: Urls;
  readonly repository: Repository;
  readonly caller: User;
  /** Path parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** The JSON body, already checked against the operation's request schema. */
  readonly body: unknown;
  readonly documentationUrl: string;
  /** The URL as requested, for pagination links. */
  readonly requestUrl: URL;
}

export interface OperationDefinition {
  /** What GitHub sends in `x-accepted-github-permissions`: alternative permission sets, separated by `;`. */
  readonly permissions: string;
  readonly handle: (call: OperationCall) => Reply;
}

type LabelInput = string | { readonly name?: string };

interface IssueInput {
  readonly title?: string | number | null;
  readonly body?: string | null;
  readonly state?: 'open' | 'closed';
  readonly state_reason?: StateReason | null;
  readonly labels?: readonly LabelInput[];
  readonly assignees?: readonly string[];
  readonly assignee?: string | null;
  readonly milestone?: string | number | null;
  readonly type?: string | null;
  readonly issue_field_values?: readonly unknown[];
}

/** GitHub's colour for labels that come into being by being named on an issue (reported in github/docs#35718). */
export const DEFAULT_LABEL_COLOR = 'ededed';
const MAX_TITLE_LENGTH = 256;
const MAX_LABEL_NAME_LENGTH = 50;
const MAX_LABEL_DESCRIPTION_LENGTH = 100;

/** Comments and labels belong to issues and pull requests alike, so either permission will do. */
const ISSUES_OR_PULLS_READ = 'issues=read; pull_requests=read';
const ISSUES_OR_PULLS_WRITE = 'issues=write; pull_requests=write';

/** The operations this server implements, by operationId; every other operation of the description is a 501. */
export const OPERATIONS: Readonly<Record<string, OperationDefinition>> = {
  'issues/list-comments': {
    permissions: ISSUES_OR_PULLS_READ,
    handle: (call) => {
      const since = call.query.since === undefined ? undefined : Date.parse(call.query.since);
      const comments = issue(call).comments.filter((comment) => since === undefined || Date.parse(comment.updatedAt) >= since);
      return list(call, comments, (comment) => commentJson(call.urls, call.repository, comment));
    },
  },
  'issues/create-comment': {
    permissions: ISSUES_OR_PULLS_WRITE,
    handle: (call) => {
      const target = issue(call);
      const body = commentBody(call);
      const now = call.state.now();
      const comment: Comment = { id: call.state.ids.take('comment'), issueNumber: target.number, user: call.caller, createdAt: now, updatedAt: now, body };
      target.comments.push(comment);
      target.updatedAt = now;
      call.repository.comments.set(comment.id, comment);
      return created(commentJson(call.urls, call.repository, comment));
    },
  },
  'issues/get-comment': {
    permissions: ISSUES_OR_PULLS_READ,
    handle: (call) => ({ status: 200, body: commentJson(call.urls, call.repository, comment(call)) }),
  },
  'issues/update-comment': {
    permissions: ISSUES_OR_PULLS_WRITE,
    handle: (call) => {
      const target = comment(call);
      target.body = commentBody(call);
      target.updatedAt = call.state.now();
      return { status: 200, body: commentJson(call.urls, call.repository, target) };
    },
  },
  'issues/delete-comment': {
    permissions: ISSUES_OR_PULLS_WRITE,
    handle: (call) => {
      const target = comment(call);
      const owner = call.repository.issues.get(target.issueNumber) as Issue;
      owner.comments = owner.comments.filter((candidate) => candidate !== target);
      call.repository.comments.delete(target.id);
      return { status: 204 };
    },
  },
  'issues/list-for-repo': {
    permissions: 'issues=read',
    handle: (call) => list(call, filteredIssues(call), (found) => issueJson(call.urls, call.repository, found)),
  },
  'issues/create': {
    permissions: 'issues=write',
    handle: (call) => {
      const input = call.body as IssueInput;
      refuseUnsupported(call, input);
      checkBodyLength(input.body, 'Issue', call.documentationUrl);
      const now = call.state.now();
      const newIssue: Issue = {
        id: call.state.ids.take('issue'),
        number: call.repository.nextNumber(),
        user: call.caller,
        createdAt: now,
        title: issueTitle(call, input.title),
        body: input.body ?? null,
        state: 'open',
        stateReason: null,
        labels: labelsNamed(call, input.labels ?? []),
        assignees: assigneesNamed(call, input),
        comments: [],
        updatedAt: now,
        closedAt: null,
        closedBy: null,
      };
      call.repository.issues.set(newIssue.number, newIssue);
      return created(issueJson(call.urls, call.repository, newIssue));
    },
  },
  'issues/get': {
    permissions: 'issues=read',
    handle: (call) => ({ status: 200, body: issueJson(call.urls, call.repository, issue(call)) }),
  },
  'issues/update': {
    permissions: 'issues=write',
    handle: (call) => {
      const target = issue(call);
      const input = call.body as IssueInput;
      refuseUnsupported(call, input);
      if (input.title !== undefined && input.title !== null) target.title = issueTitle(call, input.title);
      if (input.body !== undefined) {
        checkBodyLength(input.body, 'Issue', call.documentationUrl);
        target.body = input.body;
      }
      if (input.labels) target.labels = labelsNamed(call, input.labels);
      if (input.assignees || input.assignee !== undefined) target.assignees = assigneesNamed(call, input);
      if (input.state && input.state !== target.state) changeState(call, target, input.state, input.state_reason ?? null);
      target.updatedAt = call.state.now();
      return { status: 200, body: issueJson(call.urls, call.repository, target) };
    },
  },
  'issues/list-labels-for-repo': {
    permissions: ISSUES_OR_PULLS_READ,
    handle: (call) => list(call, [...call.repository.labels.values()], (label) => labelJson(call.urls, call.repository, label)),
  },
  'issues/get-label': {
    permissions: ISSUES_OR_PULLS_READ,
    handle: (call) => {
      const label = call.repository.label(call.params.name);
      if (!label) throw notFound(call.documentationUrl);
      return { status: 200, body: labelJson(call.urls, call.repository, label) };
    },
  },
  'issues/create-label': {
    permissions: ISSUES_OR_PULLS_WRITE,
    handle: (call) => {
      const input = call.body as { name: string; color?: string; description?: string };
      if (call.repository.label(input.name)) throw validationFailed(call.documentationUrl, { resource: 'Label', code: 'already_exists', field: 'name' });
      const label = createLabel(call, input.name, input.color ?? DEFAULT_LABEL_COLOR, input.description ?? null);
      return created(labelJson(call.urls, call.repository, label));
    },
  },
  'issues/list-labels-on-issue': {
    permissions: ISSUES_OR_PULLS_READ,
    handle: (call) => list(call, issue(call).labels, (label) => labelJson(call.urls, call.repository, label)),
  },
  'issues/add-labels': {
    permissions: ISSUES_OR_PULLS_WRITE,
    handle: (call) => {
      const target = issue(call);
      const added = labelsNamed(call, (call.body as { labels?: readonly LabelInput[] } | undefined)?.labels ?? []);
      target.labels = [...target.labels, ...added.filter((label) => !target.labels.includes(label))];
      target.updatedAt = call.state.now();
      return { status: 200, body: target.labels.map((label) => labelJson(call.urls, call.repository, label)) };
    },
  },
  'issues/remove-label': {
    permissions: ISSUES_OR_PULLS_WRITE,
    handle: (call) => {
      const target = issue(call);
      const label = call.repository.label(call.params.name);
      if (!label || !target.labels.includes(label)) throw apiError(404, 'Label does not exist', call.documentationUrl);
      target.labels = target.labels.filter((candidate) => candidate !== label);
      target.updatedAt = call.state.now();
      return { status: 200, body: target.labels.map((remaining) => labelJson(call.urls, call.repository, remaining)) };
    },
  },
  'pulls/get': {
    permissions: 'pull_requests=read',
    handle: (call) => {
      const pull = call.repository.pullRequest(Number(call.params.pull_number), call.documentationUrl);
      return { status: 200, body: pullRequestJson(call.urls, call.repository, pull, true) };
    },
  },
  'pulls/list': {
    permissions: 'pull_requests=read',
    handle: (call) => list(call, filteredPullRequests(call), (pull) => pullRequestJson(call.urls, call.repository, pull, false)),
  },
  'actions/list-workflow-runs': {
    permissions: 'actions=read',
    handle: (call) => {
      const known = [...call.repository.workflows.values()].some((workflow) => String(workflow.id) === call.params.workflow_id || workflow.path.endsWith(`/${call.params.workflow_id}`));
      if (!known) throw notFound(call.documentationUrl);
      return countedList(call, 'workflow_runs', filteredRuns(call, call.params.workflow_id), (run) => workflowRunJson(call.urls, call.repository, run));
    },
  },
  'actions/list-workflow-runs-for-repo': {
    permissions: 'actions=read',
    handle: (call) => countedList(call, 'workflow_runs', filteredRuns(call), (run) => workflowRunJson(call.urls, call.repository, run)),
  },
  'actions/get-workflow-run': {
    permissions: 'actions=read',
    handle: (call) => ({ status: 200, body: workflowRunJson(call.urls, call.repository, workflowRun(call)) }),
  },
  'actions/list-workflow-run-artifacts': {
    permissions: 'actions=read',
    handle: (call) => {
      const run = workflowRun(call);
      const artifacts = [...call.repository.artifacts.values()].filter((candidate) => candidate.runId === run.id && (call.query.name === undefined || candidate.name === call.query.name));
      const sign = call.query.direction === 'asc' ? 1 : -1;
      const ordered = artifacts.sort((a, b) => sign * (a.createdAt.localeCompare(b.createdAt) || a.id - b.id));
      const now = call.state.now();
      return countedList(call, 'artifacts', ordered, (found) => artifactJson(call.urls, call.repository, found, now));
    },
  },
  'actions/get-artifact': {
    permissions: 'actions=read',
    handle: (call) => ({ status: 200, body: artifactJson(call.urls, call.repository, artifact(call), call.state.now()) }),
  },
  'actions/download-artifact': {
    permissions: 'actions=read',
    handle: (call) => {
      const found = artifact(call);
      if (call.params.archive_format !== 'zip') throw notFound(call.documentationUrl);
      if (found.expiresAt <= call.state.now()) throw apiError(410, 'Artifact has expired', call.documentationUrl);
      const token = randomBytes(16).toString('hex');
      call.state.blobLinks.set(token, { zip: found.zip, expires: call.state.clock().getTime() + BLOB_LINK_SECONDS * 1000 });
      return { status: 302, headers: { location: `${call.urls.api}${ARTIFACT_BLOB_PATH}${token}` } };
    },
  },
  'actions/delete-artifact': {
    permissions: 'actions=write',
    handle: (call) => {
      call.repository.artifacts.delete(artifact(call).id);
      return { status: 204 };
    },
  },
  'repos/list-pull-requests-associated-with-commit': {
    permissions: 'contents=read',
    handle: (call) => {
      const sha = call.params.commit_sha;
      if (!call.repository.commits.has(sha)) throw apiError(422, `No commit found for SHA: ${sha}`, call.documentationUrl);
      const pulls = call.repository.pullRequests().filter(({ pullRequest: pull }) => pull.head.sha === sha || pull.mergeCommitSha === sha || pull.commits.includes(sha));
      return list(call, pulls, (pull) => pullRequestJson(call.urls, call.repository, pull, false));
    },
  },
};

/** Where an artifact's zip is served once the API has redirected there, as GitHub redirects to blob storage. */
export const ARTIFACT_BLOB_PATH = '/_artifact-blobs/';
/** How long a redirect to an artifact's zip stays valid; GitHub's signed URLs last about a minute. */
const BLOB_LINK_SECONDS = 60;

const WORKFLOW_RUN_STATUSES = new Set(['completed', 'in_progress', 'queued', 'requested', 'waiting', 'pending']);

/** Runs of the repository (or of one workflow, by id or file name) that pass the filters, newest first. */
function filteredRuns(call: OperationCall, workflowFilter?: string): WorkflowRun[] {
  const { query } = call;
  for (const filter of ['created', 'check_suite_id', 'exclude_pull_requests']) {
    if (query[filter] !== undefined) throw unsupported(`the ${filter} filter of workflow runs`, call.documentationUrl);
  }
  const runs = [...call.repository.workflowRuns.values()].filter(
    (run) =>
      (workflowFilter === undefined || String(run.workflow.id) === workflowFilter || run.workflow.path.split('/').pop() === workflowFilter) &&
      (query.head_sha === undefined || run.headSha === query.head_sha) &&
      (query.event === undefined || run.event === query.event) &&
      (query.branch === undefined || run.headBranch === query.branch) &&
      (query.actor === undefined || run.actor.login.toLowerCase() === query.actor.toLowerCase()) &&
      (query.status === undefined || (WORKFLOW_RUN_STATUSES.has(query.status) ? run.status === query.status : run.conclusion === query.status)),
  );
  return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
}

/** A list under a key with its total, as the Actions API pages runs and artifacts. */
function countedList<T>(call: OperationCall, key: string, items: readonly T[], toJson: (item: T) => unknown): Reply {
  const page = paginate(items, call.query, call.requestUrl);
  return { status: 200, body: { total_count: items.length, [key]: page.items.map(toJson) }, headers: page.link ? { link: page.link } : {} };
}

function workflowRun(call: OperationCall): WorkflowRun {
  const run = call.repository.workflowRuns.get(Number(call.params.run_id));
  if (!run) throw notFound(call.documentationUrl);
  return run;
}

function artifact(call: OperationCall): Artifact {
  const found = call.repository.artifacts.get(Number(call.params.artifact_id));
  if (!found) throw notFound(call.documentationUrl);
  return found;
}

function list<T>(call: OperationCall, items: readonly T[], toJson: (item: T) => unknown): Reply {
  const page = paginate(items, call.query, call.requestUrl);
  return { status: 200, body: page.items.map(toJson), headers: page.link ? { link: page.link } : {} };
}

/** 201 with the new object and, as GitHub sends, its API URL in `Location`. */
function created(body: Record<string, unknown>): Reply {
  return { status: 201, body, headers: { location: String(body.url) } };
}

function issue(call: OperationCall): Issue {
  return call.repository.issue(Number(call.params.issue_number), call.documentationUrl);
}

function comment(call: OperationCall): Comment {
  return call.repository.comment(Number(call.params.comment_id), call.documentationUrl);
}

/** The body of a new or edited comment. GitHub refuses empty ones; that error is assumed shaped like the too-long one. */
function commentBody(call: OperationCall): string {
  const { body } = call.body as { body: string };
  if (body.trim() === '') {
    throw validationFailed(call.documentationUrl, { resource: 'IssueComment', code: 'unprocessable', field: 'data', message: 'Body cannot be blank' });
  }
  checkBodyLength(body, 'IssueComment', call.documentationUrl);
  return body;
}

function issueTitle(call: OperationCall, title: string | number | null | undefined): string {
  const text = title === null || title === undefined ? '' : String(title);
  if (text.trim() === '') throw validationFailed(call.documentationUrl, { resource: 'Issue', code: 'missing_field', field: 'title' });
  if ([...text].length > MAX_TITLE_LENGTH) {
    throw validationFailed(call.documentationUrl, { resource: 'Issue', code: 'custom', field: 'title', message: `title is too long (maximum is ${MAX_TITLE_LENGTH} characters)` });
  }
  return text;
}

/** Fields this server does not model: answering as if they were applied would mislead the test. */
function refuseUnsupported(call: OperationCall, input: IssueInput): void {
  if (input.milestone !== undefined && input.milestone !== null) throw unsupported('issue milestones', call.documentationUrl);
  if (input.type !== undefined && input.type !== null) throw unsupported('issue types', call.documentationUrl);
  if (input.issue_field_values?.length) throw unsupported('issue field values', call.documentationUrl);
}

/**
 * The labels of these names, creating those the repository lacks (colour ededed, no description) as GitHub does for
 * callers with push access; only such callers get here, since the others cannot write at all.
 */
function labelsNamed(call: OperationCall, inputs: readonly LabelInput[]): Label[] {
  const names = inputs.map((input) => (typeof input === 'string' ? input : (input.name ?? ''))).filter((name) => name !== '');
  const labels = names.map((name) => call.repository.label(name) ?? createLabel(call, name, DEFAULT_LABEL_COLOR, null));
  return [...new Set(labels)];
}

function createLabel(call: OperationCall, name: string, color: string, description: string | null): Label {
  const invalid = (field: string, value?: string) => validationFailed(call.documentationUrl, { resource: 'Label', code: 'invalid', field, ...(value === undefined ? {} : { value }) });
  if (name.trim() === '') throw validationFailed(call.documentationUrl, { resource: 'Label', code: 'missing_field', field: 'name' });
  if ([...name].length > MAX_LABEL_NAME_LENGTH) throw invalid('name', name);
  if (!/^[0-9a-fA-F]{6}$/.test(color)) throw invalid('color', color);
  if (description !== null && [...description].length > MAX_LABEL_DESCRIPTION_LENGTH) throw invalid('description');
  const label: Label = { id: call.state.ids.take('label'), name, color: color.toLowerCase(), description, isDefault: false };
  call.repository.labels.set(name.toLowerCase(), label);
  return label;
}

/** Assignees must be users GitHub knows; unknown logins are a 422 as on GitHub. */
function assigneesNamed(call: OperationCall, input: IssueInput): User[] {
  const logins = input.assignees ?? (input.assignee ? [input.assignee] : []);
  return logins.map((login) => {
    if (!call.state.knowsUser(login)) throw validationFailed(call.documentationUrl, { resource: 'Issue', code: 'invalid', field: 'assignees', value: login });
    return call.state.user(login);
  });
}

/** Closing records who closed it and why (completed unless told); reopening is always "reopened" and forgets both. */
function changeState(call: OperationCall, target: Issue, state: 'open' | 'closed', reason: StateReason | null): void {
  if (state === 'closed') {
    if (reason === 'reopened') throw validationFailed(call.documentationUrl, { resource: 'Issue', code: 'invalid', field: 'state_reason', value: reason });
    target.state = 'closed';
    target.stateReason = reason ?? 'completed';
    target.closedAt = call.state.now();
    target.closedBy = call.caller;
  } else {
    target.state = 'open';
    target.stateReason = 'reopened';
    target.closedAt = null;
    target.closedBy = null;
  }
}

function byCreation(a: Issue, b: Issue): number {
  return a.createdAt.localeCompare(b.createdAt) || a.number - b.number;
}

const ISSUE_SORTS: Readonly<Record<string, (a: Issue, b: Issue) => number>> = {
  created: byCreation,
  updated: (a, b) => a.updatedAt.localeCompare(b.updatedAt) || byCreation(a, b),
  comments: (a, b) => a.comments.length - b.comments.length || byCreation(a, b),
};

/** Issues and pull requests (GitHub lists both here) that pass every filter; all named labels must be present. */
function filteredIssues(call: OperationCall): Issue[] {
  const { query } = call;
  for (const filter of ['milestone', 'mentioned', 'type', 'issue_field_values']) {
    if (query[filter] !== undefined) throw unsupported(`the ${filter} filter`, call.documentationUrl);
  }
  const state = query.state ?? 'open';
  const labels = query.labels?.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '') ?? [];
  const since = query.since === undefined ? undefined : Date.parse(query.since);
  const matches = [...call.repository.issues.values()].filter(
    (candidate) =>
      (state === 'all' || candidate.state === state) &&
      labels.every((name) => candidate.labels.some((label) => label.name.toLowerCase() === name)) &&
      (query.creator === undefined || candidate.user.login.toLowerCase() === query.creator.toLowerCase()) &&
      assigneeMatches(candidate, query.assignee) &&
      (since === undefined || Date.parse(candidate.updatedAt) >= since),
  );
  const order = ISSUE_SORTS[query.sort ?? 'created'];
  const sign = (query.direction ?? 'desc') === 'desc' ? -1 : 1;
  return matches.sort((a, b) => sign * order(a, b));
}

/** `*` is any assignee, `none` none, anything else a login. */
function assigneeMatches(candidate: Issue, assignee: string | undefined): boolean {
  if (assignee === undefined) return true;
  if (assignee === '*') return candidate.assignees.length > 0;
  if (assignee === 'none') return candidate.assignees.length === 0;
  return candidate.assignees.some((user) => user.login.toLowerCase() === assignee.toLowerCase());
}

/** `head` is `owner:branch` (GitHub's format); `base` a branch. Newest first when sorted by creation, as GitHub does. */
function filteredPullRequests(call: OperationCall): PullRequestIssue[] {
  const { query } = call;
  if (query.sort === 'popularity' || query.sort === 'long-running') throw unsupported(`sorting pull requests by ${query.sort}`, call.documentationUrl);
  if (query.head !== undefined && !query.head.includes(':')) throw unsupported('a head filter without the owner (GitHub expects owner:branch)', call.documentationUrl);
  const state = query.state ?? 'open';
  const matches = call.repository.pullRequests().filter(({ state: pullState, pullRequest: pull }) => {
    const head = `${pull.head.repository.owner.login}:${pull.head.ref}`.toLowerCase();
    return (state === 'all' || pullState === state) && (query.head === undefined || head === query.head.toLowerCase()) && (query.base === undefined || pull.base.ref === query.base);
  });
  const sort = query.sort ?? 'created';
  const sign = (query.direction ?? (sort === 'created' ? 'desc' : 'asc')) === 'desc' ? -1 : 1;
  return matches.sort((a, b) => sign * ISSUE_SORTS[sort](a, b));
}
