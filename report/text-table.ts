import { AccountResult, MatrixResult } from '../engine/result';
import { ACTION_SYMBOL, STATUS_LABEL, formatSeconds, headline, shortAddress, shortFingerprint } from './private/format';

/** Paints text for a terminal; the identity when colour is off. */
export type Paint = (style: 'red' | 'green' | 'yellow' | 'magenta' | 'dim' | 'bold', text: string) => string;

export const NO_PAINT: Paint = (_style, text) => text;

const STATUS_STYLE: Record<AccountResult['status'], Parameters<Paint>[0]> = {
  no_changes: 'green',
  applied: 'green',
  changes: 'yellow',
  skipped: 'dim',
  refused: 'red',
  failed: 'red',
  cancelled: 'red',
};

const COLUMNS = ['ACCOUNT', 'ID', 'VARIANT', 'STATUS', 'ADD', 'CHANGE', 'DESTROY', 'REPLACE', 'DRIFT', 'TIME'];

/** The summary table of a result, then what each account with something to say has to say, for a terminal. */
export function renderTextReport(result: MatrixResult, paint: Paint = NO_PAINT): string {
  const rows = result.accounts.map((account) => [
    account.name,
    account.id,
    account.variant,
    STATUS_LABEL[account.status],
    String(account.counts.add),
    String(account.counts.change),
    String(account.counts.destroy),
    String(account.counts.replace),
    String(account.drift.length),
    formatSeconds(account.duration_ms),
  ]);
  const widths = COLUMNS.map((column, index) => Math.max(column.length, ...rows.map((row) => row[index].length)));
  const pad = (cell: string, index: number) => (index >= 4 ? cell.padStart(widths[index]) : cell.padEnd(widths[index]));
  const STATUS_COLUMN = 3;
  const table = [
    paint('bold', COLUMNS.map(pad).join('  ').trimEnd()),
    ...rows.map((row, rowIndex) =>
      row
        .map((cell, index) => (index === STATUS_COLUMN ? paint(STATUS_STYLE[result.accounts[rowIndex].status], pad(cell, index)) : pad(cell, index)))
        .join('  ')
        .trimEnd(),
    ),
  ];
  const details = result.accounts.flatMap((account) => accountDetails(account, paint));
  const footer = `${headline(result)}. Fingerprint ${shortFingerprint(result.fingerprint)} (${result.command}, run ${result.run.id}, ${formatSeconds(result.run.duration_ms)}).`;
  return [...table, '', ...(details.length > 0 ? [...details, ''] : []), footer, ''].join('\n');
}

function accountDetails(account: AccountResult, paint: Paint): string[] {
  const lines: string[] = [];
  if (account.error) lines.push(paint('red', `  ${account.status} during ${account.error.phase}:`), ...indent(account.error.message, 4));
  if (account.reason && account.status !== 'skipped') lines.push(`  ${account.status}: ${account.reason}`);
  for (const drift of account.drift) {
    const what = drift.action === 'delete' ? 'deleted outside Terraform' : `changed outside Terraform: ${drift.attributes.map((a) => a.name).join(', ')}`;
    lines.push(paint('magenta', `  ! ${shortAddress(drift.address)} ${what}`));
  }
  for (const change of account.changes) {
    const attributes = change.action === 'update' ? `: ${change.attributes.map((a) => a.name).join(', ')}` : '';
    const cause = change.cause === 'drift' ? ' (undoes drift)' : change.cause === 'both' ? ' (undoes drift, applies configuration)' : '';
    lines.push(`  ${ACTION_SYMBOL[change.action]} ${shortAddress(change.address)} ${change.action}${attributes}${cause}`);
  }
  return lines.length === 0 ? [] : [paint('bold', `${account.name} (${account.id})`), ...lines];
}

function indent(text: string, spaces: number): string[] {
  return text.split('\n').map((line) => `${' '.repeat(spaces)}${line}`);
}
