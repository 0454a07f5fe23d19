import { AccountResult, MatrixResult } from '../engine/result';
import { groupSections, groupSummary } from './private/account-sections';
import { shortAddress } from './private/format';
import { changeLines } from './private/plan-diff';
import { details, escapeText, fence, hiddenComment, inlineCode, table } from './private/markdown';
import { GITHUB_BODY_LIMIT, SAFETY_MARGIN } from './pr-comment';

const MARKER_PREFIX = 'session-manager-role:drift-issue';

/** What one drift issue tracks: a whole config, or (with one issue per account) one account of it. */
export interface DriftScope {
  readonly config: string;
  readonly accountId?: string;
}

/** The hidden line that identifies the drift issue of a scope, so that every check finds the same issue. */
export function driftIssueMarker(scope: DriftScope): string {
  return hiddenComment(`${MARKER_PREFIX} ${JSON.stringify(scope.accountId ? [scope.config, scope.accountId] : [scope.config])}`);
}

export function driftIssueTitle(result: MatrixResult, scope: DriftScope): string {
  const account = scope.accountId ? result.accounts.find((candidate) => candidate.id === scope.accountId) : undefined;
  return account ? `Drift in AWS account ${account.name} (${account.id})` : `Drift in AWS accounts of ${scope.config}`;
}

/** Accounts of the scope, in the result's order. */
export function scopedAccounts(result: MatrixResult, scope: DriftScope): AccountResult[] {
  return result.accounts.filter((account) => !scope.accountId || account.id === scope.accountId);
}

/** Whether the scope has drift: changes made outside Terraform (configuration not yet applied is not drift). */
export function hasDrift(result: MatrixResult, scope: DriftScope): boolean {
  return scopedAccounts(result, scope).some((account) => account.drift.length > 0);
}

export interface DriftIssueContext {
  readonly runUrl?: string;
  /** When the check ran, as the issue says it. */
  readonly checkedAt: string;
}

/**
 * The body of a drift issue: which accounts drifted, each changed resource with the attributes that changed (the
 * last applied value against what is there now), and, apart from that, configuration not yet applied.
 */
export function renderDriftIssue(result: MatrixResult, scope: DriftScope, context: DriftIssueContext): string {
  const accounts = scopedAccounts(result, scope);
  const drifted = accounts.filter((account) => account.drift.length > 0);
  const pending = accounts.filter((account) => account.changes.some((change) => change.cause !== 'drift'));
  const unchecked = accounts.filter((account) => ['failed', 'cancelled'].includes(account.status));
  const run = context.runUrl ? `[the scheduled check](${context.runUrl})` : 'the scheduled check';
  const parts = [
    driftIssueMarker(scope),
    `${run} of ${inlineCode(scope.config)} on ${escapeText(context.checkedAt)} found changes made outside Terraform in **${drifted.length} of ${accounts.length} account${accounts.length === 1 ? '' : 's'}**. This issue is updated by every check and closed by the first one that finds no drift.`,
    table(
      ['Account', 'ID', 'Changed outside Terraform', 'Configuration not yet applied'],
      new Set(),
      [...new Set([...drifted, ...pending])].map((account) => [
        escapeText(account.name),
        account.id,
        account.drift.map((entry) => `${inlineCode(shortAddress(entry.address))} ${entry.action === 'delete' ? 'deleted' : entry.attributes.map((a) => a.name).join(', ')}`).join('<br>') || '—',
        pendingChanges(account).map((change) => inlineCode(shortAddress(change.address))).join('<br>') || '—',
      ]),
    ),
    '### Changed outside Terraform',
    'Each resource as Terraform last applied it (`-`) and as it is now (`+`). Applying the configuration reverts these changes; to keep one, change the configuration instead.',
    ...groupSections(drifted.map(withoutChanges), 'full').map((group) => details(groupSummary(group, false), group.body)),
  ];
  if (pending.length > 0) {
    parts.push(
      '### Configuration not yet applied',
      'Not drift: changes in the configuration that no apply has made yet.',
      ...pending.map((account) => details(`${account.name} (${account.id})`, fence(pendingChanges(account).flatMap((change) => changeLines(change)).join('\n'), 'diff'))),
    );
  }
  if (unchecked.length > 0) {
    parts.push('### Not checked', unchecked.map((account) => `- ${escapeText(account.name)} (${account.id}): ${escapeText(account.error?.message.split('\n')[0] ?? account.status)}`).join('\n'));
  }
  const body = `${parts.join('\n\n')}\n`;
  return body.length < GITHUB_BODY_LIMIT - SAFETY_MARGIN ? body : shortened(parts.slice(0, 3), run);
}

/** The comment that closes a drift issue. */
export function renderDriftResolved(result: MatrixResult, context: DriftIssueContext): string {
  return `${scheduledCheck(context)} on ${escapeText(context.checkedAt)} (run ${escapeText(result.run.id)}) found no drift: closing.\n`;
}

/** The comment on a closed drift issue that drift has come back to. */
export function renderDriftReopened(result: MatrixResult, context: DriftIssueContext): string {
  return `${scheduledCheck(context)} on ${escapeText(context.checkedAt)} (run ${escapeText(result.run.id)}) found drift again: reopening.\n`;
}

function scheduledCheck(context: DriftIssueContext): string {
  return context.runUrl ? `[The scheduled check](${context.runUrl})` : 'The scheduled check';
}

function pendingChanges(account: AccountResult) {
  return account.changes.filter((change) => change.cause !== 'drift');
}

/** The account as far as drift goes: its sections then show drift only. */
function withoutChanges(account: AccountResult): AccountResult {
  return { ...account, changes: [], error: undefined, reason: undefined };
}

function shortened(head: readonly string[], run: string): string {
  return `${head.join('\n\n')}\n\nThe details do not fit in an issue: see the job summary of ${run}.\n`;
}
