import { createHash } from 'node:crypto';
import { DEFAULT_LABEL_COLOR } from './operations';
import { strToU8, zipSync } from 'fflate';
import { Artifact, Comment, GITHUB_ACTIONS_BOT, GitHubState, Issue, IssueState, Label, Repository, RunConclusion, StateReason, Workflow, WorkflowRun, timestamp } from './state';

export interface PullRequestSeed {
  /** @default the next free number (issues and pull requests share them) */
  readonly number?: number;
  readonly title: string;
  readonly body?: string;
  /** Login of the author. */
  readonly user: string;
  /** With `fork`, the branch lives in the author's fork of the repository. */
  readonly head: { readonly sha: string; readonly ref: string; readonly fork?: boolean };
  /** @default sha: a fixed fake commit of the branch */
  readonly base: { readonly ref: string; readonly sha?: string };
  readonly draft?: boolean;
  /** Merged pull requests are closed. @default open */
  readonly state?: IssueState;
  readonly merged?: boolean;
  /** @default a fake commit, for a merged pull request */
  readonly mergeCommitSha?: string;
  /** Other commits of the pull request, which GET .../commits/{sha}/pulls finds it by. */
  readonly commits?: readonly string[];
  readonly labels?: readonly string[];
}

export interface IssueSeed {
  readonly number?: number;
  readonly title: string;
  readonly body?: string;
  /** @default github-actions[bot] */
  readonly user?: string;
  readonly labels?: readonly string[];
  readonly state?: IssueState;
  /** @default completed, for a closed issue */
  readonly stateReason?: StateReason;
}

export interface WorkflowRunSeed {
  /** The workflow's file name under .github/workflows, e.g. `session-manager-role-plan.yml`. */
  readonly workflow: string;
  readonly event: string;
  readonly headSha: string;
  /** @default main */
  readonly headBranch?: string;
  /** @default success */
  readonly conclusion?: RunConclusion;
  /** @default 1 */
  readonly attempt?: number;
  /** Pull requests of the head. @default none */
  readonly pullRequests?: readonly number[];
  /** @default github-actions[bot] */
  readonly actor?: string;
}

export interface CommentSnapshot {
  readonly id: number;
  readonly author: string;
  readonly body: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface IssueSnapshot {
  readonly number: number;
  readonly isPullRequest: boolean;
  readonly author: string;
  readonly title: string;
  readonly body: string | null;
  readonly state: IssueState;
  readonly stateReason: StateReason | null;
  readonly labels: readonly string[];
  readonly assignees: readonly string[];
  readonly comments: readonly CommentSnapshot[];
}

export interface LabelSnapshot {
  readonly name: string;
  readonly color: string;
  readonly description: string | null;
}

/**
 * One repository of the server as a test sees it: seeding (what exists before the code under test runs) and
 * snapshots of the state (copies, so assertions cannot change it).
 */
export class RepositoryHandle {
  constructor(
    private readonly state: GitHubState,
    private readonly repository: Repository,
  ) {}

  addPullRequest(seed: PullRequestSeed): number {
    const repository = this.repository;
    const author = this.state.user(seed.user);
    const number = this.claimNumber(seed.number);
    const now = this.state.now();
    const merged = seed.merged ?? false;
    const mergeCommitSha = seed.mergeCommitSha ?? (merged ? fakeSha(`${repository.fullName}#${number} merge`) : null);
    const headRepository = seed.head.fork ? this.fork(author.login) : repository;
    const issue: Issue = {
      ...this.newIssue(number, seed.title, seed.body, author.login, seed.labels, now),
      state: merged ? 'closed' : (seed.state ?? 'open'),
      closedAt: merged || seed.state === 'closed' ? now : null,
      pullRequest: {
        id: this.state.ids.take('pull'),
        head: { sha: seed.head.sha, ref: seed.head.ref, repository: headRepository },
        base: { ref: seed.base.ref, sha: seed.base.sha ?? fakeSha(`${repository.fullName}:${seed.base.ref}`) },
        draft: seed.draft ?? false,
        commits: seed.commits ?? [],
        mergedAt: merged ? now : null,
        mergeCommitSha,
        mergedBy: merged ? repository.owner : null,
      },
    };
    for (const sha of [seed.head.sha, ...(seed.commits ?? []), ...(mergeCommitSha ? [mergeCommitSha] : [])]) repository.commits.add(sha);
    repository.issues.set(number, issue);
    return number;
  }

