import { AccountResult, MatrixResult } from '../../engine/result';
import { DriftIssueContext, DriftScope, driftIssueMarker, driftIssueTitle, hasDrift, renderDriftIssue, renderDriftReopened, renderDriftResolved, scopedAccounts } from '../../report/drift-issue';
import { ModeSwitch, renderAccountRemoved, renderModeSwitched } from '../../report/drift-issue-closing';
import { DriftIssueMode } from './inputs';
import { GitHubClient, describeRateLimit, failureReason, httpStatus, rateLimited } from './github';

/**
 * Content-creating requests (new issues, comments) one run makes at most. GitHub allows 500 an hour per user; the
 * rest of the hour is left to the plan comments of pull requests, which post as the same bot.
 */
const CONTENT_REQUESTS_PER_RUN = 400;

export interface DriftIssueOptions {
  readonly config: string;
  readonly mode: Exclude<DriftIssueMode, 'off'>;
  readonly label: string;
  readonly author: string;
  readonly runUrl?: string;
  readonly checkedAt: string;
  /** Content-creating requests this run may make. @default CONTENT_REQUESTS_PER_RUN */
  readonly contentBudget?: number;
}

/** Why an issue is closed: no drift any more, its account left the config, or the other mode tracks the drift now. */
export type CloseReason = 'resolved' | 'removed' | 'mode-switch';

/** What happened to one issue, for the log and the summary. */
export interface IssueChange {
  readonly action: 'opened' | 'updated' | 'reopened' | 'closed';
  readonly reason?: CloseReason;
  readonly number: number;
  readonly url: string;
  readonly scope: DriftScope;
}

/** Something this run left for the next: an issue not opened, updated, reopened or closed. */
export interface PendingIssue {
  readonly action: 'open' | 'update' | 'reopen' | 'close';
  readonly reason?: CloseReason;
  readonly scope: DriftScope;
  /** The account's name and id, or the config for a per-config issue. */
  readonly subject: string;
}

export interface DriftIssueSync {
  /** The first issue of the run's scopes that it changed or found up to date (the `issue-url` output). */
  readonly url?: string;
  readonly changes: readonly IssueChange[];
  /** Open issues whose content did not change: left untouched, which costs no request. */
  readonly unchanged: number;
  readonly pending: readonly PendingIssue[];
  /** Why work was left pending (a rate limit, a budget used up, a failure); absent when nothing was. */
  readonly reasons: readonly string[];
}

type Repository = { readonly owner: string; readonly repo: string };

interface TrackedIssue {
  readonly number: number;
  readonly url: string;
  readonly title: string;
  readonly body: string;
  readonly state: 'open' | 'closed';
  readonly scope: DriftScope;
}

/** One change to make: `content` when it makes a content-creating request (a new issue or a comment). */
interface Step {
  readonly pending: PendingIssue;
  readonly content: boolean;
  readonly run: () => Promise<IssueChange>;
}

/**
 * Keeps the drift issues of a config in step with the drift check: one issue per config or per account, opened,
 * updated or reopened while there is drift, closed with a comment when it is gone, when its account left the config,
 * or when the other `drift-issue` mode tracks the drift now. A scope with an account that could not be checked is
 * never closed as "no drift": no drift found is not the same as no drift.
 *
 * Sized for thousands of accounts: the issues are listed once (paginated), an issue whose content did not change is
 * not written, requests go one at a time, and content-creating ones stop at the run's budget or at GitHub's
 * content-creation limit; a primary rate limit stops everything. What is left is returned as pending, for the job
 * summary, and the next run takes it up, since every run works from what the issues are.
 */
export async function syncDriftIssues(octokit: GitHubClient, repository: Repository, result: MatrixResult, options: DriftIssueOptions): Promise<DriftIssueSync> {
  return new DriftIssueRun(octokit, repository, result, options).sync();
}

