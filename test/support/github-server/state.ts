import { notFound } from './responses';

export type UserType = 'User' | 'Bot' | 'Organization';

export interface User {
  readonly login: string;
  readonly id: number;
  readonly type: UserType;
}

export interface Label {
  readonly id: number;
  readonly name: string;
  readonly color: string;
  readonly description: string | null;
  /** GitHub's own labels of a new repository; labels created through the API never are. */
  readonly isDefault: boolean;
}

export interface Comment {
  readonly id: number;
  readonly issueNumber: number;
  readonly user: User;
  readonly createdAt: string;
  body: string;
  updatedAt: string;
}

export type IssueState = 'open' | 'closed';
export type StateReason = 'completed' | 'not_planned' | 'duplicate' | 'reopened';

/** What a pull request has beyond the issue that shares its number. */
export interface PullRequestPart {
  readonly id: number;
  /** Changes on a push to the pull request's branch. */
  head: { readonly sha: string; readonly ref: string; readonly repository: Repository };
  readonly base: { readonly sha: string; readonly ref: string };
  readonly draft: boolean;
  /** Commits of the pull request besides its head, for the commit -> pull requests lookup. */
  commits: readonly string[];
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedBy: User | null;
}

/** An issue, or the issue side of a pull request: GitHub gives both one number space and one set of comments. */
export interface Issue {
  readonly id: number;
  readonly number: number;
  readonly user: User;
  readonly createdAt: string;
  readonly pullRequest?: PullRequestPart;
  title: string;
  body: string | null;
  state: IssueState;
  stateReason: StateReason | null;
  labels: Label[];
  assignees: User[];
  comments: Comment[];
  updatedAt: string;
  closedAt: string | null;
  closedBy: User | null;
}

/** The issue side of a pull request, with the pull request's own part. */
export type PullRequestIssue = Issue & { readonly pullRequest: PullRequestPart };

/** A workflow file of the repository, as GitHub Actions knows it once it has run. */
export interface Workflow {
  readonly id: number;
  readonly name: string;
  /** `.github/workflows/<file>`. */
  readonly path: string;
}

export type RunConclusion = 'success' | 'failure' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required' | 'neutral' | 'stale';

/** One run of a workflow (its latest attempt). */
export interface WorkflowRun {
  readonly id: number;
  readonly workflow: Workflow;
  readonly runNumber: number;
  runAttempt: number;
  readonly event: string;
  readonly headSha: string;
  readonly headBranch: string;
  readonly actor: User;
  /** Pull requests of the run's head, by number. */
  readonly pullRequests: readonly number[];
  status: 'completed' | 'in_progress' | 'queued';
  conclusion: RunConclusion | null;
  readonly createdAt: string;
  updatedAt: string;
}

/**
 * An artifact a run uploaded: a zip archive, immutable, with its SHA-256 (`digest`), gone once it expires or is
 * deleted.
 */
export interface Artifact {
  readonly id: number;
  readonly runId: number;
  readonly name: string;
  readonly zip: Buffer;
  /** `sha256:<hex>` of the zip, as GitHub reports it. */
  readonly digest: string;
  readonly createdAt: string;
  expiresAt: string;
}

/** Numeric ids per kind of object, starting where real ones of that kind are about as large. */
export class IdSequence {
  private readonly next = new Map<string, number>();

  constructor(private readonly starts: Readonly<Record<string, number>>) {}

  take(kind: string): number {
    const id = this.next.get(kind) ?? this.starts[kind] ?? 1;
    this.next.set(kind, id + 1);
    return id;
  }
}

/** One repository: its issues and pull requests, comments, labels and known commits. */
export class Repository {
  readonly issues = new Map<number, Issue>();
  readonly comments = new Map<number, Comment>();
  /** By lower-cased name: GitHub matches label names without regard to case. */
  readonly labels = new Map<string, Label>();
  readonly commits = new Set<string>();
  /** By file name (`plan.yml`): GitHub lets the API name a workflow by its file. */
  readonly workflows = new Map<string, Workflow>();
  readonly workflowRuns = new Map<number, WorkflowRun>();
  readonly artifacts = new Map<number, Artifact>();

