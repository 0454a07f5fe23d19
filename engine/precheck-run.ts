import { ResolvedAccount } from './config';
import { ConvergedSection, DriftPrecheck, PrecheckVerdict, convergedTimes, unchangedReason } from './drift-precheck';
import { planFingerprint, planShape } from './fingerprint';
import { NormalisedPlan } from './plan-normalise';
import { AccountResult, NO_CHANGES, OutputChange, PrecheckResult } from './result';

/** Runs a task in one of a limited number of slots (p-limit). */
export type Slot = <T>(task: () => Promise<T>) => Promise<T>;

export interface PrecheckedRunOptions {
  readonly precheck: DriftPrecheck;
  /** `--full`: Terraform plans the account whatever its record says (the record is still written when it converges). */
  readonly full: boolean;
  /** Where pre-checks run: many at a time, since they are API reads. */
  readonly checkSlot: Slot;
  /** Where Terraform runs: as many at a time as the run's parallelism. */
  readonly terraformSlot: Slot;
  /** Plans the account with Terraform (runAccount). */
  readonly terraform: () => Promise<AccountResult>;
  /** The run's cancellation: an account not yet checked when it comes is left to Terraform, which reports it cancelled. */
  readonly cancel: AbortSignal;
  /** The account's configuration digest, for the result of an account checked without Terraform. */
  readonly configDigest: string;
}

/**
 * One account of a plan or drift run with the drift pre-check: the account is reported without Terraform when its
 * configuration, state and AWS objects equal its converged record; otherwise Terraform plans it, between two reads of
 * the state and objects, and a plan with no changes and no drift whose reads agree becomes the new converged record.
 */
export async function precheckedRun(account: ResolvedAccount, options: PrecheckedRunOptions): Promise<AccountResult> {
  let precheckMs = 0;
  const check = async (): Promise<PrecheckVerdict> => {
    if (options.cancel.aborted) return { unchanged: false, reason: 'the run was cancelled' };
    const started = Date.now();
    const verdict = await options.precheck.check(account);
    precheckMs = Date.now() - started;
    return verdict;
  };
  const verdict: PrecheckVerdict = options.full ? { unchanged: false, reason: 'a full check was asked for: Terraform plans every account' } : await options.checkSlot(check);
  if (verdict.unchanged) return { ...unchangedAccount(account, verdict.converged, verdict.outputs, precheckMs), config_digest: options.configDigest };

  return options.terraformSlot(async () => {
    if (options.cancel.aborted) return options.terraform();
    // Time spent waiting for a slot is not the account's.
    const slotStarted = Date.now();
    const elapsed = () => precheckMs + Date.now() - slotStarted;
    // Read right before Terraform starts, so that the reads and the plan are as close together as they can be.
    const before = await options.precheck.observe(account);
    const result = await options.terraform();
    const phases = options.full ? result.phases : [{ phase: 'precheck', duration_ms: precheckMs }, ...result.phases];
    const precheck: PrecheckResult = { without_terraform: false, terraform_reason: verdict.reason };
    if (result.drift.length > 0) {
      const notForgotten = await options.precheck.forgetConvergence(account);
      return { ...result, phases, duration_ms: elapsed(), precheck: notForgotten ? { ...precheck, not_recorded_reason: notForgotten } : precheck };
    }
    if (result.status !== 'no_changes') return { ...result, phases, duration_ms: elapsed(), precheck };

    const recordStarted = Date.now();
    const written = typeof before === 'string' ? `the reads before the plan failed: ${before}` : await options.precheck.recordConvergence(account, before);
    const recorded: PrecheckResult =
      typeof written === 'string' ? { ...precheck, recorded: false, not_recorded_reason: written } : { ...precheck, recorded: true, ...convergedTimes(written) };
    return { ...result, phases: [...phases, { phase: 'record', duration_ms: Date.now() - recordStarted }], duration_ms: elapsed(), precheck: recorded };
  });
}

/** The result of an account checked without Terraform: what a plan with no changes reports, and how it was found. */
function unchangedAccount(account: ResolvedAccount, converged: ConvergedSection, outputs: readonly OutputChange[], durationMs: number): AccountResult {
  const plan: NormalisedPlan = { changes: [], drift: [], outputs, counts: NO_CHANGES };
  return {
    id: account.id,
    name: account.name,
    variant: account.variant,
    region: account.region,
    status: 'no_changes',
    reason: unchangedReason(converged),
    // The fingerprint of a Terraform plan without changes, so that reviews and applies treat both alike.
    fingerprint: planFingerprint(plan),
    plan_shape: planShape(plan, account),
    counts: NO_CHANGES,
    changes: [],
    drift: [],
    outputs,
    duration_ms: durationMs,
    phases: [{ phase: 'precheck', duration_ms: durationMs }],
    precheck: { without_terraform: true, ...convergedTimes(converged) },
  };
}
