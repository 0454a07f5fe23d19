/**
 * Shards are deterministic, balanced and together cover every account once; merge refuses what does not add up.
 * (That a merge of real shard runs equals a single run is shown in matrix-engine.test.ts.)
 */
import { join } from 'node:path';
import { parseConfig } from '../engine/config-loader';
import { MergeError, mergeResults } from '../engine/merge';
import { AccountResult, MatrixResult } from '../engine/result';
import { assembleResult, skippedResult } from '../engine/result-assembly';
import { parseShard, shardAccounts } from '../engine/shard';

test.each([1, 2, 3, 7, 200])('%i accounts in 1 to 8 shards: balanced, in order, each once', (size) => {
  const accounts = Array.from({ length: size }, (_, index) => index);
  for (let count = 1; count <= 8; count += 1) {
    const shards = Array.from({ length: count }, (_, index) => shardAccounts(accounts, { index: index + 1, count }));
    expect(shards.flat()).toEqual(accounts);
    const sizes = shards.map((shard) => shard.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(shardAccounts(accounts, { index: 1, count })).toEqual(shards[0]);
  }
});

test.each(['0/2', '3/2', '1/0', 'a/b', '1-2', ''])('--shard %p is refused with the expected form', (text) => {
  expect(() => parseShard(text)).toThrow(/the shard must be i\/n with 1 <= i <= n/);
});

const CONFIG = parseConfig(
  [
    'version: 1',
    'defaults: { region: eu-west-1, role_arn: "arn:aws:iam::{account_id}:role/terraform", inputs: { role_name: ssm } }',
    'backend: { local: { path: "state/{name}.tfstate" } }',
    'accounts:',
    '  - { id: "111111111111", name: a }',
    '  - { id: "222222222222", name: b }',
    '  - { id: "333333333333", name: c }',
  ].join('\n'),
  join(__dirname, 'matrix.yml'),
  { builtInModules: join(__dirname, '..', 'modules') },
);

function shardResult(index: number, count: number, accounts: readonly AccountResult[], command: MatrixResult['command'] = 'plan'): MatrixResult {
  return assembleResult(command, accounts, {
    id: 'gh-1-1',
    started_at: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString(),
    finished_at: new Date(Date.UTC(2026, 0, 1, 0, index + 1)).toISOString(),
    duration_ms: 60_000,
    config: 'matrix.yml',
    parallelism: 2,
    shard: { index, count },
  });
}

const [a, b, c] = CONFIG.accounts.map((account) => skippedResult(account, 'unchanged'));

test('merged shards hold every account in the config\'s order, with the run spanning them all', () => {
  const merged = mergeResults([shardResult(2, 2, [b, c]), shardResult(1, 2, [a])], CONFIG);
  expect(merged.accounts.map((account) => account.name)).toEqual(['a', 'b', 'c']);
  expect(merged.run).not.toHaveProperty('shard');
  expect(merged.run.duration_ms).toBe(120_000);
  expect(merged.summary.accounts).toBe(3);
});

test('missing, repeated and overlapping shards, mixed commands and uncovered accounts are all named', () => {
  const attempt = () => mergeResults([shardResult(1, 3, [a, b]), shardResult(1, 3, [b]), shardResult(2, 3, [], 'drift')], CONFIG);
  expect(attempt).toThrow(MergeError);
  try {
    attempt();
  } catch (error) {
    expect((error as MergeError).problems).toEqual([
      'the results are of different commands: plan, drift',
      'shard 1/3 is given 2 times',
      'shard 3/3 is missing',
      'account 222222222222 is in 2 results',
      'account c (333333333333) is in no result',
    ]);
  }
});

test('shards of different runs, commits or configs are refused, every mismatch named with each shard\'s value', () => {
  const run = (result: MatrixResult, id: string, commit: string, digest: string): MatrixResult => ({ ...result, run: { ...result.run, id, commit, config_digest: digest } });
  const [c1, c2] = ['a'.repeat(40), 'b'.repeat(40)];
  const [d1, d2] = ['1'.repeat(64), '2'.repeat(64)];
  const attempt = () => mergeResults([run(shardResult(1, 2, [a]), 'gh-41-1', c1, d1), run(shardResult(2, 2, [b, c]), 'gh-42-1', c2, d2)], CONFIG);
  expect(attempt).toThrow(MergeError);
  try {
    attempt();
  } catch (error) {
    expect((error as MergeError).problems).toEqual([
      'the shards are of different runs: shard 1/2: gh-41, shard 2/2: gh-42',
      `the shards are of different commits: shard 1/2: ${c1}, shard 2/2: ${c2}`,
      `the shards are of different configs (config digests): shard 1/2: ${d1}, shard 2/2: ${d2}`,
    ]);
  }
});

test('a shard re-run in a later attempt of the same workflow run merges; the run is named by its latest attempt', () => {
  const commit = 'c'.repeat(40);
  const digest = '3'.repeat(64);
  const shard = (result: MatrixResult, id: string): MatrixResult => ({ ...result, run: { ...result.run, id, commit, config_digest: digest } });
  const merged = mergeResults([shard(shardResult(1, 2, [a]), 'gh-41-1'), shard(shardResult(2, 2, [b, c]), 'gh-41-2')], CONFIG);
  expect(merged.run).toMatchObject({ id: 'gh-41-2', commit, config_digest: digest });
});
