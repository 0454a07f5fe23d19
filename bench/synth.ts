/**
 * Cold synth benchmark: `npm run synth` (both modules and their READMEs) against `cdktf synth` of the same app, in one
 * run, as a ratio. Every run is a fresh process with tsx's transform cache disabled.
 *
 * Usage: npm run bench:synth [-- --runs 5]
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runsOption } from './support/measure';

const REPO = join(__dirname, '..');
const RUNS = runsOption(5);

function timeCommand(command: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd: REPO,
    env: { ...process.env, TSX_DISABLE_CACHE: '1', CHECKPOINT_DISABLE: '1', CI: '1' },
    encoding: 'utf8',
  });
  const elapsed = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return elapsed;
}

function summary(samples: number[]): { median: number; min: number; max: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
}

const npmSynth = Array.from({ length: RUNS }, () => timeCommand('npm', ['run', '-s', 'synth']));
const cdktfSynth = Array.from({ length: RUNS }, () => timeCommand(join(REPO, 'node_modules', '.bin', 'cdktf'), ['synth']));

const ours = summary(npmSynth);
const cdktf = summary(cdktfSynth);
const format = (seconds: number) => `${seconds.toFixed(2)} s`;
console.log(`runs per command: ${RUNS} (cold: new process, tsx cache off)`);
console.log('command            median    min       max');
console.log(`npm run synth      ${format(ours.median)}    ${format(ours.min)}    ${format(ours.max)}`);
console.log(`cdktf synth        ${format(cdktf.median)}    ${format(cdktf.min)}    ${format(cdktf.max)}`);
console.log(`ratio (cdktf synth / npm run synth, medians): ${(cdktf.median / ours.median).toFixed(1)}x`);
