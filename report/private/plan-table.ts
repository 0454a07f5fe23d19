/**
 * What the plan reports (the pull request comment and the job summary) share: the account table, the grouping of
 * identical plans, and the callout of destructive changes.
 */
import { AccountResult, MatrixResult, ResourceChange } from '../../engine/result';
import { SectionGroup, groupSections } from './account-sections';
import { AccountTableSpec } from './account-table';
import { STATUS_LABEL, accountCount, formatCounts, formatNumber, formatSeconds, shortAddress, shortFingerprint } from './format';
import { escapeText, inlineCode } from './markdown';

const STATUS_ICON: Record<AccountResult['status'], string> = {
  no_changes: '✅',
  changes: '📝',
  applied: '✅',
  skipped: '⏭️',
  refused: '⛔',
  failed: '❌',
  cancelled: '🚫',
};

/**
 * What a row of left-over accounts of one status says they are: "1,234 more accounts with changes". Accounts without
 * changes are left over only when they have drift: the others are counted as quiet before.
 */
const STATUS_KIND: Record<AccountResult['status'], string> = {
  no_changes: 'with drift',
  changes: 'with changes',
  applied: 'applied',
  skipped: 'not planned',
  refused: 'refused',
  failed: 'that failed',
  cancelled: 'cancelled',
};

/** The different values of accounts, in order, as one cell. */
function distinct(accounts: readonly AccountResult[], value: (account: AccountResult) => string): string {
  return [...new Set(accounts.map(value))].join(', ');
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}

/** The count columns of a row: the sums over its accounts (the account's own counts in a row of one). */
function countCells(accounts: readonly AccountResult[]): string[] {
  const drift = sum(accounts, (account) => account.drift.length);
  return [
    ...(['add', 'change', 'destroy', 'replace'] as const).map((key) => formatNumber(sum(accounts, (account) => account.counts[key]))),
    drift > 0 ? `⚠️ ${formatNumber(drift)}` : '0',
  ];
}