class DriftIssueRun {
  private readonly changes: IssueChange[] = [];
  private readonly pending: PendingIssue[] = [];
  private readonly reasons = new Set<string>();
  private unchanged = 0;
  private url?: string;
  private readonly contentBudget: number;
  private contentLeft: number;
  /** Set when content can no longer be created in this run (budget, GitHub's limit). */
  private contentStopped?: string;
  /** Set when nothing more can be written in this run (primary rate limit, failures). */
  private stopped?: string;
  /** Scopes (by marker) whose issue is open, as far as this run knows. */
  private readonly open = new Set<string>();
  private labelReady?: Promise<void>;
  private readonly context: DriftIssueContext;
  private readonly accounts: ReadonlyMap<string, AccountResult>;

  constructor(
    private readonly octokit: GitHubClient,
    private readonly repository: Repository,
    private readonly result: MatrixResult,
    private readonly options: DriftIssueOptions,
  ) {
    this.contentBudget = options.contentBudget ?? CONTENT_REQUESTS_PER_RUN;
    this.contentLeft = this.contentBudget;
    this.context = { runUrl: options.runUrl, checkedAt: options.checkedAt };
    this.accounts = new Map(result.accounts.map((account) => [account.id, account]));
  }

  async sync(): Promise<DriftIssueSync> {
    const tracked = await this.trackedIssues();
    for (const issue of tracked.values()) if (issue.state === 'open') this.open.add(driftIssueMarker(issue.scope));
    const { config } = this.options;
    const scopes: DriftScope[] = this.options.mode === 'per-config' ? [{ config }] : this.result.accounts.map((account) => ({ config, accountId: account.id }));
    await this.followDrift(scopes, tracked);
    const current = new Set(scopes.map(driftIssueMarker));
    await this.closeLeftOver([...tracked.values()].filter((issue) => issue.state === 'open' && !current.has(driftIssueMarker(issue.scope))));
    return { url: this.url ?? this.changes[0]?.url, changes: this.changes, unchanged: this.unchanged, pending: this.pending, reasons: [...this.reasons] };
  }

  /** The issues of the run's scopes: drift first (new, changed, back), as it is what they are for; then the closings. */
  private async followDrift(scopes: readonly DriftScope[], tracked: ReadonlyMap<string, TrackedIssue>): Promise<void> {
    const closings: Step[] = [];
    for (const scope of scopes) {
      const issue = tracked.get(driftIssueMarker(scope));
      if (hasDrift(this.scoped(scope), scope)) await this.perform(this.driftStep(scope, issue));
      else if (issue?.state === 'open' && this.fullyChecked(scope)) closings.push(this.closeStep(issue, 'resolved', renderDriftResolved(this.result, this.context)));
    }
    for (const step of closings) await this.perform(step);
  }

  /** Open issues outside the run's scopes: of accounts removed from the config, or from the other mode. */
  private async closeLeftOver(issues: readonly TrackedIssue[]): Promise<void> {
    const removed = (issue: TrackedIssue) => issue.scope.accountId !== undefined && !this.accounts.has(issue.scope.accountId);
    for (const issue of issues.filter(removed)) await this.perform(this.closeStep(issue, 'removed', renderAccountRemoved(this.result, issue.scope, this.context)));
    const modeSwitch = this.modeSwitch();
    for (const issue of issues.filter((candidate) => !removed(candidate))) {
      if (this.coveredByCurrentMode(issue.scope)) await this.perform(this.closeStep(issue, 'mode-switch', renderModeSwitched(this.result, issue.scope, this.context, modeSwitch)));
      else this.leave({ action: 'close', reason: 'mode-switch', scope: issue.scope, subject: this.subject(issue.scope) }, this.modeSwitchWaits());
    }
  }

