import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { AccountRunOptions, ApplyMode, Phase, runAccount } from './account-run';
import { MatrixConfig, ResolvedAccount } from './config';
import { ChangedAccounts, unchangedAccounts } from './changed-since';
import { AwsAccess } from './aws/aws-access';
import { DriftPrecheck, lockedProviderVersion } from './drift-precheck';
import { precheckedRun } from './precheck-run';
import { AccountResult, Command, MatrixResult } from './result';
import { assembleResult, skippedResult } from './result-assembly';
import { ShardSpec, shardAccounts } from './shard';
import { TerraformSetup, prepareTerraform, writeIfChanged } from './terraform-setup';
import { errorExcerpt, runTerraform } from './terraform-process';

/** Something the adapters print while a matrix runs. */
export type ProgressEvent =
  | { readonly kind: 'start'; readonly total: number; readonly parallelism: number; readonly terraform: TerraformSetup }
  | {
      readonly kind: 'phase';
      readonly account: ResolvedAccount;
      readonly phase: Phase;
      readonly state: 'started' | 'finished' | 'failed';
      /** Milliseconds since the account started. */
      readonly elapsedMs: number;
    }
  | { readonly kind: 'account'; readonly result: AccountResult; readonly done: number; readonly total: number }
  | { readonly kind: 'heartbeat'; readonly running: readonly { readonly account: ResolvedAccount; readonly phase: Phase; readonly elapsedMs: number }[] };

export interface MatrixRunOptions {
  readonly config: MatrixConfig;
  /** The config file as the user named it, for the result. */
  readonly configLabel: string;
  readonly command: Command;
  /** Holds one working directory per account, the provider cache and logs. */
  readonly workDir: string;
  /** Accounts run at the same time. @default the number of CPUs */
  readonly parallelism?: number;
  /** Per-account limit, all phases together. @default none */
  readonly timeoutMs?: number;
  /** How long Terraform waits for a state lock, in milliseconds. @default 120000 (two minutes) */
  readonly lockTimeoutMs?: number;
  readonly runId?: string;
  readonly apply?: ApplyMode;
  readonly shard?: ShardSpec;
  /** The accounts changed since a git revision (`--changed-since`): the others are skipped. @default every account runs */
  readonly changes?: ChangedAccounts;
  readonly env?: NodeJS.ProcessEnv;
  /** Aborting stops the run: running accounts are interrupted cleanly, waiting ones are not started. */
  readonly signal?: AbortSignal;
  /** Aborting kills every running Terraform at once: for a user who will not wait for a clean stop. */
  readonly kill?: AbortSignal;
  readonly onProgress?: (event: ProgressEvent) => void;
  /**
   * Plan and drift: plan every account with Terraform, whatever its converged record says (`--full`); converged
   * records are still written. @default false: accounts equal to their converged record are checked without Terraform
   */
  readonly full?: boolean;
  /** Plan and drift: the oldest converged record the pre-check trusts, in milliseconds. @default 7 days */
  readonly maxAgeMs?: number;
  /** Accounts pre-checked at the same time (API reads, no Terraform). @default 16 */
  readonly precheckParallelism?: number;
  /** Receives every credential the engine obtains itself (assumed-role keys, session tokens), for the adapters to mask. */
  readonly onSecret?: (value: string) => void;
}

/** Pre-checks are API reads that cost next to no CPU: many run at a time. */
const PRECHECK_PARALLELISM = 16;

/** How often the adapters hear which accounts are still running, so that a long plan never looks stuck. */
const HEARTBEAT_MS = 30_000;