/** A reason as a row's label quotes it: one line, not too long. */
function quoted(reason: string): string {
  const line = reason.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * The account table of a plan report: a row per account (skipped ones counted in one row), or, when that does not fit,
 * accounts counted together (see accountTable); a total row last. With `runColumns`, each account's short
 * fingerprint and time too (the job summary).
 */
export function planTable(result: MatrixResult, keys: ReadonlyMap<AccountResult, string>, runColumns = false): AccountTableSpec {
  const skipped = result.accounts.filter((account) => account.status === 'skipped');
  const reasons = new Set(skipped.map((account) => account.reason ?? ''));
  const skippedLabel = reasons.size === 1 && skipped[0].reason ? `not planned: ${quoted(skipped[0].reason)}` : 'not planned';
  return {
    header: ['Account', 'ID', 'Variant', 'Status', 'Add', 'Change', 'Destroy', 'Replace', 'Drift', ...(runColumns ? ['Fingerprint', 'Time'] : [])],
    alignRight: new Set([4, 5, 6, 7, 8, ...(runColumns ? [10] : [])]),
    cells: (accounts, label) => {
      const [account] = accounts;
      const status = distinct(accounts, (each) => `${STATUS_ICON[each.status]} ${STATUS_LABEL[each.status]}`);
      const who = label === undefined ? [escapeText(account.name), account.id] : [escapeText(label), '—'];
      const run = label === undefined ? [account.fingerprint ? inlineCode(shortFingerprint(account.fingerprint)) : '—', formatSeconds(account.duration_ms)] : ['—', '—'];
      return [...who, distinct(accounts, (each) => each.variant), status, ...countCells(accounts), ...(runColumns ? run : [])];
    },
    total: (accounts) => (accounts.length > 1 ? ['**Total**', '', '', '', ...countCells(accounts), ...(runColumns ? ['', ''] : [])] : undefined),
    folded: (account) => (account.status === 'skipped' ? skippedLabel : undefined),
    quiet: { test: (account) => account.status === 'no_changes' && account.drift.length === 0, label: 'with no changes and no drift' },
    planKey: (account) => keys.get(account),
    sameAs: 'same plan as',
    each: (account) => formatCounts(account.counts),
    kind: (account) => STATUS_KIND[account.status],
  };
}

const planGroupsOf = new WeakMap<MatrixResult, { readonly groups: readonly SectionGroup[]; readonly keys: ReadonlyMap<AccountResult, string> }>();

/**
 * Section groups of the accounts that ran, and each account's group key (what identical plans share). Kept for the
 * result: the comment and the job summary of one result share the grouping and the sections rendered.
 */
export function planGroups(result: MatrixResult) {
  const known = planGroupsOf.get(result);
  if (known) return known;
  const groups = groupSections(result.accounts.filter((account) => account.status !== 'skipped'));
  const keys = new Map(groups.flatMap((group) => group.accounts.map((account) => [account, group.key] as const)));
  planGroupsOf.set(result, { groups, keys });
  return { groups, keys };
}

/** How much of the destructive changes a report lists before it counts the rest. */
export interface CalloutLimits {
  /** Lines (accounts, or accounts destroying the same resources) listed. */
  readonly lines: number;
  /** Account names on one line. */
  readonly names: number;
  /** Where the rest is listed, for "and 12 more accounts (see ...)". */
  readonly elsewhere: string;
}

/** Resources listed on one line of the callout before the rest are counted. */
const CALLOUT_RESOURCES = 6;

/**
 * Destroyed and replaced resources: what a reviewer must see before anything else. One line per set of destroyed
 * resources, with the accounts that destroy them; what does not fit is counted, with where to see it.
 */
export function destructiveCallout(result: MatrixResult, limits: CalloutLimits = { lines: 10, names: 5, elsewhere: 'the job summary' }): string | undefined {
  // Accounts by what they destroy, as plain text first: only the lines shown are rendered.
  const lines = new Map<string, { accounts: AccountResult[]; destructive: readonly ResourceChange[] }>();
  let total = 0;
  for (const account of result.accounts) {
    const destructive = account.changes.filter((change) => change.action === 'delete' || change.action === 'replace');
    if (destructive.length === 0) continue;
    total += destructive.length;
    const key = destructive.map((change) => `${change.action} ${change.address}`).join('\n');
    (lines.get(key) ?? lines.set(key, { accounts: [], destructive }).get(key)!).accounts.push(account);
  }
  if (lines.size === 0) return undefined;
  const accounts = sum([...lines.values()], (line) => line.accounts.length);
  const shown = [...lines.values()].slice(0, limits.lines);
  const left = accounts - sum(shown, (line) => line.accounts.length);
  const who = (members: readonly AccountResult[]) => {
    if (members.length === 1) return `${escapeText(members[0].name)} (${members[0].id})`;
    const named = members.slice(0, limits.names).map((account) => escapeText(account.name));
    const more = members.length > limits.names ? ` and ${formatNumber(members.length - limits.names)} more` : '';
    return `${accountCount(members.length)} (${named.join(', ')}${more})`;
  };
  const what = (destructive: readonly ResourceChange[]) => {
    const listed = destructive.slice(0, CALLOUT_RESOURCES).map((change) => `${change.action === 'delete' ? 'destroys' : 'replaces'} ${inlineCode(shortAddress(change.address))}`);
    return [...listed, ...(destructive.length > CALLOUT_RESOURCES ? [`and ${formatNumber(destructive.length - CALLOUT_RESOURCES)} more`] : [])].join(', ');
  };
  return [
    '> [!CAUTION]',
    `> **${formatNumber(total)} resource${total === 1 ? '' : 's'} in ${accountCount(accounts)} will be destroyed or replaced.**`,
    ...shown.map((line) => `> - ${who(line.accounts)}: ${what(line.destructive)}`),
    ...(left > 0 ? [`> - and ${accountCount(left)} more (see ${limits.elsewhere})`] : []),
  ].join('\n');
}
