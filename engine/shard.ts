/** One of `count` equal slices of the matrix; `index` counts from 1, as in `--shard 2/4`. */
export interface ShardSpec {
  readonly index: number;
  readonly count: number;
}

/** Parses `i/n`; throws a message for the user when it is not one. */
export function parseShard(text: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new Error(`the shard must be i/n with 1 <= i <= n, e.g. 2/4 (got "${text}")`);
  }
  return { index, count };
}

/**
 * The accounts of one shard: contiguous slices of the config's order whose sizes differ by at most one. The same
 * config always gives the same slices, and shards 1..n in order hold every account once, in the file's order.
 */
export function shardAccounts<T>(accounts: readonly T[], shard: ShardSpec): T[] {
  const start = Math.floor(((shard.index - 1) * accounts.length) / shard.count);
  const end = Math.floor((shard.index * accounts.length) / shard.count);
  return accounts.slice(start, end);
}
