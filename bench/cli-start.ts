/**
 * Start-up of the command line: `session-manager-role --version` from the bundle (A, what npm installs) against the
 * sources run through tsx (B, how bin/ started the command line before it was bundled), in turns, A B A B, with the
 * ratio taken pair by pair so that a drift in the machine's speed does not move it.
 *
 * Usage: npm run bench:cli-start [-- --runs 10]
 */
import { join } from 'node:path';
import { Figures, measure, median, runsOption } from './support/measure';

const REPO = join(__dirname, '..');
const RUNS = runsOption(10);

const BUNDLE = [process.execPath, [join(REPO, 'bin', 'session-manager-role.js'), '--version']] as const;
const SOURCES = [process.execPath, ['-e', "require('tsx/cjs'); require('./cli/main.ts').main(['--version']).then((code) => { process.exitCode = code; })"]] as const;

async function main(): Promise<void> {
  const env = { ...process.env, NO_COLOR: '1' };
  // One unmeasured run of each: the file system cache and tsx's transform cache warm, as for a user's second run.
  await measure(...BUNDLE, REPO, env);
  await measure(...SOURCES, REPO, env);
  const pairs: { bundle: Figures; sources: Figures }[] = [];
  for (let run = 0; run < RUNS; run += 1) pairs.push({ bundle: await measure(...BUNDLE, REPO, env), sources: await measure(...SOURCES, REPO, env) });

  const row = (label: string, pick: (figures: Figures) => number, unit: (value: number) => string) => {
    const bundle = pairs.map((pair) => pick(pair.bundle));
    const sources = pairs.map((pair) => pick(pair.sources));
    const ratios = pairs.map((pair) => pick(pair.bundle) / pick(pair.sources));
    return `| ${label} | ${unit(median(bundle))} | ${unit(median(sources))} | ${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) |`;
  };
  const seconds = (value: number) => `${value.toFixed(2)} s`;
  console.log(`${RUNS} pairs, medians`);
  console.log('| | bundle (A) | tsx sources (B) | A / B, paired: median (min-max) |');
  console.log('|---|---|---|---|');
  console.log(row('wall', (figures) => figures.wallSeconds, seconds));
  console.log(row('CPU', (figures) => figures.cpuSeconds, seconds));
}

void main();