  /** A push to the pull request's branch: `sha` becomes its head commit. */
  pushToPullRequest(number: number, sha: string): void {
    const pull = this.pullRequestPart(number);
    pull.commits = [...pull.commits, pull.head.sha];
    pull.head = { ...pull.head, sha };
    this.repository.commits.add(sha);
  }

  /** Merges the pull request as its head is now; returns the merge commit, which GET .../commits/{sha}/pulls finds it by. */
  mergePullRequest(number: number, mergeCommitSha = fakeSha(`${this.repository.fullName}#${number} merge`)): string {
    const issue = this.existing(number);
    const pull = this.pullRequestPart(number);
    const now = this.state.now();
    Object.assign(pull, { mergedAt: now, mergeCommitSha, mergedBy: this.repository.owner });
    Object.assign(issue, { state: 'closed', closedAt: now, updatedAt: now });
    this.repository.commits.add(mergeCommitSha);
    return mergeCommitSha;
  }

  addIssue(seed: IssueSeed): number {
    const number = this.claimNumber(seed.number);
    const issue = this.newIssue(number, seed.title, seed.body, seed.user ?? GITHUB_ACTIONS_BOT.login, seed.labels, this.state.now());
    if (seed.state === 'closed') {
      issue.state = 'closed';
      issue.stateReason = seed.stateReason ?? 'completed';
      issue.closedAt = issue.createdAt;
      issue.closedBy = issue.user;
    }
    this.repository.issues.set(number, issue);
    return number;
  }

  /** A comment already there, by default from the bot GITHUB_TOKEN acts as. Returns its id. */
  addComment(issueNumber: number, body: string, login: string = GITHUB_ACTIONS_BOT.login): number {
    const issue = this.existing(issueNumber);
    const now = this.state.now();
    const comment: Comment = { id: this.state.ids.take('comment'), issueNumber, user: this.state.user(login), createdAt: now, updatedAt: now, body };
    issue.comments.push(comment);
    this.repository.comments.set(comment.id, comment);
    return comment.id;
  }

  /** A workflow run, finished as `conclusion` says; returns its id. */
  addWorkflowRun(seed: WorkflowRunSeed): number {
    const workflow = this.workflow(seed.workflow);
    const now = this.state.now();
    const runNumber = [...this.repository.workflowRuns.values()].filter((run) => run.workflow === workflow).length + 1;
    const run: WorkflowRun = {
      id: this.state.ids.take('run'),
      workflow,
      runNumber,
      runAttempt: seed.attempt ?? 1,
      event: seed.event,
      headSha: seed.headSha,
      headBranch: seed.headBranch ?? 'main',
      actor: this.state.user(seed.actor ?? GITHUB_ACTIONS_BOT.login),
      pullRequests: seed.pullRequests ?? [],
      status: 'completed',
      conclusion: seed.conclusion ?? 'success',
      createdAt: now,
      updatedAt: now,
    };
    this.repository.workflowRuns.set(run.id, run);
    this.repository.commits.add(seed.headSha);
    return run.id;
  }

  /** Ends a run with this conclusion (a run's steps decide it after the run id is known). */
  concludeWorkflowRun(id: number, conclusion: RunConclusion): void {
    const run = this.repository.workflowRuns.get(id);
    if (!run) throw new Error(`run ${id} does not exist`);
    run.conclusion = conclusion;
    run.updatedAt = this.state.now();
  }

  /**
   * What `actions/upload-artifact` does from inside a run: the files zipped into one immutable artifact with the
   * zip's SHA-256. Returns the artifact's id.
   */
  uploadArtifact(runId: number, name: string, files: Readonly<Record<string, string | Uint8Array>>, retentionDays = 90): number {
    if (!this.repository.workflowRuns.has(runId)) throw new Error(`run ${runId} does not exist`);
    if ([...this.repository.artifacts.values()].some((artifact) => artifact.runId === runId && artifact.name === name)) {
      throw new Error(`run ${runId} has an artifact named ${name} already (artifacts are immutable)`);
    }
    const zip = Buffer.from(zipSync(Object.fromEntries(Object.entries(files).map(([path, content]) => [path, typeof content === 'string' ? strToU8(content) : content]))));
    const created = this.state.clock();
    const artifact: Artifact = {
      id: this.state.ids.take('artifact'),
      runId,
      name,
      zip,
      digest: `sha256:${createHash('sha256').update(zip).digest('hex')}`,
      createdAt: timestamp(created),
      expiresAt: timestamp(new Date(created.getTime() + retentionDays * 86_400_000)),
    };
    this.repository.artifacts.set(artifact.id, artifact);
    return artifact.id;
  }

