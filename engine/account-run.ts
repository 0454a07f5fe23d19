import { createHash } from 'node:crypto';
import { WriteStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResolvedAccount } from './config';
import { planFingerprint, planShape } from './fingerprint';
import { NormalisedPlan, PlanJson, normalisePlan } from './plan-normalise';
import { AccountResult, AccountStatus, Command, NO_CHANGES, OutputChange, PhaseTiming, SENSITIVE } from './result';
import { formatDuration } from './duration';
import { AppliedConfiguration } from './applied-configuration';
import { ReviewedFingerprints, ReviewedPlan } from './review-record';
import { rootConfiguration } from './root-module';
import { TerraformExit, TerraformInvocation, UiEvent, errorExcerpt, runTerraform } from './terraform-process';
import { TerraformSetup, writeIfChanged } from './terraform-setup';

/** How `apply` decides what to apply. */
export type ApplyMode =
  /** Plan, then apply that plan. */
  | { readonly kind: 'auto-approve' }
  /**
   * Plan, then apply only if the plan's fingerprint is one a review showed for the account. The reviews may depend on
   * which accounts have changes not yet applied (an apply gathers the reviews of every merge since): then they are
   * looked up once the run knows, from the accounts it will plan and what was last applied to each.
   */
  | { readonly kind: 'expect'; readonly reviewed: ReviewedFingerprints | ((pending: readonly PendingAccount[]) => Promise<ReviewedFingerprints>) }
  /** Apply the plan file that the `plan` run with this id saved in the working directory. */
  | {
      readonly kind: 'saved';
      readonly runId: string;
      readonly fingerprints: ReadonlyMap<string, string>;
      /** Accounts the plan run checked without Terraform (no plan file): nothing to apply. */
      readonly unchanged?: ReadonlySet<string>;
    };

/** An account a run will plan, and what its record says was last applied to it, if anything. */
export interface PendingAccount {
  readonly account: ResolvedAccount;
  readonly applied?: AppliedConfiguration;
}

export type Phase = 'prepare' | 'init' | 'plan' | 'show' | 'apply' | 'refresh' | 'output';

/** An output as `terraform output -json` and the `outputs` UI message give it; the message leaves out sensitive values. */
interface StateOutput {
  readonly sensitive: boolean;
  readonly value?: unknown;
}

interface OutputsEvent extends UiEvent {
  readonly outputs: Readonly<Record<string, StateOutput>>;
}

export interface AccountRunOptions {
  readonly command: Command;
  readonly setup: TerraformSetup;
  /** The account's working directory. */
  readonly directory: string;
  readonly runId: string;
  /** Lock file every account starts from, so that providers come from the shared cache (see matrix-run). */
  readonly providerLock?: string;
  /** How long Terraform waits for a state lock held by another run, e.g. "2m". */
  readonly lockTimeout: string;
  /** Limit for the whole account, all phases; undefined: none. */
  readonly timeoutMs?: number;
  readonly apply?: ApplyMode;
  /** Digest of the account's effective configuration, recorded in its result. */
  readonly configDigest?: string;
  readonly cancel: AbortSignal;
  /** Kills Terraform at once (after a second Ctrl-C): state may go unwritten, locks stay held. */
  readonly kill?: AbortSignal;
  readonly onPhase: (phase: Phase, state: 'started' | 'finished' | 'failed') => void;
}


/** Files in an account's working directory. */
const PLAN_FILE = 'tfplan';
const PLAN_META_FILE = 'tfplan.meta.json';
const INIT_MARKER = join('.terraform', 'session-manager-role-init');

/** Metadata saved next to a plan file: which run made it, what it does, and the file's own hash. */
interface SavedPlan {
  readonly run_id: string;
  readonly fingerprint: string;
  readonly sha256: string;
  readonly plan: NormalisedPlan;
}

/** A step that did not succeed; carries what the result reports. */
class StepFailure extends Error {
  constructor(
    readonly phase: Phase,
    readonly status: AccountStatus,
    message: string,
  ) {
    super(message);
  }
}