  constructor(
    readonly id: number,
    readonly owner: User,
    readonly name: string,
    readonly defaultBranch: string,
    readonly isPrivate: boolean,
    readonly fork: boolean,
    readonly collaborators: ReadonlySet<string>,
    readonly createdAt: string,
  ) {}

  get fullName(): string {
    return `${this.owner.login}/${this.name}`;
  }

  /** Issues and pull requests share one sequence of numbers; seeded ones may leave gaps. */
  nextNumber(): number {
    return Math.max(0, ...this.issues.keys()) + 1;
  }

  issue(number: number, documentationUrl: string): Issue {
    const issue = this.issues.get(number);
    if (!issue) throw notFound(documentationUrl);
    return issue;
  }

  pullRequest(number: number, documentationUrl: string): PullRequestIssue {
    const issue = this.issues.get(number);
    if (!issue?.pullRequest) throw notFound(documentationUrl);
    return issue as PullRequestIssue;
  }

  /** Pull requests, by number. */
  pullRequests(): PullRequestIssue[] {
    return [...this.issues.values()].filter((issue): issue is PullRequestIssue => issue.pullRequest !== undefined).sort((a, b) => a.number - b.number);
  }

  comment(id: number, documentationUrl: string): Comment {
    const comment = this.comments.get(id);
    if (!comment) throw notFound(documentationUrl);
    return comment;
  }

  label(name: string): Label | undefined {
    return this.labels.get(name.toLowerCase());
  }

  /** How GitHub describes a user's relation to this repository next to what they wrote. */
  authorAssociation(user: User): 'OWNER' | 'COLLABORATOR' | 'NONE' {
    if (user.login.toLowerCase() === this.owner.login.toLowerCase()) return 'OWNER';
    return this.collaborators.has(user.login.toLowerCase()) ? 'COLLABORATOR' : 'NONE';
  }
}

/** The user that GITHUB_TOKEN acts as, with its real id, so that code matching on it sees what it would on GitHub. */
export const GITHUB_ACTIONS_BOT = { login: 'github-actions[bot]', id: 41898282 } as const;

const ID_STARTS = {
  repository: 600_000_001,
  user: 9_000_001,
  issue: 2_100_000_001,
  pull: 1_900_000_001,
  comment: 2_500_000_001,
  label: 7_000_000_001,
  workflow: 120_000_001,
  run: 12_000_000_001,
  artifact: 3_400_000_001,
};

/** Everything the server knows: users, repositories, and where ids and time come from. */
export class GitHubState {
  readonly ids = new IdSequence(ID_STARTS);
  private readonly users = new Map<string, User>();
  private readonly repositories = new Map<string, Repository>();
  /** Short-lived links to artifact archives handed out by the download redirect, by their token. */
  readonly blobLinks = new Map<string, { readonly zip: Buffer; readonly expires: number }>();

  constructor(readonly clock: () => Date) {}

  now(): string {
    return timestamp(this.clock());
  }

  /** The user of this login, created on first mention (logins are case-insensitive). */
  user(login: string, type: UserType = login.endsWith('[bot]') ? 'Bot' : 'User'): User {
    const key = login.toLowerCase();
    let user = this.users.get(key);
    if (!user) {
      user = { login, id: login === GITHUB_ACTIONS_BOT.login ? GITHUB_ACTIONS_BOT.id : this.ids.take('user'), type };
      this.users.set(key, user);
    }
    return user;
  }

  knowsUser(login: string): boolean {
    return this.users.has(login.toLowerCase());
  }

  addRepository(repository: Repository): void {
    this.repositories.set(repository.fullName.toLowerCase(), repository);
  }

  /** Owner and name are case-insensitive on GitHub. */
  repository(owner: string, name: string): Repository | undefined {
    return this.repositories.get(`${owner}/${name}`.toLowerCase());
  }
}

/** GitHub's timestamps: UTC, whole seconds. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
