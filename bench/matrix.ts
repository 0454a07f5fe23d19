/**
 * Matrix plans against the local AWS emulator: wall time, CPU time (user + system of the whole process tree, from
 * /usr/bin/time) and peak memory (the largest sum of the tree's resident memory, sampled from /proc every 100 ms) for
 * 1, 5 and 20 accounts at parallelism 1 and at the default (the CPU count), next to a naive loop over the same 20
 * accounts (`terraform init` + `terraform plan` in one directory per account), and a bare `terraform plan` of one
 * account as the per-account yardstick. All in one run, on the same emulator. Linux only (/proc).
 *
 * Usage: npm run bench:matrix   (about 20 minutes on 2 cores; needs Terraform, and TF_PROVIDER_MIRROR offline)
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMULATOR_KEY, emulatorMatrixConfig, startMatrixEmulator } from '../emulator/matrix';
import { prepareTerraform } from '../engine/terraform-setup';
import { Figures, measure } from './support/measure';

const REPO = join(__dirname, '..');
const CLI = join(REPO, 'bin', 'session-manager-role.js');
const SIZES = [1, 5, 20];
const accountId = (index: number) => String(230000000001 + index);

function config(endpoint: string, size: number): string {
  const accounts = Array.from({ length: size }, (_, index) => ({
    id: accountId(index),
    name: `account-${String(index + 1).padStart(2, '0')}`,
    // Half of them logging, as a mixed fleet.
    ...(index % 2 ? { variant: 'logging' as const, inputs: { cloudwatch_log_group_name: '/ssm/sessions' } } : {}),
  }));
  return emulatorMatrixConfig(endpoint, accounts);
}

const format = (figures: Figures) => `${figures.wallSeconds.toFixed(1).padStart(7)} s  ${figures.cpuSeconds.toFixed(1).padStart(7)} s  ${figures.peakMiB.toFixed(0).padStart(7)} MiB`;

async function bench(): Promise<void> {
  const emulator = await startMatrixEmulator(Array.from({ length: 20 }, (_, index) => accountId(index)));
  const dir = mkdtempSync(join(tmpdir(), 'smr-bench-matrix-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...EMULATOR_KEY, CHECKPOINT_DISABLE: '1' };
  const cores = availableParallelism();
  try {
    for (const size of SIZES) writeFileSync(join(dir, `accounts-${size}.yml`), config(emulator.endpoint, size));
    const work = join(dir, 'work');
    // Plain Terraform runs get the provider the way the engine got it: its mirror config, or the shared plugin cache.
    const terraformEnv = (await prepareTerraform(work, env)).env;
    console.log(`Setting up: applying the Session Manager role in 20 accounts (${cores} at a time)...`);
    await measure(process.execPath, [CLI, 'apply', '--auto-approve', '-q', '-c', 'accounts-20.yml', '--work-dir', work], dir, env);

    // The yardstick: a bare plan in one initialised account directory (no -out, no show), five times.
    const bareRuns: Figures[] = [];
    for (let run = 0; run < 5; run += 1) {
      bareRuns.push(await measure('terraform', ['plan', '-input=false', '-lock=false', '-no-color', '-var', 'session_name=bench-bare'], join(work, 'accounts', 'account-01'), terraformEnv));
    }
    const bare = [...bareRuns].sort((a, b) => a.cpuSeconds - b.cpuSeconds)[2];

    const rows: [string, Figures, number][] = [];
    for (const size of SIZES) {
      for (const parallelism of [...new Set([1, cores])]) {
        const figures = await measure(process.execPath, [CLI, 'plan', '-q', '-c', `accounts-${size}.yml`, '--work-dir', work, '-p', String(parallelism)], dir, env);
        rows.push([`engine, ${size} account${size === 1 ? '' : 's'}, parallelism ${parallelism}`, figures, size]);
      }
    }
    // A cold start: a new working directory, so every account is initialised, as on a fresh CI runner.
    const cold = await measure(process.execPath, [CLI, 'plan', '-q', '-c', 'accounts-20.yml', '--work-dir', join(dir, 'cold'), '-p', String(cores)], dir, env);
    rows.push([`engine, 20 accounts, parallelism ${cores}, cold`, cold, 20]);

    // The naive loop: one directory per account, init + plan, one after the other, as one-job-per-directory tools run.
    const naive = await measure('sh', ['-c', naiveLoop(work, join(dir, 'naive'))], dir, terraformEnv);
    rows.push(['naive loop, 20 accounts (init + plan each)', naive, 20]);

    console.log(`\n${cores} CPUs, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; steady state: every account applied, nothing to change`);
    console.log(`bare terraform plan of one account (median of 5 by CPU): ${format(bare)}`);
    console.log(`\n${'run'.padEnd(48)}     wall       cpu       peak   cpu/account  vs bare plan`);
    for (const [label, figures, size] of rows) {
      const perAccount = figures.cpuSeconds / size;
      console.log(`${label.padEnd(48)} ${format(figures)}  ${perAccount.toFixed(2).padStart(8)} s  ${(perAccount / bare.cpuSeconds).toFixed(2).padStart(8)}x`);
    }
    const engine20 = rows.find(([label]) => label === `engine, 20 accounts, parallelism ${cores}, cold`)![1];
    console.log(`\nnaive loop / engine (20 accounts, cold, parallelism ${cores}): wall ${(naive.wallSeconds / engine20.wallSeconds).toFixed(2)}x, cpu ${(naive.cpuSeconds / engine20.cpuSeconds).toFixed(2)}x`);
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The naive loop as a shell script: each account's generated root configuration in a directory of its own, at the
 * same depth as the engine's (so that its relative module path still holds), initialised and planned in turn.
 */
function naiveLoop(work: string, root: string): string {
  return readdirSync(join(work, 'accounts'))
    .sort()
    .map((name) => {
      const target = join(root, 'accounts', name);
      return [
        `mkdir -p ${target}`,
        `cp ${join(work, 'accounts', name, 'main.tf.json')} ${target}/`,
        `cd ${target}`,
        'terraform init -input=false -no-color > /dev/null',
        'terraform plan -input=false -no-color -var session_name=bench-naive > /dev/null',
      ].join(' && ');
    })
    .join(' && ');
}

bench().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
