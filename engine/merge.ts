import { MatrixConfig } from './config';
import { MatrixResult } from './result';
import { assembleResult } from './result-assembly';
import { runGroup } from './run-id';

/** Shard results that cannot be joined: every reason, so that one look fixes the job matrix. */
export class MergeError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`cannot merge the shard results:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'MergeError';
  }
}

/**
 * Joins the results of the shards of one run into the result a single run would have given. Refuses results of
 * different commands, shards missing or given twice, accounts in two shards, and (given the config) accounts no
 * shard covered.
 */
export function mergeResults(results: readonly MatrixResult[], config?: MatrixConfig): MatrixResult {
  const problems: string[] = [];
  if (results.length === 0) throw new MergeError(['no results given']);
  const commands = new Set(results.map((result) => result.command));
  if (commands.size > 1) problems.push(`the results are of different commands: ${[...commands].join(', ')}`);

  const counts = new Set(results.map((result) => result.run.shard?.count));
  if (results.some((result) => !result.run.shard)) problems.push('a result is not from a --shard run');
  else if (counts.size > 1) problems.push(`the results split the matrix differently: ${[...counts].map((n) => `${n} shards`).join(', ')}`);
  else {
    const count = results[0].run.shard!.count;
    const indexes = results.map((result) => result.run.shard!.index);
    for (let index = 1; index <= count; index += 1) {
      const found = indexes.filter((candidate) => candidate === index).length;
      if (found === 0) problems.push(`shard ${index}/${count} is missing`);
      if (found > 1) problems.push(`shard ${index}/${count} is given ${found} times`);
    }
  }

  const ordered = [...results].sort((a, b) => (a.run.shard?.index ?? 0) - (b.run.shard?.index ?? 0));
  problems.push(...mismatches(ordered));
  const accounts = ordered.flatMap((result) => result.accounts);
  const seen = new Map<string, number>();
  for (const account of accounts) seen.set(account.id, (seen.get(account.id) ?? 0) + 1);
  for (const [id, times] of seen) if (times > 1) problems.push(`account ${id} is in ${times} results`);
  for (const account of config?.accounts ?? []) {
    if (!seen.has(account.id)) problems.push(`account ${account.name} (${account.id}) is in no result`);
  }
  const known = new Set(config?.accounts.map((account) => account.id));
  if (config) for (const id of seen.keys()) if (!known.has(id)) problems.push(`account ${id} is not in ${config.path}`);
  if (problems.length > 0) throw new MergeError(problems);

  const order = new Map(config?.accounts.map((account) => [account.id, account.index]));
  const sorted = config ? [...accounts].sort((a, b) => order.get(a.id)! - order.get(b.id)!) : accounts;
  const started = Math.min(...results.map((result) => Date.parse(result.run.started_at)));
  const finished = Math.max(...results.map((result) => Date.parse(result.run.finished_at)));
  // A shard re-run in a later attempt of the same workflow run names the run by its latest attempt.
  const latest = [...ordered].sort((a, b) => Date.parse(b.run.finished_at) - Date.parse(a.run.finished_at))[0].run;
  const first = ordered[0].run;
  return assembleResult(ordered[0].command, sorted, {
    id: latest.id,
    config: first.config,
    terraform_version: first.terraform_version,
    parallelism: first.parallelism,
    ...(first.changed_since ? { changed_since: first.changed_since } : {}),
    ...(first.commit ? { commit: first.commit } : {}),
    ...(first.config_digest ? { config_digest: first.config_digest } : {}),
    started_at: new Date(started).toISOString(),
    finished_at: new Date(finished).toISOString(),
    duration_ms: finished - started,
  });
}

/**
 * Shards that do not belong together: of different runs (attempts of one GitHub workflow run belong together), of
 * different commits, or of different configs. Each mismatch names every shard's value, so a stale artifact is found.
 */
function mismatches(results: readonly MatrixResult[]): string[] {
  const checks: [string, (result: MatrixResult) => string | undefined][] = [
    ['runs', (result) => runGroup(result.run.id)],
    ['commits', (result) => result.run.commit],
    ['configs (config digests)', (result) => result.run.config_digest],
  ];
  return checks.flatMap(([what, value]) => {
    const values = results.map((result) => value(result) ?? '(none recorded)');
    if (new Set(values).size <= 1) return [];
    const listed = results.map((result, index) => `${shardLabel(result)}: ${values[index]}`).join(', ');
    return [`the shards are of different ${what}: ${listed}`];
  });
}

function shardLabel(result: MatrixResult): string {
  return result.run.shard ? `shard ${result.run.shard.index}/${result.run.shard.count}` : `run ${result.run.id}`;
}
