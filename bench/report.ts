/**
 * `report` at scale: what the action's report job does with the shard results of a plan (load the config, read and
 * check every shard's result document, merge them, render the pull request comment and the job summary), for 200,
 * 1,000 and 5,000 accounts in shards of 100, each run in a fresh process. Paired, A B A B, with a baseline process
 * that reads and parses the same files and writes the merged document (the least any report does), so that a drift in
 * the machine's speed moves both. Two matrices: a rollout (most accounts unchanged, groups of identical plans, some
 * drift, replacements and a failure) and the worst case (every account replaces its role, each plan its own).
 *
 * Figures: CPU time of the phases (in the process, after its modules are loaded), their wall time, the process's peak
 * resident memory, and the sizes of the shard files and of both reports.
 *
 * Usage: npm run bench:report [-- --runs 5] [-- --sizes 200,1000,5000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../engine/config-loader';
import { mergeResults } from '../engine/merge';
import { MatrixResult } from '../engine/result';
import { assembleResult } from '../engine/result-assembly';
import { readResult, writeResult } from '../engine/result-file';
import { shardAccounts } from '../engine/shard';
import { renderJobSummary } from '../report/job-summary';
import { renderPlanComment } from '../report/pr-comment';
import { githubLength, utf8Length } from '../report/private/budget';
import { generatedMatrix, largeMatrix } from '../test/support/results';
import { median } from './support/measure';

const ACCOUNTS_PER_SHARD = 100;
const MODULES = join(__dirname, '..', 'modules');
const PHASES = ['config', 'read', 'merge', 'comment', 'summary'] as const;

interface ChildFigures {
  /** CPU milliseconds of each phase; the baseline has `read` and `merge` only. */
  readonly cpu: Partial<Record<(typeof PHASES)[number], number>>;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakMiB: number;
  readonly commentLength?: number;
  readonly summaryBytes?: number;
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : undefined;
}

const cpuNow = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};

/** One measured run, in this (fresh) process: the report job's work, or the baseline's. */
function child(dir: string, mode: 'report' | 'baseline'): ChildFigures {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => join(dir, name));
  const cpu: ChildFigures['cpu'] = {};
  const wallStart = performance.now();
  const cpuStart = cpuNow();
  const phase = <T>(name: (typeof PHASES)[number], work: () => T): T => {
    const started = cpuNow();
    const value = work();
    cpu[name] = cpuNow() - started;
    return value;
  };
  if (mode === 'baseline') {
    const results = phase('read', () => files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as MatrixResult));
    phase('merge', () => JSON.stringify({ ...results[0], accounts: results.flatMap((result) => result.accounts) }));
    return { cpu, wallMs: performance.now() - wallStart, cpuMs: cpuNow() - cpuStart, peakMiB: process.resourceUsage().maxRSS / 1024 };
  }
  const config = phase('config', () => loadConfig(join(dir, 'accounts.yml'), { builtInModules: MODULES }));
  const results = phase('read', () => files.map(readResult));
  const merged = phase('merge', () => mergeResults(results, config));
  const context = { config: 'accounts.yml', commit: merged.run.commit ?? '0'.repeat(40), runUrl: 'https://github.com/acme/infra/actions/runs/42' };
  const record = { artifact: 'session-manager-role-review-accounts.yml', sha256: '0'.repeat(64) };
  const comment = phase('comment', () => renderPlanComment(merged, { ...context, record }));
  const summary = phase('summary', () => renderJobSummary(merged, context));
  return {
    cpu,
    wallMs: performance.now() - wallStart,
    cpuMs: cpuNow() - cpuStart,
    peakMiB: process.resourceUsage().maxRSS / 1024,
    commentLength: githubLength(comment),
    summaryBytes: utf8Length(summary),
  };
}

/** Shard result files of a matrix, and its config, in a new directory. */
function writeShards(result: MatrixResult): string {
  const dir = mkdtempSync(join(tmpdir(), 'smr-bench-report-'));
  const count = Math.ceil(result.accounts.length / ACCOUNTS_PER_SHARD);
  for (let index = 1; index <= count; index += 1) {
    const shard = { index, count };
    writeResult(join(dir, `result-${index}.json`), assembleResult(result.command, shardAccounts(result.accounts, shard), { ...result.run, shard }));
  }
  const accounts = result.accounts.map((account) => `  - { id: "${account.id}", name: ${account.name} }`);
  const defaults = 'defaults: { region: eu-west-1, role_arn: "arn:aws:iam::{account_id}:role/terraform", inputs: { role_name: "ssm-{name}" } }';
  writeFileSync(join(dir, 'accounts.yml'), ['version: 1', defaults, 'backend: { local: { path: "state/{name}.tfstate" } }', 'accounts:', ...accounts, ''].join('\n'));
  return dir;
}

function runChild(dir: string, mode: 'report' | 'baseline'): ChildFigures {
  const run = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', dir, '--mode', mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`the ${mode} run failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as ChildFigures;
}


function main(): void {
  const runs = Number(option('runs') ?? 5);
  const sizes = (option('sizes') ?? '200,1000,5000').split(',').map(Number);
  const matrices: [string, (size: number) => MatrixResult][] = [
    ['rollout', (size) => largeMatrix(size)],
    ['worst', (size) => generatedMatrix(size, 'destructive')],
  ];
  console.log(`report: ${runs} runs of each, paired with the baseline (A B A B), medians (Node ${process.version})`);
  console.log('matrix    accounts  shards  shard files  config  read  merge  comment  summary  total CPU  wall     peak     / baseline CPU  comment chars  summary bytes');
  for (const [name, make] of matrices) {
    for (const size of sizes) {
      const dir = writeShards(make(size));
      try {
        const fileBytes = readdirSync(dir).reduce((total, file) => total + statSync(join(dir, file)).size, 0);
        runChild(dir, 'report'); // warm-up: the file cache, and tsx's transform cache
        const pairs = Array.from({ length: runs }, () => ({ report: runChild(dir, 'report'), baseline: runChild(dir, 'baseline') }));
        const reports = pairs.map((pair) => pair.report);
        const phase = (key: (typeof PHASES)[number]) => `${median(reports.map((figures) => figures.cpu[key] ?? 0)).toFixed(0)} ms`;
        const ratio = median(pairs.map((pair) => pair.report.cpuMs / pair.baseline.cpuMs));
        console.log(
          [
            name.padEnd(9),
            String(size).padStart(8),
            String(Math.ceil(size / ACCOUNTS_PER_SHARD)).padStart(7),
            `${(fileBytes / 2 ** 20).toFixed(1)} MiB`.padStart(12),
            ...PHASES.map(phase).map((text, index) => text.padStart([7, 6, 6, 8, 8][index])),
            `${median(reports.map((figures) => figures.cpuMs)).toFixed(0)} ms`.padStart(10),
            `${median(reports.map((figures) => figures.wallMs)).toFixed(0)} ms`.padStart(8),
            `${median(reports.map((figures) => figures.peakMiB)).toFixed(0)} MiB`.padStart(8),
            `${ratio.toFixed(1)}x (${median(pairs.map((pair) => pair.baseline.cpuMs)).toFixed(0)} ms)`.padStart(15),
            String(reports[0].commentLength).padStart(14),
            String(reports[0].summaryBytes).padStart(14),
          ].join(' '),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

if (process.argv.includes('--child')) {
  process.stdout.write(JSON.stringify(child(option('child')!, option('mode') as 'report' | 'baseline')));
} else {
  main();
}
