import { join } from 'node:path';
import { AccountResult, MatrixResult } from '../../engine/result';
import { assembleResult } from '../../engine/result-assembly';
import { writeResult } from '../../engine/result-file';
import { shardAccounts } from '../../engine/shard';
import { asAccount, fixtureResult, unchangedAccount } from './results';

/** What a drift check found in one account: the real drift of two different accounts, none, or a failure. */
export type DriftState = 'drift' | 'other-drift' | 'none' | 'failed';

/** The id and name of the generated account at `index` (0-based). */
export function generatedAccount(index: number): { readonly id: string; readonly name: string } {
  return { id: String(300_000_000_000 + index), name: `account-${String(index + 1).padStart(4, '0')}` };
}

/**
 * The accounts of a drift check of `count` accounts, built from the accounts of a real drift check (and a real
 * failure): `state(index)` says which each is. Accounts left out of the list are accounts removed from the config.
 */
export function driftCheckAccounts(indexes: readonly number[], state: (index: number) => DriftState): AccountResult[] {
  const drift = fixtureResult('drift-mixed').accounts;
  const templates: Record<Exclude<DriftState, 'none'>, AccountResult> = {
    drift: drift.find((account) => account.name === 'fresh')!,
    'other-drift': drift.find((account) => account.name === 'dev2')!,
    failed: fixtureResult('plan-mixed').accounts.find((account) => account.status === 'failed')!,
  };
  return indexes.map((index) => {
    const { id, name } = generatedAccount(index);
    const kind = state(index);
    return kind === 'none' ? unchangedAccount(id, name) : asAccount(templates[kind], id, name);
  });
}

/** 0, 1, ... count - 1. */
export function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}

/** The merged result of one drift run over these accounts, as `report` builds it from the shards. */
export function driftResult(accounts: readonly AccountResult[], runId: string): MatrixResult {
  const { run } = fixtureResult('drift-mixed');
  return assembleResult('drift', accounts, { ...run, id: runId });
}

/** Writes the accounts as the result files of `shards` jobs of one drift run (`--shard i/n`), as `report` reads them. */
export function writeDriftShards(dir: string, accounts: readonly AccountResult[], shards: number, runId: string): void {
  const { run } = fixtureResult('drift-mixed');
  for (let index = 1; index <= shards; index += 1) {
    const shard = { index, count: shards };
    writeResult(join(dir, `drift-${index}.json`), assembleResult('drift', shardAccounts(accounts, shard), { ...run, id: runId, shard }));
  }
}
