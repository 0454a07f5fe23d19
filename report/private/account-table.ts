import { AccountResult } from '../../engine/result';
import { MISSES_BEFORE_FULL, byImportance, importance } from './account-sections';
import { Budget, joinedSize } from './budget';
import { accountCount, formatNumber } from './format';
import { details, escapeText, tableHeader, tableRow } from './markdown';

/** What a report's account table shows, and how it counts accounts together when it must. */
export interface AccountTableSpec {
  readonly header: readonly string[];
  readonly alignRight: ReadonlySet<number>;
  /** The cells of a row: one account's, or (with a label, plain text) those of several accounts counted together. */
  cells(accounts: readonly AccountResult[], label?: string): readonly string[];
  /** The last row, over every account of the table (totals), if the table has one. */
  total?(accounts: readonly AccountResult[]): readonly string[] | undefined;
  /** For accounts never given a row of their own: what their shared row says they are ("not planned: ..."). */
  folded(account: AccountResult): string | undefined;
  /**
   * Accounts with nothing to report, the first counted together when the table does not fit, and what their row
   * says they are ("with no changes and no drift").
   */
  readonly quiet?: { readonly test: (account: AccountResult) => boolean; readonly label: string };
  /** Equal for accounts whose plans are identical but for the account itself; undefined for one never grouped. */
  planKey(account: AccountResult): string | undefined;
  /** How a row of accounts with identical plans names them, before its first account's name: "same plan as". */
  readonly sameAs: string;
  /** What each account of a row of identical plans does, after its label (": +6 ~0 -0 ±0 each"), if anything. */
  each?(account: AccountResult): string;
  /** What a row of the accounts left over says they are ("with changes"): one row for each. */
  kind(account: AccountResult): string;
}

/** A row: one account, or several counted together under a label (plain text), their names listed after the table. */
interface Row {
  readonly accounts: readonly AccountResult[];
  readonly label?: string;
  /** The row as markdown, once. */
  line?: string;
}

function foldedRows(accounts: readonly AccountResult[], describe: (account: AccountResult) => string | undefined, more = ''): Row[] {
  const folds = new Map<string, AccountResult[]>();
  for (const account of accounts) {
    const description = describe(account);
    if (description !== undefined) (folds.get(description) ?? folds.set(description, []).get(description)!).push(account);
  }
  return [...folds].map(([description, members]) => ({ accounts: members, label: `${formatNumber(members.length)} ${more}${members.length === 1 ? 'account' : 'accounts'} ${description}` }));
}

/**
 * The account table of a report, to be fitted in a room: every account in it, a row each or counted in a row with
 * others. When the rows do not fit, the table degrades in steps: quiet accounts counted in one row; then accounts
 * with identical plans in one row each ("812 accounts, same plan as prod-eu"); then the most important rows kept and
 * the others counted by kind. A row of several accounts has their names in a collapsible list after the table, while
 * that fits (most important first). Rows are made once, however many rooms the table is tried in.
 */
export function accountTable(accounts: readonly AccountResult[], spec: AccountTableSpec, budget: Budget): (room: number) => string {
  const fixed = foldedRows(accounts, (account) => spec.folded(account));
  const shown = accounts.filter((account) => spec.folded(account) === undefined);
  const isQuiet = (account: AccountResult) => spec.quiet?.test(account) ?? false;
  const loud = shown.filter((account) => !isQuiet(account));
  const quiet = foldedRows(shown.filter(isQuiet), () => spec.quiet!.label);
  const single = new Map(shown.map((account) => [account, { accounts: [account] } as Row]));
  const total = spec.total?.(accounts);
  const head = tableHeader(spec.header, spec.alignRight);
  const newline = budget.measure('\n');
  const line = (row: Row) => (row.line ??= tableRow(spec.cells(row.accounts, row.label)));
  const rowsSize = (rows: readonly Row[]) => rows.reduce((size, row) => size + budget.measure(line(row)) + newline, 0);
  const frame = budget.measure(head) + (total ? budget.measure(tableRow(total)) + newline : 0);
  // No row is shorter than `| x | y |` with one character a cell: steps that cannot fit are not built.
  const shortestRow = 4 * spec.header.length + newline;
  let groups: Row[] | undefined;
  const steps: (() => Row[])[] = [
    () => [...shown.map((account) => single.get(account)!), ...fixed],
    () => [...loud.map((account) => single.get(account)!), ...quiet, ...fixed],
    () => [...(groups ??= grouped(loud, spec, single)), ...quiet, ...fixed],
  ];
  const sizes: number[] = [];

  return (room) => {
    let rows: Row[] | undefined;
    for (const [index, step] of steps.entries()) {
      if (sizes[index] !== undefined && frame + sizes[index] > room) continue;
      const candidate = step();
      if (frame + candidate.length * shortestRow > room) continue;
      sizes[index] ??= rowsSize(candidate);
      if (frame + sizes[index] <= room) {
        rows = candidate;
        break;
      }
    }
    rows ??= mostImportant((groups ??= grouped(loud, spec, single)), [...quiet, ...fixed], spec, room - frame, budget, line);
    const text = [head, ...rows.map(line), ...(total ? [tableRow(total)] : [])].join('\n');
    return [text, ...namesWithin(rows, room - budget.measure(text), budget)].join('\n\n');
  };
}

