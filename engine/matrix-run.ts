import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import pLimit from 'p-limit';
import { AccountRunOptions, ApplyMode, Phase, runAccount } from './account-run';
import { AppliedConfiguration, UnappliedAccounts, recordApplied, unappliedAccounts } from './applied-configuration';
import { AwsAccess } from './aws/aws-access';
import { MatrixConfig, ResolvedAccount } from './config';
import { ChangedAccounts, unchangedAccounts } from './changed-since';
import { ConfigDigests } from './config-digest';
import { DriftPrecheck, lockedProviderVersion } from './drift-precheck';
import { precheckedRun } from './precheck-run';
import { AccountResult, Command, MatrixResult } from './result';
import { failedResult, skippedResult } from './result-assembly';
import { defaultRunId } from './run-id';
import { RunJournal, recoverRun } from './run-journal';
import { ShardSpec, shardAccounts } from './shard';
import { TerraformEnvironmentOptions, environmentSecrets } from './terraform-environment';
import { TerraformSetup, prepareTerraform, writeIfChanged } from './terraform-setup';
import { errorExcerpt, runTerraform } from './terraform-process';
import { WorkDirectory } from './work-directory';

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
  | { readonly kind: 'heartbeat'; readonly running: readonly { readonly account: ResolvedAccount; readonly phase: Phase; readonly elapsedMs: number }[] }
  /** Something the user should know that is not about one account: an earlier run that never finished, a risky setting. */
  | { readonly kind: 'notice'; readonly message: string };

export interface MatrixRunOptions {
  readonly config: MatrixConfig;
  /** The config file as the user named it, for the result. */
  readonly configLabel: string;
  readonly command: Command;
  /** Holds one working directory per account, the provider cache, logs, and each run's journal. */
  readonly workDir: string;
  /** Accounts run at the same time. @default the number of CPUs */
  readonly parallelism?: number;
  /** Per-account limit, all phases together. @default none */
  readonly timeoutMs?: number;
  /** How long Terraform waits for a state lock, in milliseconds. @default 120000 (two minutes) */
  readonly lockTimeoutMs?: number;
  readonly runId?: string;
  /** The commit the config comes from, recorded in the result. @default none */
  readonly commit?: string;
  readonly apply?: ApplyMode;
  readonly shard?: ShardSpec;
  /** The accounts changed since a git revision (`--changed-since`): the others are skipped. @default every account runs */
  readonly changes?: ChangedAccounts;
  /**
   * Run only accounts whose effective configuration is not the one their record says was last applied; the others
   * are skipped. @default false
   */
  readonly unapplied?: boolean;
  /** The caller's environment; Terraform gets only an allowlisted part of it (terraform-environment.ts). */
  readonly env?: NodeJS.ProcessEnv;
  /** `TF_LOG` for Terraform, and further variables to pass to it. @default neither */
  readonly terraform?: TerraformEnvironmentOptions;
  /**
   * Called with every credential the run handles, so that an adapter can mask it in its logs: those of the
   * environment, and those the engine obtains itself for the pre-check (assumed-role keys, session tokens).
   */
  readonly onSecret?: (value: string) => void;
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
  /** Accounts pre-checked at the same time (API reads, no Terraform). @default 32 */
  readonly precheckParallelism?: number;
}

/** Pre-checks are API reads that cost next to no CPU, mostly waiting for AWS: many run at a time. */
const PRECHECK_PARALLELISM = 32;

/** How often the adapters hear which accounts are still running, so that a long plan never looks stuck. */
const HEARTBEAT_MS = 30_000;

/**
 * Plans (or applies, or checks for drift) every selected account; one account's failure never stops the others.
 * The work directory is locked for the run; each account's result goes to the run's journal as it finishes, and the
 * result document is assembled from the journal.
 */
export async function runMatrix(options: MatrixRunOptions): Promise<MatrixResult> {
  const runId = options.runId ?? defaultRunId(options.env);
  const progress = options.onProgress ?? (() => undefined);
  const notice = (message: string) => progress({ kind: 'notice', message });
  const workDir = WorkDirectory.open(resolve(options.workDir), { runId, command: options.command }, notice);
  try {
    return await runLocked(options, workDir, runId, progress);
  } finally {
    workDir.release();
  }
}