/** Session names allow 2 to 64 characters of [\w+=,.@-]. */
export function sessionName(runId: string): string {
  return `session-manager-role-${runId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/** Plans (and for `apply`, applies) one account. Never throws: every outcome is an AccountResult. */
export async function runAccount(account: ResolvedAccount, options: AccountRunOptions): Promise<AccountResult> {
  return new AccountRun(account, options).run();
}

class AccountRun {
  private readonly started = Date.now();
  private readonly phases: PhaseTiming[] = [];
  private readonly warnings: string[] = [];
  private readonly abort = new AbortController();
  private readonly logFile: string;
  private log?: WriteStream;
  private currentPhase: Phase = 'prepare';
  private timedOut = false;
  private plan?: NormalisedPlan;
  private fingerprint?: string;

  constructor(
    private readonly account: ResolvedAccount,
    private readonly options: AccountRunOptions,
  ) {
    this.logFile = join(options.directory, `${options.command}.log`);
  }

  async run(): Promise<AccountResult> {
    const stop = () => this.abort.abort();
    if (this.options.cancel.aborted) stop();
    this.options.cancel.addEventListener('abort', stop, { once: true });
    const timer = this.options.timeoutMs === undefined ? undefined : setTimeout(() => ((this.timedOut = true), stop()), this.options.timeoutMs);
    try {
      return await this.steps();
    } catch (error) {
      // Whatever went wrong, in Terraform or here, is this account's failure and no other's.
      const failure = error instanceof StepFailure ? error : new StepFailure(this.currentPhase, 'failed', error instanceof Error ? error.message : String(error));
      return this.result(failure.status, { error: { phase: failure.phase, message: failure.message } });
    } finally {
      clearTimeout(timer);
      this.options.cancel.removeEventListener('abort', stop);
      await this.closeLog();
    }
  }

  private async steps(): Promise<AccountResult> {
    const apply = this.options.apply;
    if (apply?.kind === 'saved' && apply.unchanged?.has(this.account.id)) {
      return this.result('no_changes', { reason: `nothing to apply: run ${apply.runId} checked it without Terraform and found it unchanged` });
    }
    await this.phase('prepare', async () => this.prepare());
    if (this.needsInit()) await this.phase('init', () => this.init());
    if (this.options.command === 'apply' && apply?.kind === 'saved') return this.applySaved(apply);

    this.plan = await this.planAndRead();
    this.fingerprint = planFingerprint(this.plan);
    this.savePlanMeta();
    const hasChanges = this.plan.changes.length > 0;
    if (this.options.command !== 'apply') return this.result(hasChanges ? 'changes' : 'no_changes');

    // Nothing to apply is never refused; changes are applied only as reviewed.
    if (!hasChanges) return this.result('no_changes');
    if (apply?.kind === 'expect') {
      if (typeof apply.reviewed === 'function') throw new Error('the reviews of an apply are looked up before its accounts run');
      const refusal = refusalReason(apply.reviewed.get(this.account.id) ?? [], this.fingerprint);
      if (refusal) return this.result('refused', { reason: refusal });
    }
    return this.applyPlanFile();
  }

  /**
   * Applies the plan file, then records the refreshed state: objects created in one apply are read before their
   * attachments exist, and without this every later plan would show that difference as drift (and need `show`).
   * `terraform refresh` does what `apply -refresh-only -auto-approve` does with one provider start instead of two
   * (docs/benchmarks.md).
   */
  private async applyPlanFile(): Promise<AccountResult> {
    const lock = `-lock-timeout=${this.options.lockTimeout}`;
    const applied = await this.phase('apply', () => this.terraform(['apply', '-json', '-input=false', lock, PLAN_FILE], 'events'));
    // Only the apply decides the status: once it succeeded, the changes are in AWS and in the state, whatever the
    // refresh that follows does.
    let reported = lastOutputs(applied.events);
    try {
      const refreshed = await this.phase('refresh', () => this.terraform(['refresh', '-json', '-input=false', lock], 'events'));
      // The refresh reports the outputs it recorded (sensitive ones without their value): no `terraform output` needed.
      reported = lastOutputs(refreshed.events) ?? reported;
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
      this.warnings.push(
        `The changes are applied and in the state, but the refresh after the apply did not finish (${why}). Until a refresh records the objects as AWS now has them, ` +
          `a plan may show differences that are not drift: run \`terraform refresh -var session_name=${sessionName(this.options.runId)}\` in ${this.options.directory} with the account's credentials.`,
      );
    }
    return this.result('applied', { outputs: this.outputChanges(reported ?? {}) });
  }

  /**
   * Plans and reads the plan. `terraform show -json` starts the provider again for its schema, a fifth of a plan's
   * cost, so it is skipped when the plan says there is nothing to see: no changes (exit 0 of -detailed-exitcode) and
   * no drift (the plan's UI reports every drifted resource). Outputs then come from the state.
   */
  private async planAndRead(): Promise<NormalisedPlan> {
    const planned = await this.phase('plan', () =>
      this.terraform(['plan', '-json', '-detailed-exitcode', '-input=false', `-lock-timeout=${this.options.lockTimeout}`, `-out=${PLAN_FILE}`], 'events', [0, 2]),
    );
    if (planned.exitCode === 0 && !planned.events.some((event) => event.type === 'resource_drift')) {
      return { changes: [], drift: [], counts: NO_CHANGES, outputs: await this.stateOutputs() };
    }
    const shown = await this.phase('show', () => this.terraform(['show', '-json', '-no-color', PLAN_FILE], 'data'));
    return normalisePlan(JSON.parse(shown.stdout) as PlanJson);
  }

  /** Applies the plan file a `plan` run saved, after checking it is that run's file, unchanged. */
  private async applySaved(apply: Extract<ApplyMode, { kind: 'saved' }>): Promise<AccountResult> {
    this.currentPhase = 'apply';
    const expected = apply.fingerprints.get(this.account.id);
    if (expected === undefined) throw new StepFailure('apply', 'failed', `run ${apply.runId} has no plan for this account`);
    const meta = this.readPlanMeta();
    const planPath = join(this.options.directory, PLAN_FILE);
    if (!meta || meta.run_id !== apply.runId || meta.fingerprint !== expected || !existsSync(planPath) || sha256File(planPath) !== meta.sha256) {
      throw new StepFailure('apply', 'failed', `the saved plan of run ${apply.runId} is missing or was replaced: plan again`);
    }
    this.fingerprint = meta.fingerprint;
    this.plan = meta.plan;
    return this.applyPlanFile();
  }

  /** The working directory, its root configuration and the log: what every later step needs. */
  private prepare(): void {
    const { directory, providerLock } = this.options;
    mkdirSync(directory, { recursive: true });
    this.openLog();
    const configuration = rootConfiguration(this.account, directory);
    writeIfChanged(join(directory, 'main.tf.json'), `${JSON.stringify(configuration, null, 2)}\n`);
    if (providerLock !== undefined) writeIfChanged(join(directory, '.terraform.lock.hcl'), providerLock);
  }

  /** What `init` depends on; when it is unchanged since the last successful init, init is skipped. */
  private initKey(): string {
    const { directory, setup } = this.options;
    const read = (file: string) => (existsSync(join(directory, file)) ? readFileSync(join(directory, file), 'utf8') : '');
    return createHash('sha256').update([setup.version, setup.cliConfig, read('main.tf.json'), read('.terraform.lock.hcl')].join('\0')).digest('hex');
  }

  private needsInit(): boolean {
    const marker = join(this.options.directory, INIT_MARKER);
    return !existsSync(marker) || readFileSync(marker, 'utf8') !== this.initKey();
  }

  private async init(): Promise<void> {
    // -reconfigure: a changed backend means the config now names another state; never migrate state silently.
    await this.terraform(['init', '-input=false', '-no-color', '-reconfigure']);
    writeFileSync(join(this.options.directory, INIT_MARKER), this.initKey());
  }

  private savePlanMeta(): void {
    const meta: SavedPlan = {
      run_id: this.options.runId,
      fingerprint: this.fingerprint!,
      sha256: sha256File(join(this.options.directory, PLAN_FILE)),
      plan: this.plan!,
    };
    writeFileSync(join(this.options.directory, PLAN_META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  }

  private readPlanMeta(): SavedPlan | undefined {
    const path = join(this.options.directory, PLAN_META_FILE);
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as SavedPlan;
    } catch (error) {
      throw new StepFailure('apply', 'failed', `the saved plan's metadata (${path}) cannot be read (${(error as Error).message}): plan again`);
    }
  }

  /**
   * Opens the log now, so that a log that cannot be written fails this account at once with the reason; a write
   * that fails later (a full disk) leaves a warning instead of ending the run.
   */
  private openLog(): void {
    const fd = openSync(this.logFile, 'w');
    this.log = createWriteStream(this.logFile, { fd });
    this.log.on('error', (error) => {
      if (!this.warnings.some((warning) => warning.startsWith('Its Terraform log'))) this.warnings.push(`Its Terraform log (${this.logFile}) could not be written completely: ${error.message}.`);
    });
  }

  private async closeLog(): Promise<void> {
    const log = this.log;
    if (!log || log.destroyed) return;
    await new Promise<void>((resolve) => {
      log.once('close', resolve);
      log.end();
    });
  }

  /** The root outputs as the state holds them (no provider needed). */
  private async stateOutputs(): Promise<OutputChange[]> {
    const shown = await this.phase('output', () => this.terraform(['output', '-json', '-no-color'], 'data'));
    return this.outputChanges(JSON.parse(shown.stdout) as Record<string, StateOutput>);
  }

  private outputChanges(outputs: Readonly<Record<string, StateOutput>>): OutputChange[] {
    return Object.entries(outputs)
      .map(([name, output]) => ({ name, action: this.plannedOutputAction(name), after: output.sensitive ? SENSITIVE : output.value }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private plannedOutputAction(name: string): OutputChange['action'] {
    return this.plan?.outputs.find((output) => output.name === name)?.action ?? 'no-op';
  }

  private async phase<T>(phase: Phase, step: () => Promise<T> | T): Promise<T> {
    if (this.abort.signal.aborted) throw this.stopped(phase);
    this.currentPhase = phase;
    const started = Date.now();
    this.options.onPhase(phase, 'started');
    try {
      const value = await step();
      this.phases.push({ phase, duration_ms: Date.now() - started });
      this.options.onPhase(phase, 'finished');
      return value;
    } catch (error) {
      this.phases.push({ phase, duration_ms: Date.now() - started });
      this.options.onPhase(phase, 'failed');
      if (error instanceof StepFailure) throw error;
      throw new StepFailure(phase, 'failed', error instanceof Error ? error.message : String(error));
    }
  }

  private async terraform(args: string[], stdout: TerraformInvocation['stdout'] = 'text', success: readonly number[] = [0]): Promise<TerraformExit> {
    const exit = await runTerraform({
      binary: this.options.setup.binary,
      args,
      cwd: this.options.directory,
      env: { ...this.options.setup.env, TF_VAR_session_name: sessionName(this.options.runId) },
      log: this.log!,
      signal: this.abort.signal,
      kill: this.options.kill,
      stdout,
    });
    if (exit.exitCode !== null && success.includes(exit.exitCode) && !exit.interrupted) return exit;
    const phase = args[0] as Phase;
    if (exit.interrupted) throw this.stopped(phase, exit.exitCode === null);
    throw new StepFailure(phase, 'failed', errorExcerpt(exit) || `terraform ${args[0]} exited with ${exit.exitCode}`);
  }

  /** Why the run stopped early: its time limit, or a cancellation of the whole matrix. */
  private stopped(phase: Phase, killed = false): StepFailure {
    const how = killed
      ? '; Terraform was killed before it stopped by itself: check the state lock (terraform force-unlock)'
      : phase === 'prepare'
        ? ''
        : '; Terraform was interrupted, wrote its state and released the lock';
    if (this.timedOut) return new StepFailure(phase, 'failed', `timed out after ${formatDuration(this.options.timeoutMs!)} during ${phase}${how}`);
    if (phase === 'prepare') return new StepFailure(phase, 'cancelled', 'cancelled before it started');
    return new StepFailure(phase, 'cancelled', `cancelled during ${phase}${how}`);
  }

  private result(status: AccountStatus, extra: Partial<AccountResult> = {}): AccountResult {
    const plan = this.plan;
    return {
      id: this.account.id,
      name: this.account.name,
      variant: this.account.variant,
      region: this.account.region,
      status,
      ...(this.fingerprint ? { fingerprint: this.fingerprint } : {}),
      ...(plan ? { plan_shape: planShape(plan, this.account) } : {}),
      counts: plan?.counts ?? NO_CHANGES,
      changes: plan?.changes ?? [],
      drift: plan?.drift ?? [],
      outputs: plan?.outputs ?? [],
      duration_ms: Date.now() - this.started,
      phases: this.phases,
      ...(this.warnings.length > 0 ? { warnings: [...this.warnings] } : {}),
      ...(this.options.configDigest ? { config_digest: this.options.configDigest } : {}),
      ...(this.log ? { log_file: this.logFile } : {}),
      ...extra,
    };
  }
}

/** The root outputs a Terraform run last reported (its `outputs` message), if any. */
function lastOutputs(events: readonly UiEvent[]): Readonly<Record<string, StateOutput>> | undefined {
  return events.filter((event): event is OutputsEvent => event.type === 'outputs').pop()?.outputs;
}

/** Why changes with this fingerprint may not be applied, given the reviews of the account; undefined when one matches. */
function refusalReason(reviews: readonly ReviewedPlan[], fingerprint: string): string | undefined {
  if (reviews.length === 0) return 'it has changes that no reviewed plan showed: plan it in a pull request first';
  if (reviews.some((review) => review.fingerprint === fingerprint)) return undefined;
  const seen = reviews.map((review) => `${review.source} reviewed ${review.fingerprint.slice(0, 12)}`).join(', ');
  const one = reviews.length === 1;
  return `its plan differs from the reviewed one${one ? '' : 's'} (${seen}; now ${fingerprint.slice(0, 12)}): plan and review again`;
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}
