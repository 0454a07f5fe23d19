/**
 * What recording the refreshed state after an apply costs: `terraform refresh` (what the engine runs) against
 * `terraform apply -refresh-only -auto-approve` (which Terraform's docs call it equivalent to), with a bare
 * `terraform plan` of the same account as the baseline, in turns, on one account applied in the local AWS emulator.
 * Figures as bench/support/measure.ts takes them.
 *
 * Usage: npm run bench:refresh [-- --runs 5]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMULATOR_KEY, emulatorMatrixConfig, startMatrixEmulator } from '../emulator/matrix';
import { prepareTerraform } from '../engine/terraform-setup';
import { measure, median, runsOption } from './support/measure';

const RUNS = runsOption(5);
const ACCOUNT = '240000000001';
const COMMANDS: Record<string, string[]> = {
  'terraform plan (baseline)': ['plan', '-input=false', '-lock=false', '-no-color'],
  'terraform refresh': ['refresh', '-input=false', '-no-color'],
  'terraform apply -refresh-only -auto-approve': ['apply', '-refresh-only', '-auto-approve', '-input=false', '-no-color'],
};


async function bench(): Promise<void> {
  const emulator = await startMatrixEmulator([ACCOUNT]);
  const dir = mkdtempSync(join(tmpdir(), 'smr-bench-refresh-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...EMULATOR_KEY, CHECKPOINT_DISABLE: '1', TF_VAR_session_name: 'bench-refresh' };
  try {
    writeFileSync(join(dir, 'accounts.yml'), emulatorMatrixConfig(emulator.endpoint, [{ id: ACCOUNT, name: 'account' }]));
    await measure(process.execPath, [join(__dirname, '..', 'bin', 'session-manager-role.js'), 'apply', '--auto-approve', '-q', '-c', 'accounts.yml', '--work-dir', 'work'], dir, env);
    const account = join(dir, 'work', 'accounts', 'account');
    // Terraform as the engine runs it: its mirror config, or the shared plugin cache.
    const terraformEnv = (await prepareTerraform(join(dir, 'work'), env)).env;
    const samples = new Map(Object.keys(COMMANDS).map((name) => [name, { wall: [] as number[], cpu: [] as number[], memory: [] as number[] }]));
    for (let run = 0; run < RUNS; run += 1) {
      for (const [name, args] of Object.entries(COMMANDS)) {
        const figures = await measure('terraform', args, account, terraformEnv);
        samples.get(name)!.wall.push(figures.wallSeconds);
        samples.get(name)!.cpu.push(figures.cpuSeconds);
        samples.get(name)!.memory.push(figures.peakMiB);
      }
    }
    const baseline = samples.get('terraform plan (baseline)')!;
    console.log(`${RUNS} runs each, in turns, medians; one applied account, nothing to change (Node ${process.version})`);
    console.log(`${'command'.padEnd(46)}   wall      cpu     memory   cpu / baseline`);
    for (const [name, figures] of samples) {
      const ratio = median(figures.cpu) / median(baseline.cpu);
      console.log(`${name.padEnd(46)} ${median(figures.wall).toFixed(1).padStart(5)} s  ${median(figures.cpu).toFixed(1).padStart(5)} s  ${median(figures.memory).toFixed(0).padStart(5)} MiB  ${ratio.toFixed(2).padStart(8)}x`);
    }
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

bench().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
