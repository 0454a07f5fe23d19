import { matrixFingerprint } from './fingerprint';
import { ACCOUNT_STATUSES, AccountResult, AccountStatus, Command, MatrixResult, NO_CHANGES, RESULT_VERSION, RunInfo, SummaryCounts } from './result';
import { TOOL_VERSION } from './version';

/** An account that was not planned, with the reason, as results list it. */
export function skippedResult(account: Pick<AccountResult, 'id' | 'name' | 'variant' | 'region'>, reason: string): AccountResult {
  return {
    id: account.id,
    name: account.name,
    variant: account.variant,
    region: account.region,
    status: 'skipped',
    reason,
    counts: NO_CHANGES,
    changes: [],
    drift: [],
    outputs: [],
    duration_ms: 0,
    phases: [],
  };
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
