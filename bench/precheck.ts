/**
 * What the drift pre-check saves. Part 1: `drift` of 20 converged accounts with the pre-check (A) against the same
 * `drift --full` (B: every account planned by Terraform), in turns A B A B, against the local AWS emulator: wall
 * time, CPU time and peak memory as bench/support/measure.ts takes them. Part 2: `drift` of 1,000 converged accounts,
 * all checked without Terraform.
 *
 * One account is applied and found converged by Terraform; the others are copies of it: its IAM objects, state and
 * record with the account's id and name changed (and the state hash and configuration digest that follow), so that
 * each is what Terraform would have left. The `--full` runs plan the 20 with Terraform and must find every one of them
 * converged, which checks the copies. Linux only (/proc).
 *
 * Usage: npm run bench:precheck [-- --runs 2]   (about 15 minutes on 2 cores; needs Terraform, and TF_PROVIDER_MIRROR offline)
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsEmulator } from '../emulator';
import { assumableRoleId } from '../emulator/iam';
import { EMULATOR_KEY, STATE_BUCKET, emulatorMatrixConfig, startMatrixEmulator } from '../emulator/matrix';
import { RECORD_SUFFIX } from '../engine/backend-objects';
import { ConfigDigests } from '../engine/config-digest';
import { loadConfig } from '../engine/config-loader';
import { MatrixResult } from '../engine/result';
import { Figures, measure, median, runsOption } from './support/measure';

const REPO = join(__dirname, '..');
const CLI = join(REPO, 'bin', 'session-manager-role.js');
const RUNS = runsOption(2);
const SMALL = 20;
const LARGE = 1000;
const accountId = (index: number) => String(270000000001 + index);
const accountName = (index: number) => `account-${String(index + 1).padStart(4, '0')}`;
const stateKey = (id: string) => `session-manager-role/${id}.tfstate`;
const recordKey = (id: string) => `${stateKey(id)}${RECORD_SUFFIX}`;

function config(endpoint: string, size: number): string {
  return emulatorMatrixConfig(
    endpoint,
    Array.from({ length: size }, (_, index) => ({ id: accountId(index), name: accountName(index) })),
  );
}

async function bench(): Promise<void> {
  const emulator = await startMatrixEmulator(Array.from({ length: LARGE }, (_, index) => accountId(index)));
  const dir = mkdtempSync(join(tmpdir(), 'smr-bench-precheck-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...EMULATOR_KEY, CHECKPOINT_DISABLE: '1' };
  let results = 0;
  const cli = (args: string[]) => measure(process.execPath, [CLI, ...args, '-q', '--work-dir', 'work'], dir, env);
  /** A measured drift that must have checked every account without Terraform, or its figures mean nothing. */
  const quietDrift = async (size: number) => {
    results += 1;
    const file = join(dir, `result-${results}.json`);
    const figures = await cli(['drift', '-c', `accounts-${size}.yml`, '--json', file]);
    const result = JSON.parse(readFileSync(file, 'utf8')) as MatrixResult;
    const planned = result.accounts.find((account) => !account.precheck?.without_terraform);
    if (planned) throw new Error(`${planned.name} was planned with Terraform: ${planned.precheck?.terraform_reason ?? planned.error?.message}`);
    return figures;
  };
  /** A measured drift --full that must have found every account converged, as the copies are meant to be. */
  const fullDrift = async () => {
    results += 1;
    const file = join(dir, `result-${results}.json`);
    const figures = await cli(['drift', '-c', `accounts-${SMALL}.yml`, '--full', '--json', file]);
    const result = JSON.parse(readFileSync(file, 'utf8')) as MatrixResult;
    const troubled = result.accounts.find((account) => account.status !== 'no_changes' || account.drift.length > 0);
    if (troubled) throw new Error(`${troubled.name} is not converged: ${troubled.status} ${troubled.error?.message ?? ''}`);
    return figures;
  };
  try {
    for (const size of [1, SMALL, LARGE]) writeFileSync(join(dir, `accounts-${size}.yml`), config(emulator.endpoint, size));
    console.log(`Setting up: one account applied, found converged by a drift check, and copied to ${LARGE - 1} more...`);
    await cli(['apply', '--auto-approve', '-c', 'accounts-1.yml']);
    await cli(['drift', '-c', 'accounts-1.yml']);
    copyAccount(emulator, dir, LARGE);

    const precheck: Figures[] = [];
    const full: Figures[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      console.log(`Pair ${run + 1} of ${RUNS}...`);
      precheck.push(await quietDrift(SMALL));
      full.push(await fullDrift());
    }
    const large: Figures[] = [];
    // The emulator answers in this process: its CPU time is the AWS side's, not the command's.
    const emulatorCpu: number[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const before = process.cpuUsage();
      large.push(await quietDrift(LARGE));
      const used = process.cpuUsage(before);
      emulatorCpu.push((used.user + used.system) / 1e6);
    }

    console.log(`\n${availableParallelism()} CPUs, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; medians of ${RUNS} run(s), A and B in turns`);
    console.log(`${'run'.padEnd(48)}     wall       cpu       peak  cpu/account`);
    const row = (label: string, figures: Figures[], accounts: number) => {
      const [wall, cpu, peak] = [median(figures.map((f) => f.wallSeconds)), median(figures.map((f) => f.cpuSeconds)), median(figures.map((f) => f.peakMiB))];
      console.log(`${label.padEnd(48)} ${wall.toFixed(1).padStart(7)} s ${cpu.toFixed(1).padStart(7)} s ${peak.toFixed(0).padStart(6)} MiB ${((cpu / accounts) * 1000).toFixed(1).padStart(8)} ms`);
    };
    row(`drift, ${SMALL} converged accounts, pre-check (A)`, precheck, SMALL);
    row(`drift --full, ${SMALL} converged accounts (B)`, full, SMALL);
    row(`drift, ${LARGE} converged accounts, pre-check`, large, LARGE);
    console.log(`the emulator's own CPU while answering the ${LARGE}-account runs: ${emulatorCpu.map((cpu) => `${cpu.toFixed(1)} s`).join(', ')}`);
    const ratios = (pick: (figures: Figures) => number) => precheck.map((figures, index) => (pick(full[index]) / pick(figures)).toFixed(1)).join(', ');
    console.log(`\nB / A, pair by pair: CPU ${ratios((f) => f.cpuSeconds)}; wall ${ratios((f) => f.wallSeconds)}`);
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Makes accounts 2..count copies of account 1: its IAM objects in the emulator, its state and its record in the state
 * bucket, with the account's id and name replaced. The copy's state hash and configuration digest are recomputed, as
 * a record of that account would hold them.
 */
function copyAccount(emulator: AwsEmulator, dir: string, count: number): void {
  const config = loadConfig(join(dir, `accounts-${count}.yml`), { builtInModules: join(REPO, 'modules') });
  const digests = new ConfigDigests();
  const bucket = emulator.bucketOutOfBand(STATE_BUCKET);
  const template = emulator.account(accountId(0));
  const iam = JSON.stringify({ roles: [...template.roles], policies: [...template.policies], instanceProfiles: [...template.instanceProfiles] }, (_key, value) =>
    value instanceof Map ? { map: [...value] } : value,
  );
  const state = bucket.getObjectText(stateKey(accountId(0)));
  const record = bucket.getObjectText(recordKey(accountId(0)));
  for (let index = 1; index < count; index += 1) {
    const id = accountId(index);
    const copy = (text: string) =>
      text
        .split(accountId(0))
        .join(id)
        .split(accountName(0))
        .join(accountName(index))
        .split(assumableRoleId(accountId(0), 'terraform'))
        .join(assumableRoleId(id, 'terraform'));
    const objects = JSON.parse(copy(iam), (_key, value) => (value && typeof value === 'object' && Array.isArray(value.map) ? new Map(value.map) : value));
    const target = emulator.account(id);
    for (const [key, role] of objects.roles) target.roles.set(key, role);
    for (const [key, policy] of objects.policies) target.policies.set(key, policy);
    for (const [key, profile] of objects.instanceProfiles) target.instanceProfiles.set(key, profile);
    const copiedState = copy(state);
    bucket.putObject(stateKey(id), copiedState, 'application/json');
    const copiedRecord = JSON.parse(copy(record));
    copiedRecord.converged.state.sha256 = createHash('sha256').update(copiedState).digest('hex');
    copiedRecord.converged.config_digest = digests.account(config.accounts[index]);
    bucket.putObject(recordKey(id), copiedRecord);
  }
}

bench().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