async function runLocked(options: MatrixRunOptions, workDir: WorkDirectory, runId: string, progress: (event: ProgressEvent) => void): Promise<MatrixResult> {
  const startedAt = new Date();
  const env = options.env ?? process.env;
  for (const secret of environmentSecrets(env)) options.onSecret?.(secret);
  reportUnfinishedRuns(workDir, runId, progress);
  if (options.terraform?.terraformLog) {
    progress({ kind: 'notice', message: `Terraform runs with TF_LOG=${options.terraform.terraformLog.toUpperCase()}: its debug output, in every account's log, can hold credentials and request signatures. Turn it off once you have what you need.` });
  } else if (env.TF_LOG) {
    progress({ kind: 'notice', message: 'TF_LOG is set but not passed to Terraform: debug logs can hold credentials, so they are written only on request (--terraform-log, or the terraform-log input).' });
  }
  const setup = await prepareTerraform(workDir.path, env, options.terraform);
  const aws = engineAccess(setup.env, options.onSecret, progress);
  // Records are read and written only with access of the engine's own.
  const access = aws.unavailable === undefined ? aws : undefined;
  const parallelism = Math.max(1, options.parallelism ?? availableParallelism());
  const inShard = options.shard ? shardAccounts(options.config.accounts, options.shard) : options.config.accounts;
  const digests = new ConfigDigests();
  const configDigest = digests.config(options.config);
  const accountDigests = new Map(inShard.map((account) => [account.id, digests.account(account)]));
  const selection = options.unapplied ? await unappliedAccounts(inShard, accountDigests, access) : undefined;
  const skip = new Map([...(options.changes ? unchangedAccounts(options.config, options.changes) : []), ...(selection ? alreadyApplied(inShard, selection) : [])]);
  const toRun = inShard.filter((account) => !skip.has(account.id));
  const cancel = options.signal ?? new AbortController().signal;
  const apply = await resolveReviews(options.apply, toRun, selection);

  const journal = RunJournal.start(workDir.runDirectory(runId), options.command, {
    id: runId,
    started_at: startedAt.toISOString(),
    config: options.configLabel,
    terraform_version: setup.version,
    parallelism,
    ...(options.shard ? { shard: options.shard } : {}),
    ...(options.changes ? { changed_since: { ref: options.changes.ref, commit: options.changes.commit } } : {}),
    ...(options.unapplied ? { unapplied: true } : {}),
    ...(options.commit ? { commit: options.commit } : {}),
    config_digest: configDigest,
  }, inShard);
  workDir.pruneRuns(runId);
  if (journal.problem) progress({ kind: 'notice', message: `The run's journal cannot be written (${journal.problem}): if the run is killed, what finished is not kept.` });
  for (const account of inShard) {
    if (skip.has(account.id)) journal.append({ ...skippedResult(account, skip.get(account.id)!), config_digest: accountDigests.get(account.id) });
  }
  progress({ kind: 'start', total: toRun.length, parallelism, terraform: setup });

  const providers = toRun.length > 0 && !cancel.aborted ? await installProviders(setup, workDir.path, toRun[0]).catch((error: Error) => error) : undefined;
  const running = new Map<ResolvedAccount, { phase: Phase; started: number }>();
  const heartbeat = setInterval(() => {
    if (running.size === 0) return;
    const now = Date.now();
    progress({ kind: 'heartbeat', running: [...running].map(([account, state]) => ({ account, phase: state.phase, elapsedMs: now - state.started })) });
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const limit = pLimit(parallelism);
  const precheck =
    options.command === 'apply' || typeof providers !== 'string'
      ? undefined
      : new DriftPrecheck({
          // Without access of its own (`unavailable` says why), every account goes to Terraform with the reason.
          aws,
          runId,
          command: options.command,
          terraformVersion: setup.version,
          awsProviderVersion: lockedProviderVersion(providers),
          maxAgeMs: options.maxAgeMs,
          digests,
        });
  const checkSlot = pLimit(options.precheckParallelism ?? PRECHECK_PARALLELISM);
  let done = 0;
  await Promise.all(
    toRun.map(async (account) => {
      const configDigestOfAccount = accountDigests.get(account.id)!;
      const terraform = async () => {
        const started = Date.now();
        const runOptions: AccountRunOptions = {
          command: options.command,
          setup,
          directory: workDir.accountDirectory(account.name),
          runId,
          providerLock: typeof providers === 'string' ? providers : undefined,
          lockTimeout: `${Math.ceil((options.lockTimeoutMs ?? 120_000) / 1000)}s`,
          timeoutMs: options.timeoutMs,
          apply,
          configDigest: configDigestOfAccount,
          cancel,
          kill: options.kill,
          onPhase: (phase, state) => {
            running.set(account, { phase, started });
            progress({ kind: 'phase', account, phase, state, elapsedMs: Date.now() - started });
          },
        };
        const result =
          providers instanceof Error
            ? { ...failedResult(account, 'init', providers.message), config_digest: configDigestOfAccount }
            : await runAccount(account, runOptions).catch((error: unknown) => ({ ...failedResult(account, 'run', error instanceof Error ? error.message : String(error)), config_digest: configDigestOfAccount }));
        running.delete(account);
        return result;
      };
      const result = precheck
        ? await precheckedRun(account, { precheck, full: options.full ?? false, checkSlot, terraformSlot: limit, terraform, cancel, configDigest: configDigestOfAccount })
        : await limit(terraform);
      journal.append(await withAppliedRecord(result, account, access, { config_digest: configDigestOfAccount, commit: options.commit, run_id: runId }));
      done += 1;
      progress({ kind: 'account', result, done, total: toRun.length });
    }),
  );
  clearInterval(heartbeat);
  if (journal.problem) progress({ kind: 'notice', message: `The run's journal in ${journal.directory} is incomplete (${journal.problem}).` });
  const result = journal.result(new Date());
  journal.finish(result);
  return result;
}

/**
 * The engine's own AWS access, with the credentials Terraform gets; a notice when it has none of its own
 * (`unavailable`): records beside S3 states can then be neither read nor written.
 */
function engineAccess(env: NodeJS.ProcessEnv, onSecret: ((value: string) => void) | undefined, progress: (event: ProgressEvent) => void): AwsAccess {
  const access = new AwsAccess(env, onSecret);
  if (access.unavailable !== undefined) {
    progress({ kind: 'notice', message: `The engine cannot reach AWS itself (${access.unavailable}): the records beside each state are neither read nor written.` });
  }
  return access;
}

/** Accounts whose configuration is already in effect, with the reason the result gives for skipping them. */
function alreadyApplied(accounts: readonly ResolvedAccount[], selection: UnappliedAccounts): [string, string][] {
  return accounts
    .filter((account) => !selection.unapplied.has(account.id))
    .map((account) => {
      const applied = selection.applied.get(account.id)!;
      return [account.id, `already applied: run ${applied.run_id} applied this configuration${applied.commit ? ` at ${applied.commit.slice(0, 12)}` : ''} on ${applied.at}`];
    });
}

/** The reviews of an apply, looked up now that the accounts to plan, and what was last applied to each, are known. */
async function resolveReviews(apply: ApplyMode | undefined, toRun: readonly ResolvedAccount[], selection: UnappliedAccounts | undefined): Promise<ApplyMode | undefined> {
  if (apply?.kind !== 'expect' || typeof apply.reviewed !== 'function') return apply;
  const pending = toRun.map((account) => ({ account, applied: selection?.applied.get(account.id) }));
  return { kind: 'expect', reviewed: await apply.reviewed(pending) };
}

/**
 * Records the configuration as the one in effect when the account's run proved it: an apply that succeeded, or a plan
 * that found nothing to change. A record that cannot be written is a warning: the next apply plans the account again.
 */
async function withAppliedRecord(result: AccountResult, account: ResolvedAccount, access: AwsAccess | undefined, applied: Omit<AppliedConfiguration, 'at'>): Promise<AccountResult> {
  const inEffect = result.status === 'applied' || (result.status === 'no_changes' && result.fingerprint !== undefined);
  // A pre-checked account's converged record names this configuration: the plan that proved it converged recorded it
  // as in effect then. Reading the record again for every quiet account would double the run's S3 reads.
  if (!inEffect || result.precheck?.without_terraform) return result;
  try {
    await recordApplied(account, access, { ...applied, at: new Date().toISOString() });
    return result;
  } catch (error) {
    const warning = `Its record of the configuration in effect could not be written (${(error as Error).message.split('\n')[0]}): the next apply plans it again.`;
    return { ...result, warnings: [...(result.warnings ?? []), warning] };
  }
}

/** Earlier runs in this work directory that were killed before they finished: their results are written now. */
function reportUnfinishedRuns(workDir: WorkDirectory, runId: string, progress: (event: ProgressEvent) => void): void {
  for (const directory of workDir.otherRuns(runId)) {
    const unfinished = recoverRun(directory);
    if (!unfinished) continue;
    progress({
      kind: 'notice',
      message: `Run ${unfinished.runId} (${unfinished.command}) in this work directory did not finish: ${unfinished.finished} of ${unfinished.total} accounts finished; the others may have left a state lock. Its result, with them as cancelled: ${unfinished.resultFile}`,
    });
  }
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