/** Accounts with identical plans in one row each, where their first account is; the others a row each. */
function grouped(accounts: readonly AccountResult[], spec: AccountTableSpec, single: ReadonlyMap<AccountResult, Row>): Row[] {
  const byKey = new Map<string, AccountResult[]>();
  for (const account of accounts) {
    const key = spec.planKey(account);
    if (key !== undefined) (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(account);
  }
  const rows: Row[] = [];
  for (const account of accounts) {
    const key = spec.planKey(account);
    const members = key === undefined ? [account] : byKey.get(key)!;
    if (members.length === 1) rows.push(single.get(account)!);
    else if (members[0] === account) {
      const each = spec.each ? `: ${spec.each(account)} each` : '';
      rows.push({ accounts: members, label: `${accountCount(members.length)}, ${spec.sameAs} ${account.name}${each}` });
    }
  }
  return rows;
}

/** The most important rows that fit in `room` with the fixed rows, in their order; the others counted by kind. */
function mostImportant(rows: readonly Row[], fixed: readonly Row[], spec: AccountTableSpec, room: number, budget: Budget, line: (row: Row) => string): Row[] {
  const newline = budget.measure('\n');
  const size = (row: Row) => budget.measure(line(row)) + newline;
  // Room for the rows of left-over accounts, at their largest: every account left over.
  const reserve = [...fixed, ...foldedRows(rows.flatMap((row) => row.accounts), (account) => spec.kind(account), 'more ')].reduce((total, row) => total + size(row), 0);
  const kept = new Set<Row>();
  let used = reserve;
  let misses = 0;
  // The most important first; of equal importance, the rows that count most accounts (the common plan's row).
  const ranks = rows.map((row) => importance(row.accounts[0]));
  const order = rows.map((_, index) => index).sort((a, b) => ranks[a] - ranks[b] || rows[b].accounts.length - rows[a].accounts.length || a - b);
  for (const index of order) {
    const rowSize = size(rows[index]);
    if (used + rowSize <= room) {
      kept.add(rows[index]);
      used += rowSize;
      misses = 0;
    } else if (++misses >= MISSES_BEFORE_FULL) break;
  }
  const left = rows.filter((row) => !kept.has(row)).flatMap((row) => row.accounts);
  return [...rows.filter((row) => kept.has(row)), ...foldedRows(left, (account) => spec.kind(account), 'more '), ...fixed];
}

/** The names of the accounts of each row of several, as collapsible lists, most important first, while they fit. */
function namesWithin(rows: readonly Row[], room: number, budget: Budget): string[] {
  const folds = rows.filter((row) => row.label !== undefined);
  const lists = folds.map((row) => details(row.label!, row.accounts.map((account) => escapeText(account.name)).join(', ')));
  const kept = new Set<number>();
  let used = 0;
  for (const index of byImportance(folds, (row) => importance(row.accounts[0]))) {
    const size = joinedSize(budget, ['', lists[index]]);
    if (used + size > room) continue;
    kept.add(index);
    used += size;
  }
  return lists.filter((_, index) => kept.has(index));
}