  /** Ends an artifact's retention now: the API then says it expired and no longer serves it. */
  expireArtifact(id: number): void {
    const artifact = this.repository.artifacts.get(id);
    if (!artifact) throw new Error(`artifact ${id} does not exist`);
    artifact.expiresAt = this.state.now();
  }

  addLabel(name: string, options: { readonly color?: string; readonly description?: string } = {}): void {
    this.label(name, options.color, options.description);
  }

  /** A commit that no pull request brought, e.g. one pushed straight to the default branch. */
  addCommit(sha: string): void {
    this.repository.commits.add(sha);
  }

  issue(number: number): IssueSnapshot {
    return snapshot(this.existing(number));
  }

  /** Issues and pull requests, by number. */
  issues(): IssueSnapshot[] {
    return [...this.repository.issues.values()].sort((a, b) => a.number - b.number).map(snapshot);
  }

  comments(issueNumber: number): CommentSnapshot[] {
    return this.existing(issueNumber).comments.map(commentSnapshot);
  }

  labels(): LabelSnapshot[] {
    return [...this.repository.labels.values()].map(({ name, color, description }) => ({ name, color, description }));
  }

  /** The workflow of this file name, known from its first run on. */
  private workflow(file: string): Workflow {
    let workflow = this.repository.workflows.get(file);
    if (!workflow) {
      workflow = { id: this.state.ids.take('workflow'), name: file.replace(/\.ya?ml$/, ''), path: `.github/workflows/${file}` };
      this.repository.workflows.set(file, workflow);
    }
    return workflow;
  }

  private pullRequestPart(number: number) {
    const pull = this.existing(number).pullRequest;
    if (!pull) throw new Error(`#${number} is an issue, not a pull request`);
    return pull;
  }

  private existing(number: number): Issue {
    const issue = this.repository.issues.get(number);
    if (!issue) throw new Error(`${this.repository.fullName}#${number} does not exist`);
    return issue;
  }

  private claimNumber(number: number | undefined): number {
    const claimed = number ?? this.repository.nextNumber();
    if (this.repository.issues.has(claimed)) throw new Error(`${this.repository.fullName}#${claimed} exists already`);
    return claimed;
  }

  private newIssue(number: number, title: string, body: string | undefined, login: string, labels: readonly string[] = [], now: string): Issue {
    return {
      id: this.state.ids.take('issue'),
      number,
      user: this.state.user(login),
      createdAt: now,
      title,
      body: body ?? null,
      state: 'open',
      stateReason: null,
      labels: labels.map((name) => this.label(name)),
      assignees: [],
      comments: [],
      updatedAt: now,
      closedAt: null,
      closedBy: null,
    };
  }

  private label(name: string, color = DEFAULT_LABEL_COLOR, description?: string): Label {
    const existing = this.repository.label(name);
    if (existing) return existing;
    const label: Label = { id: this.state.ids.take('label'), name, color, description: description ?? null, isDefault: false };
    this.repository.labels.set(name.toLowerCase(), label);
    return label;
  }

  /** The author's fork of this repository, where the head branch of a fork's pull request lives. */
  private fork(login: string): Repository {
    const existing = this.state.repository(login, this.repository.name);
    if (existing) return existing;
    const fork = new Repository(
      this.state.ids.take('repository'),
      this.state.user(login),
      this.repository.name,
      this.repository.defaultBranch,
      this.repository.isPrivate,
      true,
      new Set(),
      this.state.now(),
    );
    this.state.addRepository(fork);
    return fork;
  }
}

function commentSnapshot(comment: Comment): CommentSnapshot {
  return { id: comment.id, author: comment.user.login, body: comment.body, createdAt: comment.createdAt, updatedAt: comment.updatedAt };
}

function snapshot(issue: Issue): IssueSnapshot {
  return {
    number: issue.number,
    isPullRequest: issue.pullRequest !== undefined,
    author: issue.user.login,
    title: issue.title,
    body: issue.body,
    state: issue.state,
    stateReason: issue.stateReason,
    labels: issue.labels.map((label) => label.name),
    assignees: issue.assignees.map((user) => user.login),
    comments: issue.comments.map(commentSnapshot),
  };
}

/** A stable 40-hex commit id for commits a seed implies without naming. */
function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}
