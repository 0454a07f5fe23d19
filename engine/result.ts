import { ModuleVariant } from '../lib/module-inputs';

/** Version of the result document format; readers refuse other versions. */
export const RESULT_VERSION = 1;

export const COMMANDS = ['plan', 'apply', 'drift'] as const;
export type Command = (typeof COMMANDS)[number];

/**
 * What happened to one account:
 * - `no_changes`: planned, nothing to do;
 * - `changes`: planned, changes to apply;
 * - `applied`: changes applied;
 * - `skipped`: not planned (unchanged since --changed-since);
 * - `refused`: not applied because its plan differs from the reviewed one;
 * - `failed`: a Terraform step failed or timed out (see `error`);
 * - `cancelled`: stopped by a signal, or never started because of one.
 */
export const ACCOUNT_STATUSES = ['no_changes', 'changes', 'applied', 'skipped', 'refused', 'failed', 'cancelled'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** Whether an account's status makes the run fail: it failed, was refused or was cancelled. */
export function isTroubled(status: AccountStatus): boolean {
  return status === 'failed' || status === 'refused' || status === 'cancelled';
}

export const CHANGE_ACTIONS = ['create', 'update', 'delete', 'replace', 'no-op'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/** A value that the result does not carry, in place of the value. */
export const SENSITIVE = '(sensitive value)';
export const UNKNOWN = '(known after apply)';

export interface AttributeChange {
  /** Top-level attribute name, e.g. `tags` or `assume_role_policy`. */
  readonly name: string;
  /** JSON value; SENSITIVE where Terraform marks it sensitive; absent when the attribute did not exist. */
  readonly before?: unknown;
  /** JSON value; SENSITIVE or UNKNOWN where applicable; absent when the attribute will not exist. */
  readonly after?: unknown;
}

export interface ResourceChange {
  readonly address: string;
  readonly type: string;
  readonly action: ChangeAction;
  /** Terraform's reason for a replacement or deletion, e.g. `replace_because_cannot_update`. */
  readonly reason?: string;
  /** For `moved` blocks: the address the resource had. */
  readonly moved_from?: string;
  /** For `import` blocks: the id being imported. */
  readonly importing?: string;
  /**
   * Why the change is in the plan: `drift` when it only undoes changes made outside Terraform, `configuration` when
   * it applies configuration not yet applied, `both` when it does both.
   */
  readonly cause: 'drift' | 'configuration' | 'both';
  readonly attributes: readonly AttributeChange[];
}

/** A change made outside Terraform, as the refresh found it. */
export interface DriftEntry {
  readonly address: string;
  readonly type: string;
  /** `update`: attributes differ from the last applied state; `delete`: the object is gone. */
  readonly action: 'update' | 'delete';
  readonly attributes: readonly AttributeChange[];
}

export interface ChangeCounts {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly replace: number;
  readonly import: number;
  readonly move: number;
}

export const NO_CHANGES: ChangeCounts = { add: 0, change: 0, destroy: 0, replace: 0, import: 0, move: 0 };

export interface OutputChange {
  readonly name: string;
  readonly action: ChangeAction;
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface AccountError {
  /** The step that failed: init, plan, show, apply, output, or a check before them. */
  readonly phase: string;
  /** The end of Terraform's error output, or the reason (timeout, cancelled, fingerprint mismatch). */
  readonly message: string;
}

export interface PhaseTiming {
  readonly phase: string;
  readonly duration_ms: number;
}

/**
 * What the drift pre-check found for an account of a plan or drift run (docs/decisions.md, "Drift checks without
 * Terraform").
 */
export interface PrecheckResult {
  /** True when configuration, state and AWS objects equalled the account's converged record: Terraform did not run. */
  readonly without_terraform: boolean;
  /** Why Terraform ran: no record yet, what changed, what could not be read, --full. */
  readonly terraform_reason?: string;
  /** Since when the account is converged with unchanged configuration, state and AWS objects. */
  readonly converged_since?: string;
  /** When a Terraform plan last proved it converged: the record's age counts from then. */
  readonly verified_at?: string;
  /** Terraform ran and found no changes and no drift: whether the converged record was written. */
  readonly recorded?: boolean;
  /** Why the converged record could not be written, or (after drift) cleared. */
  readonly not_recorded_reason?: string;
}

export interface AccountResult {
  readonly id: string;
  readonly name: string;
  readonly variant: ModuleVariant;
  readonly region: string;
  readonly status: AccountStatus;
  /** Why the account was skipped or refused, or how it was checked without Terraform. */
  readonly reason?: string;
  /** Hash of the normalised plan (see docs): equal fingerprints mean equal changes. Absent when not planned. */
  readonly fingerprint?: string;
  /** The same hash with the account's id, name and region replaced by placeholders: equal for identical plans. */
  readonly plan_shape?: string;
  readonly counts: ChangeCounts;
  readonly changes: readonly ResourceChange[];
  readonly drift: readonly DriftEntry[];
  readonly outputs: readonly OutputChange[];
  readonly duration_ms: number;
  readonly phases: readonly PhaseTiming[];
  readonly error?: AccountError;
  /** Things the reader should know that did not change the status, e.g. a refresh that failed after an apply. */
  readonly warnings?: readonly string[];
  /** Digest of the account's effective configuration (root configuration and local module content). */
  readonly config_digest?: string;
  /** This account's Terraform log, on the machine that ran it. */
  readonly log_file?: string;
  /** Plan and drift: what the drift pre-check found. */
  readonly precheck?: PrecheckResult;
}

export interface RunInfo {
  /** Identifies the run in AWS (assume-role session name) and in logs. */
  readonly id: string;
  readonly started_at: string;
  readonly finished_at: string;
  readonly duration_ms: number;
  /** Config file, as given on the command line. */
  readonly config: string;
  readonly terraform_version?: string;
  readonly parallelism: number;
  /** Present when the run covered one shard of the matrix. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Present when only accounts changed since a git revision were planned. */
  readonly changed_since?: { readonly ref: string; readonly commit: string };
  /** Present when only accounts whose configuration was not yet applied to them ran. */
  readonly unapplied?: true;
  /** The commit the config was taken from, when known: given by the caller, or HEAD of the config's repository. */
  readonly commit?: string;
  /** Digest of the whole config's effective configuration (every account, not only those of a shard). */
  readonly config_digest?: string;
}

export interface SummaryCounts extends ChangeCounts {
  readonly accounts: number;
  readonly by_status: Readonly<Record<AccountStatus, number>>;
  readonly with_changes: number;
  readonly with_drift: number;
}

/** The result of one command over the matrix: the contract between the engine and every reporter. */
export interface MatrixResult {
  readonly version: typeof RESULT_VERSION;
  readonly tool: { readonly name: 'session-manager-role'; readonly version: string };
  readonly command: Command;
  readonly run: RunInfo;
  /** Hash over every planned account's id and fingerprint. */
  readonly fingerprint: string;
  readonly summary: SummaryCounts;
  /** In the config file's order. */
  readonly accounts: readonly AccountResult[];
}

/** Exit codes, like `terraform plan -detailed-exitcode`. */
export const EXIT_CODES = {
  /** Everything succeeded; nothing to change, no drift. */
  ok: 0,
  /** A config error, or an account failed, was refused or cancelled. */
  failure: 1,
  /** Everything succeeded; changes to apply or drift found (plan, drift). */
  changes: 2,
} as const;

export function exitCode(result: MatrixResult): number {
  const failed = result.accounts.some((account) => isTroubled(account.status));
  if (failed) return EXIT_CODES.failure;
  if (result.command === 'apply') return EXIT_CODES.ok;
  return result.summary.with_changes > 0 || result.summary.with_drift > 0 ? EXIT_CODES.changes : EXIT_CODES.ok;
}