  /** This config's drift issues by the author, by scope: the open one when there are several. */
  private async trackedIssues(): Promise<Map<string, TrackedIssue>> {
    const { octokit, repository, options } = this;
    const listed = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repository, state: 'all', labels: options.label, per_page: 100 });
    const tracked = new Map<string, TrackedIssue>();
    for (const issue of listed) {
      if (issue.pull_request || issue.user?.login !== options.author) continue;
      const scope = scopeOf(issue.body ?? '');
      if (!scope || scope.config !== options.config) continue;
      const marker = driftIssueMarker(scope);
      if (tracked.get(marker)?.state === 'open') continue;
      tracked.set(marker, { number: issue.number, url: issue.html_url, title: issue.title, body: issue.body ?? '', state: issue.state === 'open' ? 'open' : 'closed', scope });
    }
    return tracked;
  }

  /** Opens, reopens or updates the issue of a scope with drift; an open issue that would read the same is left. */
  private driftStep(scope: DriftScope, issue: TrackedIssue | undefined): Step | undefined {
    const { octokit, repository, result } = this;
    const scoped = this.scoped(scope);
    const title = driftIssueTitle(scoped, scope);
    // Rendered when sent: what a run leaves pending costs nothing.
    const content = () => ({ title, body: renderDriftIssue(scoped, scope, this.context) });
    const subject = this.subject(scope);
    if (!issue) {
      return {
        pending: { action: 'open', scope, subject },
        content: true,
        run: async () => {
          await this.ensureLabel();
          const { data } = await octokit.rest.issues.create({ ...repository, ...content(), labels: [this.options.label] });
          return { action: 'opened', number: data.number, url: data.html_url, scope };
        },
      };
    }
    if (issue.state === 'closed') {
      return {
        pending: { action: 'reopen', scope, subject },
        content: true,
        run: async () => {
          // The comment first: if the reopening then fails, the next run reopens it, and the comment says why.
          await octokit.rest.issues.createComment({ ...repository, issue_number: issue.number, body: renderDriftReopened(result, this.context) });
          await octokit.rest.issues.update({ ...repository, issue_number: issue.number, ...content(), state: 'open', state_reason: 'reopened' });
          return { action: 'reopened', number: issue.number, url: issue.url, scope };
        },
      };
    }
    if (issue.title === title && this.readsTheSame(issue.body, scope)) {
      this.unchanged += 1;
      this.url ??= issue.url;
      return undefined;
    }
    return {
      pending: { action: 'update', scope, subject },
      content: false,
      run: async () => {
        await octokit.rest.issues.update({ ...repository, issue_number: issue.number, ...content() });
        return { action: 'updated', number: issue.number, url: issue.url, scope };
      },
    };
  }

  private closeStep(issue: TrackedIssue, reason: CloseReason, comment: string): Step {
    const { octokit, repository } = this;
    return {
      pending: { action: 'close', reason, scope: issue.scope, subject: this.subject(issue.scope) },
      content: true,
      run: async () => {
        await octokit.rest.issues.createComment({ ...repository, issue_number: issue.number, body: comment });
        await octokit.rest.issues.update({ ...repository, issue_number: issue.number, state: 'closed', state_reason: reason === 'resolved' ? 'completed' : 'not_planned' });
        return { action: 'closed', reason, number: issue.number, url: issue.url, scope: issue.scope };
      },
    };
  }

  /** Runs a step unless the run has stopped, or the step creates content and that has stopped; else leaves it pending. */
  private async perform(step: Step | undefined): Promise<void> {
    if (!step) return;
    if (this.stopped) return this.leave(step.pending, this.stopped);
    if (step.content && this.contentLeft <= 0) {
      this.contentStopped ??= `a run creates at most ${this.contentBudget} issues and comments (drift-issue-budget; GitHub allows 500 an hour)`;
    }
    if (step.content && this.contentStopped) return this.leave(step.pending, this.contentStopped);
    try {
      const change = await step.run();
      if (step.content) this.contentLeft -= 1;
      this.changes.push(change);
      if (change.reason !== 'removed' && change.reason !== 'mode-switch') this.url ??= change.url;
      const marker = driftIssueMarker(change.scope);
      if (change.action === 'closed') this.open.delete(marker);
      else this.open.add(marker);
    } catch (error) {
      const limit = rateLimited(error);
      if (step.content && limit?.kind === 'secondary' && limit.contentCreation) {
        this.contentStopped = describeRateLimit(limit);
        return this.leave(step.pending, this.contentStopped);
      }
      const failure = limit ? describeRateLimit(limit) : `${GERUNDS[step.pending.action]} the drift issue of ${step.pending.subject} failed: ${failureReason(error)}`;
      // GitHub refusing this one issue (gone, or its content) does not stop the others; anything else would recur.
      const thisIssueOnly = !limit && (httpStatus(error) === 404 || httpStatus(error) === 422);
      if (!thisIssueOnly) this.stopped = failure;
      this.leave(step.pending, failure);
    }
  }

  private leave(pending: PendingIssue, reason: string): void {
    this.pending.push(pending);
    this.reasons.add(reason);
  }

  /**
   * Whether the current mode's issues track what an issue of the other mode did, so that closing it loses nothing:
   * each account of its scope either has its drift in an open issue now, or was checked and has none.
   */
  private coveredByCurrentMode(scope: DriftScope): boolean {
    const { config } = this.options;
    return scopedAccounts(this.scoped(scope), scope).every((account) => {
      const tracking = driftIssueMarker(this.options.mode === 'per-config' ? { config } : { config, accountId: account.id });
      return this.open.has(tracking) || (isChecked(account) && account.drift.length === 0);
    });
  }

  /** Why an issue of the other mode stays open: the current mode's issues do not cover its accounts yet. */
  private modeSwitchWaits(): string {
    return `an issue from before the switch of drift-issue mode stays open until the ${this.options.mode} issues cover its accounts (an account not checked, or an issue not opened yet)`;
  }

  private modeSwitch(): ModeSwitch {
    const { config, label, mode } = this.options;
    if (mode === 'per-config') return { to: 'per-config', open: this.open.has(driftIssueMarker({ config })), label };
    const open = this.result.accounts.filter((account) => this.open.has(driftIssueMarker({ config, accountId: account.id }))).length;
    return { to: 'per-account', open, label };
  }

  private fullyChecked(scope: DriftScope): boolean {
    return scopedAccounts(this.scoped(scope), scope).every(isChecked);
  }

  /**
   * Whether an issue body says what a new rendering would, apart from the run it names and when: rewriting it would
   * only move that date, at one request per issue per run (thousands, with one issue per account).
   */
  private readsTheSame(body: string, scope: DriftScope): boolean {
    const template = renderDriftIssue(this.scoped(scope), scope, {
      runUrl: this.context.runUrl === undefined ? undefined : RUN_PLACEHOLDER,
      checkedAt: CHECKED_AT_PLACEHOLDER,
    });
    return fitsTemplate(body, template.split(PLACEHOLDERS));
  }

  private subject(scope: DriftScope): string {
    if (!scope.accountId) return scope.config;
    const account = this.accounts.get(scope.accountId);
    return account ? `${account.name} (${account.id})` : scope.accountId;
  }

  /**
   * The result as far as a scope goes: the accounts of one account's scope are that account alone. Renderers look up
   * the scope's accounts in it, which over the whole matrix would cost thousands of accounts for each of thousands.
   */
  private scoped(scope: DriftScope): MatrixResult {
    if (!scope.accountId) return this.result;
    const account = this.accounts.get(scope.accountId);
    return { ...this.result, accounts: account ? [account] : [] };
  }

  /** Issues are found again by their label: it must exist before the first issue is opened. */
  private ensureLabel(): Promise<void> {
    const { octokit, repository, options } = this;
    this.labelReady ??= (async () => {
      try {
        await octokit.rest.issues.getLabel({ ...repository, name: options.label });
      } catch (error) {
        if (httpStatus(error) !== 404) throw error;
        await octokit.rest.issues.createLabel({ ...repository, name: options.label, color: 'd93f0b', description: 'Changes made outside Terraform, found by session-manager-role' });
      }
    })();
    // A failure is not kept: the next issue tries again.
    return this.labelReady.catch((error: unknown) => {
      this.labelReady = undefined;
      throw error;
    });
  }
}

