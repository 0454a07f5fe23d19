import { generalise } from '../engine/fingerprint';
import { AccountResult, MatrixResult } from '../engine/result';
import { SectionGroup, fullSize, groupSections, groupSummary, sectionsWithin, someNames } from './private/account-sections';
import { AccountTableSpec, accountTable } from './private/account-table';
import { bodyBudget, joinedSize, shareRoom } from './private/budget';
import { accountCount, formatNumber, shortAddress } from './private/format';
import { escapeText, hiddenComment, inlineCode } from './private/markdown';

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

/** The first line of an error, as a table cell quotes it. */
function firstLine(text: string): string {
  const line = text.split('\n')[0];
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

function unchecked(account: AccountResult): boolean {
  return account.status === 'failed' || account.status === 'cancelled';
}

function driftCell(account: AccountResult): string {
  if (unchecked(account)) return escapeText(`not checked: ${account.status}${account.error ? ` during ${account.error.phase}: ${firstLine(account.error.message)}` : ''}`);
  return account.drift.map((entry) => `${inlineCode(shortAddress(entry.address))} ${entry.action === 'delete' ? 'deleted' : entry.attributes.map((a) => a.name).join(', ')}`).join('<br>') || '—';
}

function pendingCell(account: AccountResult): string {
  return pendingChanges(account).map((change) => inlineCode(shortAddress(change.address))).join('<br>') || '—';
}

/** The drift table: a row for each account with drift, configuration not yet applied, or that could not be checked. */
function driftTable(keys: ReadonlyMap<AccountResult, string>): AccountTableSpec {
  const resources = (count: number) => (count > 0 ? `${formatNumber(count)} resource${count === 1 ? '' : 's'} in all` : '—');
  return {
    header: ['Account', 'ID', 'Changed outside Terraform', 'Configuration not yet applied'],
    alignRight: new Set(),
    cells: (accounts, label) => {
      const [first] = accounts;
      if (label === undefined) return [escapeText(first.name), first.id, driftCell(first), pendingCell(first)];
      // Accounts counted together: what they share, when their drift is identical; else how much there is.
      if (accounts.every((account) => keys.get(account) === keys.get(first))) return [escapeText(label), '—', driftCell(first), pendingCell(first)];
      const drift = accounts.reduce((total, account) => total + account.drift.length, 0);
      const pending = accounts.reduce((total, account) => total + pendingChanges(account).length, 0);
      return [escapeText(label), '—', resources(drift), resources(pending)];
    },
    folded: (account) => {
      if (account.status === 'skipped') return 'not checked (skipped)';
      return keys.has(account) ? undefined : 'without drift or configuration not yet applied';
    },
    planKey: (account) => keys.get(account),
    sameAs: 'same as',
    kind: (account) => (unchecked(account) ? 'not checked' : account.drift.length > 0 ? 'with drift' : 'with configuration not yet applied'),
  };
}

/**
 * The body of a drift issue: which accounts drifted, each changed resource with the attributes that changed (the
 * last applied value against what is there now), and, apart from that, configuration not yet applied. Within
 * GitHub's limit at any size, every account of the scope in the table (a row, or counted in one): the table gets what
 * the sections at full detail leave, and at least half the room; the sections are shortened, then counted.
 */
export function renderDriftIssue(result: MatrixResult, scope: DriftScope, context: DriftIssueContext): string {
  const budget = bodyBudget();
  const accounts = scopedAccounts(result, scope);
  const drifted = accounts.filter((account) => account.drift.length > 0);
  const pending = accounts.filter((account) => pendingChanges(account).length > 0);
  const run = context.runUrl ? `[the scheduled check](${context.runUrl})` : 'the scheduled check';
  const head = [
    driftIssueMarker(scope),
    `${run} of ${inlineCode(scope.config)} on ${escapeText(context.checkedAt)} found changes made outside Terraform in **${formatNumber(drifted.length)} of ${accountCount(accounts.length)}**. This issue is updated by every check and closed by the first one that finds no drift.`,
  ];
  const driftGroups = groupSections(drifted.map(withoutChanges));
  const pendingGroups = groupSections(pending.map(onlyPending));
  const keys = tableKeys(accounts, driftGroups, pendingGroups);
  const driftHead = [
    '### Changed outside Terraform',
    'Each resource as Terraform last applied it (`-`) and as it is now (`+`). Applying the configuration reverts these changes; to keep one, change the configuration instead.',
  ];
  const pendingHead = pending.length > 0 ? ['### Configuration not yet applied', 'Not drift: changes in the configuration that no apply has made yet.'] : [];
  const note = (omitted: number) => `> [!NOTE]\n> The details of ${accountCount(omitted)} did not fit in this issue: see the job summary of ${run}.`;
  const pendingSummary = (group: SectionGroup) => {
    const [first, ...others] = group.accounts;
    if (others.length === 0) return `${first.name} (${first.id})`;
    return `${accountCount(group.accounts.length)} ${group.valuesDiffer ? 'changing the same resources (values differ)' : 'with the same changes'}: ${someNames(group.accounts, 600)}`;
  };
  const driftSummary = (group: SectionGroup) => groupSummary(group, 'drift');

  const room = budget.limit - joinedSize(budget, [...head, '', ...driftHead, '', ...pendingHead, '', `${note(accounts.length)}\n`]);
  const { table, fitted } = shareRoom(budget, room, 1 / 2, {
    fullSize: (cap) => {
      const drift = fullSize(driftGroups, budget, cap, driftSummary);
      return drift + budget.measure('\n\n') + fullSize(pendingGroups, budget, cap - drift, pendingSummary);
    },
    table: accountTable(accounts, driftTable(keys), budget),
    sections: (sectionsRoom) => {
      // Drift first: configuration not yet applied gets what drift leaves.
      const drift = sectionsWithin(driftGroups, budget, sectionsRoom, driftSummary);
      const pendingRoom = sectionsRoom - joinedSize(budget, ['', ...drift.sections]);
      const pendingFitted = sectionsWithin(pendingGroups, budget, pendingRoom, pendingSummary);
      const omitted = new Set([...drift.omitted, ...pendingFitted.omitted].map((account) => account.id));
      return { drift: drift.sections, pending: pendingFitted.sections, sections: [...drift.sections, ...pendingFitted.sections], omitted: omitted.size };
    },
  });
  const parts = [
    ...head,
    table,
    ...driftHead,
    ...fitted.drift,
    ...(pending.length > 0 ? [...pendingHead, ...fitted.pending] : []),
    ...(fitted.omitted > 0 ? [note(fitted.omitted)] : []),
  ];
  return `${parts.join('\n\n')}\n`;
}

/** What the table groups accounts by: identical drift and identical configuration not yet applied, or the same error. */
function tableKeys(accounts: readonly AccountResult[], driftGroups: readonly SectionGroup[], pendingGroups: readonly SectionGroup[]): Map<AccountResult, string> {
  const byId = (groups: readonly SectionGroup[]) => new Map(groups.flatMap((group, index) => group.accounts.map((account) => [account.id, index] as const)));
  const drift = byId(driftGroups);
  const pending = byId(pendingGroups);
  const keys = new Map<AccountResult, string>();
  for (const account of accounts) {
    if (unchecked(account)) keys.set(account, `unchecked ${account.status} ${generalise(account.error ? firstLine(account.error.message) : '', account)}`);
    else if (drift.has(account.id) || pending.has(account.id)) keys.set(account, `${drift.get(account.id) ?? '-'} ${pending.get(account.id) ?? '-'}`);
  }
  return keys;
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
  return { ...account, changes: [], plan_shape: undefined, error: undefined, reason: undefined };
}

/** The account as far as configuration not yet applied goes (its plan shape covers other changes: it goes too). */
function onlyPending(account: AccountResult): AccountResult {
  return { ...account, changes: pendingChanges(account), plan_shape: undefined, drift: [], error: undefined, reason: undefined };
}