/** A run id that names the run in AWS and in logs: the GitHub run when there is one. */
function defaultRunId(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_RUN_ID) return `gh-${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `local-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Plans (or applies, or checks for drift) every selected account; one account's failure never stops the others. */
export async function runMatrix(options: MatrixRunOptions): Promise<MatrixResult> {
  const startedAt = new Date();
  const workDir = resolve(options.workDir);
  const env = options.env ?? process.env;
  const setup = await prepareTerraform(workDir, env);
  const parallelism = Math.max(1, options.parallelism ?? availableParallelism());
  const runId = options.runId ?? defaultRunId(env);
  const inShard = options.shard ? shardAccounts(options.config.accounts, options.shard) : options.config.accounts;
  const skip = options.changes ? unchangedAccounts(options.config, options.changes) : new Map<string, string>();
  const toRun = inShard.filter((account) => !skip.has(account.id));
  const cancel = options.signal ?? new AbortController().signal;
  const progress = options.onProgress ?? (() => undefined);
  progress({ kind: 'start', total: toRun.length, parallelism, terraform: setup });

  const providerLock = toRun.length > 0 && !cancel.aborted ? await installProviders(setup, workDir, toRun[0]) : undefined;
  const running = new Map<ResolvedAccount, { phase: Phase; started: number }>();
  const heartbeat = setInterval(() => {
    if (running.size === 0) return;
    const now = Date.now();
    progress({ kind: 'heartbeat', running: [...running].map(([account, state]) => ({ account, phase: state.phase, elapsedMs: now - state.started })) });
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const limit = pLimit(parallelism);
  const precheck =
    options.command === 'apply' || !providerLock
      ? undefined
      : new DriftPrecheck({
          aws: new AwsAccess(setup.env, options.onSecret),
          runId,
          command: options.command,
          terraformVersion: setup.version,
          awsProviderVersion: lockedProviderVersion(providerLock),
          maxAgeMs: options.maxAgeMs,
        });
  const checkSlot = pLimit(options.precheckParallelism ?? PRECHECK_PARALLELISM);
  let done = 0;
  const results = await Promise.all(
    toRun.map(async (account) => {
      const terraform = async () => {
        const started = Date.now();
        const runOptions: AccountRunOptions = {
          command: options.command,
          setup,
          directory: join(workDir, 'accounts', account.name),
          runId,
          providerLock,
          lockTimeout: `${Math.ceil((options.lockTimeoutMs ?? 120_000) / 1000)}s`,
          timeoutMs: options.timeoutMs,
          apply: options.apply,
          cancel,
          kill: options.kill,
          onPhase: (phase, state) => {
            running.set(account, { phase, started });
            progress({ kind: 'phase', account, phase, state, elapsedMs: Date.now() - started });
          },
        };
        const result = await runAccount(account, runOptions);
        running.delete(account);
        return result;
      };
      const result = precheck
        ? await precheckedRun(account, { precheck, full: options.full ?? false, checkSlot, terraformSlot: limit, terraform, cancel })
        : await limit(terraform);
      done += 1;
      progress({ kind: 'account', result, done, total: toRun.length });
      return result;
    }),
  );
  clearInterval(heartbeat);

  const byId = new Map(results.map((result) => [result.id, result]));
  const accounts = inShard.map((account) => byId.get(account.id) ?? skippedResult(account, skip.get(account.id) ?? 'not selected'));
  const finishedAt = new Date();
  return assembleResult(options.command, accounts, {
    id: runId,
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    duration_ms: finishedAt.getTime() - startedAt.getTime(),
    config: options.configLabel,
    terraform_version: setup.version,
    parallelism,
    ...(options.shard ? { shard: options.shard } : {}),
    ...(options.changes ? { changed_since: { ref: options.changes.ref, commit: options.changes.commit } } : {}),
  });
}

/**
 * Installs the providers once, in a directory of their own, and returns the lock file every account starts from:
 * with a lock file present, `init` links providers from the shared plugin cache (or mirror) instead of downloading
 * them again, so its cost does not grow with the number of accounts.
 */
async function installProviders(setup: TerraformSetup, workDir: string, sample: ResolvedAccount): Promise<string> {
  const directory = join(workDir, 'providers');
  mkdirSync(directory, { recursive: true });
  const constraint = sample.awsProviderVersion ? { version: sample.awsProviderVersion } : {};
  const configuration = { terraform: { required_providers: { aws: { source: 'hashicorp/aws', ...constraint } } } };
  const changed = writeIfChanged(join(directory, 'main.tf.json'), `${JSON.stringify(configuration, null, 2)}\n`);
  const marker = join(directory, '.installed');
  const key = `${setup.version}\n${setup.cliConfig}`;
  const lockFile = join(directory, '.terraform.lock.hcl');
  if (changed || !existsSync(lockFile) || !existsSync(marker) || readFileSync(marker, 'utf8') !== key) {
    const log = createWriteStream(join(directory, 'init.log'));
    const exit = await runTerraform({ binary: setup.binary, args: ['init', '-input=false', '-no-color', '-upgrade'], cwd: directory, env: setup.env, log });
    await new Promise((done) => log.end(done));
    if (exit.exitCode !== 0) throw new Error(`Installing the AWS provider failed:\n${errorExcerpt(exit)}`);
    writeFileSync(marker, key);
  }
  return readFileSync(lockFile, 'utf8');
}