const RUN_PLACEHOLDER = 'https://session-manager-role.invalid/run';
const CHECKED_AT_PLACEHOLDER = 'SESSIONMANAGERROLECHECKEDAT';
const PLACEHOLDERS = /https:\/\/session-manager-role\.invalid\/run|SESSIONMANAGERROLECHECKEDAT/;

/** Whether `text` is the template whose pieces are `chunks`, with any one-line value where the placeholders were. */
function fitsTemplate(text: string, chunks: readonly string[]): boolean {
  if (chunks.length === 1) return text === chunks[0];
  if (!text.startsWith(chunks[0])) return false;
  let position = chunks[0].length;
  for (let index = 1; index < chunks.length; index += 1) {
    const chunk = chunks[index];
    const last = index === chunks.length - 1;
    const found = last ? (text.endsWith(chunk) ? text.length - chunk.length : -1) : text.indexOf(chunk, position);
    if (found < position || text.slice(position, found).includes('\n')) return false;
    position = found + chunk.length;
  }
  return true;
}

/** The scope a drift issue's first line names, if it is a drift issue marker. */
function scopeOf(body: string): DriftScope | undefined {
  const newline = body.indexOf('\n');
  if (newline < 0) return undefined;
  const firstLine = body.slice(0, newline);
  const match = /^<!-- \S+ (\[.*\]) -->$/.exec(firstLine);
  if (!match) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(match[1]);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || parts.length < 1 || parts.length > 2 || !parts.every((part) => typeof part === 'string')) return undefined;
  const scope: DriftScope = parts.length === 2 ? { config: parts[0], accountId: parts[1] } : { config: parts[0] };
  // Only a line this code writes counts; anything merely shaped like it does not.
  return driftIssueMarker(scope) === firstLine ? scope : undefined;
}

