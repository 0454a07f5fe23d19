import { AccountResult, ChangeAction, ChangeCounts, MatrixResult } from '../../engine/result';
import { MODULE_BLOCK } from '../../engine/root-module';

/** Resource addresses without the module prefix every account shares: `aws_iam_role.this`. */
export function shortAddress(address: string): string {
  const prefix = `module.${MODULE_BLOCK}.`;
  return address.startsWith(prefix) ? address.slice(prefix.length) : address;
}

export const ACTION_SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', delete: '-', replace: '-/+', 'no-op': ' ' };

/** Status words as reports show them. */
export const STATUS_LABEL: Record<AccountResult['status'], string> = {
  no_changes: 'no changes',
  changes: 'changes',
  applied: 'applied',
  skipped: 'skipped',
  refused: 'refused',
  failed: 'failed',
  cancelled: 'cancelled',
};

export function formatSeconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** `+add ~change -destroy ±replace`, the way the reports count a plan. */
export function formatCounts(counts: ChangeCounts): string {
  return `+${counts.add} ~${counts.change} -${counts.destroy} ±${counts.replace}`;
}

/** A count as reports write it: `4,188`. */
export function formatNumber(count: number): string {
  // Not toLocaleString: at thousands of rows its cost shows.
  return String(count).replace(/\B(?=(\d{3})+$)/g, ',');
}

/** `1 account`, `4,188 accounts`. */
export function accountCount(count: number): string {
  return `${formatNumber(count)} account${count === 1 ? '' : 's'}`;
}

export const shortFingerprint = (fingerprint: string) => fingerprint.slice(0, 12);

/** One sentence on the whole result: what a reader needs before any table. */
export function headline(result: MatrixResult): string {
  const { summary } = result;
  const status = summary.by_status;
  const parts = [accountCount(summary.accounts)];
  const add = (count: number, text: string) => count > 0 && parts.push(`${formatNumber(count)} ${text}`);
  if (result.command === 'apply') add(status.applied, 'applied');
  else add(status.changes, 'with changes');
  add(summary.with_drift, 'with drift');
  add(status.no_changes, 'unchanged');
  add(status.skipped, 'skipped');
  add(status.refused, 'refused');
  add(status.failed, 'failed');
  add(status.cancelled, 'cancelled');
  return parts.join(', ');
}
