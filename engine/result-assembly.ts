import { matrixFingerprint } from './fingerprint';
import { ACCOUNT_STATUSES, AccountResult, AccountStatus, Command, MatrixResult, NO_CHANGES, RESULT_VERSION, RunInfo, SummaryCounts } from './result';
import { TOOL_VERSION } from './version';

type AccountIdentity = Pick<AccountResult, 'id' | 'name' | 'variant' | 'region'>;

/** An account with nothing planned: the shape of every result that did not get as far as a plan. */
function unplannedResult(account: AccountIdentity, status: AccountResult['status']): AccountResult {
  return { id: account.id, name: account.name, variant: account.variant, region: account.region, status, counts: NO_CHANGES, changes: [], drift: [], outputs: [], duration_ms: 0, phases: [] };
}

/** An account that was not planned, with the reason, as results list it. */
export function skippedResult(account: AccountIdentity, reason: string): AccountResult {
  return { ...unplannedResult(account, 'skipped'), reason };
}

/** An account stopped by an error before or around its Terraform steps (`phase` says where). */
export function failedResult(account: AccountIdentity, phase: string, message: string): AccountResult {
  return { ...unplannedResult(account, 'failed'), error: { phase, message } };
}

/** An account that a stop (a signal, or the end of the run) caught before it finished. */
export function cancelledResult(account: AccountIdentity, message: string): AccountResult {
  return { ...unplannedResult(account, 'cancelled'), error: { phase: 'run', message } };
}

/** The result document for accounts that ran (or were skipped); the summary and matrix fingerprint follow from them. */
export function assembleResult(command: Command, accounts: readonly AccountResult[], run: RunInfo): MatrixResult {
  return {
    version: RESULT_VERSION,
    tool: { name: 'session-manager-role', version: TOOL_VERSION },
    command,
    run,
    fingerprint: matrixFingerprint(accounts),
    summary: summarise(accounts),
    accounts,
  };
}

function summarise(accounts: readonly AccountResult[]): SummaryCounts {
  const sum = (key: keyof AccountResult['counts']) => accounts.reduce((total, account) => total + account.counts[key], 0);
  const byStatus = Object.fromEntries(ACCOUNT_STATUSES.map((status) => [status, 0])) as Record<AccountStatus, number>;
  for (const account of accounts) byStatus[account.status] += 1;
  return {
    accounts: accounts.length,
    by_status: byStatus,
    with_changes: accounts.filter((account) => account.changes.length > 0).length,
    with_drift: accounts.filter((account) => account.drift.length > 0).length,
    add: sum('add'),
    change: sum('change'),
    destroy: sum('destroy'),
    replace: sum('replace'),
    import: sum('import'),
    move: sum('move'),
  };
}