function isChecked(account: AccountResult): boolean {
  return account.status === 'no_changes' || account.status === 'changes';
}

const GERUNDS: Readonly<Record<PendingIssue['action'], string>> = { open: 'opening', update: 'updating', reopen: 'reopening', close: 'closing' };

const PENDING_VERBS: Readonly<Record<PendingIssue['action'], string>> = { open: 'opened', update: 'updated', reopen: 'reopened', close: 'closed' };

/** How many pending subjects a notice names; the rest are counted. */
const NAMED_PENDING = 20;

const CLOSE_REASONS: Readonly<Record<CloseReason, string>> = {
  resolved: 'no drift',
  removed: 'account removed from the config',
  'mode-switch': 'tracked by the other drift-issue mode now',
};

/** One line for the log per issue changed. */
export function describeChange(change: IssueChange): string {
  return `Drift issue #${change.number} ${change.action}${change.reason ? ` (${CLOSE_REASONS[change.reason]})` : ''}: ${change.url}`;
}

/** One line for the log: what the run did to the drift issues. */
export function describeSync(sync: DriftIssueSync): string {
  const counts = new Map<string, number>();
  for (const change of sync.changes) counts.set(change.action, (counts.get(change.action) ?? 0) + 1);
  const done = [...counts].map(([action, count]) => `${count} ${action}`);
  if (sync.unchanged > 0) done.push(`${sync.unchanged} up to date`);
  if (sync.pending.length > 0) done.push(`${sync.pending.length} left for the next run`);
  return `Drift issues: ${done.join(', ') || 'none to open, update or close'}.`;
}

/**
 * The sentence for the job summary and a warning when the run left issues for the next one: how many of each kind,
 * why, and which (the first few by name, the rest counted), so that nothing left undone goes unsaid.
 */
export function describePending(sync: DriftIssueSync): string | undefined {
  if (sync.pending.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const pending of sync.pending) counts.set(pending.action, (counts.get(pending.action) ?? 0) + 1);
  const kinds = [...counts].map(([action, count]) => `${count} not ${PENDING_VERBS[action as PendingIssue['action']]}`);
  const named = sync.pending.slice(0, NAMED_PENDING).map((pending) => pending.subject);
  const more = sync.pending.length - named.length;
  return (
    `Drift issues: ${kinds.join(', ')} in this run, because ${sync.reasons.join('; and ')}. ` +
    `The next drift check takes them up: ${named.join(', ')}${more > 0 ? `, and ${more} more` : ''}.`
  );
}
