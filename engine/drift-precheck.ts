import { createHash } from 'node:crypto';
import { AccountRecordError, readAccountRecord, updateAccountRecord } from './account-record';
import { sessionName } from './account-run';
import { AwsAccess } from './aws/aws-access';
import { BackendObjects, accountObjects } from './backend-objects';
import { ResolvedAccount } from './config';
import { ConfigDigests } from './config-digest';
import { canonicalJson } from './fingerprint';
import { UnknownField } from './private/response-shapes';
import { ObservedRead, ReadFailure, TerraformState, UnreadableState, VERIFIED_AWS_PROVIDER_VERSIONS, describeRead, observe, readKey, refreshReads } from './refresh-reads';
import { Command, OutputChange, PrecheckResult, SENSITIVE } from './result';
import { TOOL_VERSION } from './version';

/**
 * Version of what the pre-check reads and compares (refresh-reads.ts, private/response-shapes.ts). A record made
 * under other rules is not trusted: change it whenever a read, a follow-up or a compared field changes.
 */
export const PRECHECK_RULES_VERSION = 1;

/** How old a converged record may be before Terraform checks the account again anyway. */
export const DEFAULT_MAX_AGE_MS = 7 * 24 * 3_600_000;

/** The state a plan read, identified by its content. */
export interface StateIdentity {
  readonly sha256: string;
  readonly serial: number;
  readonly lineage: string;
}

/**
 * The `converged` section of an account record: everything a Terraform plan that found no changes and no drift
 * depended on, as it was while that plan ran. A plan is a function of the configuration, the state, the Terraform
 * and provider versions and what AWS answers; the pre-check trusts the record only while all of them are the same.
 */
export interface ConvergedSection {
  /** Since when the account is converged with this configuration, state and AWS objects. */
  readonly since: string;
  /** When a Terraform plan last proved it (the start of the reads around that plan). */
  readonly verified_at: string;
  readonly run_id: string;
  readonly command: Command;
  readonly tool_version: string;
  readonly rules_version: number;
  /** `new ConfigDigests().account(account)`: root configuration and local module content. */
  readonly config_digest: string;
  readonly terraform_version: string;
  readonly aws_provider_version: string;
  readonly state: StateIdentity;
  /** The refresh's reads, each with what AWS answered (volatile fields left out), before and after the plan alike. */
  readonly reads: readonly ObservedRead[];
}

/** The state and AWS objects of an account at one moment, as the pre-check reads them. */
export interface Observation {
  readonly at: Date;
  readonly state: StateIdentity;
  readonly reads: readonly ObservedRead[];
  /** The root outputs, as the state holds them (a no-changes plan reports them so). */
  readonly outputs: readonly OutputChange[];
}

export type PrecheckVerdict =
  | { readonly unchanged: true; readonly converged: ConvergedSection; readonly outputs: readonly OutputChange[] }
  | { readonly unchanged: false; readonly reason: string };

export interface DriftPrecheckOptions {
  readonly aws: AwsAccess;
  readonly runId: string;
  readonly command: Command;
  readonly terraformVersion: string;
  /** The hashicorp/aws version every account's `init` selects (from the shared lock file); undefined: unknown. */
  readonly awsProviderVersion?: string;
  /** @default DEFAULT_MAX_AGE_MS */
  readonly maxAgeMs?: number;
  readonly digests?: ConfigDigests;
  /** @default the clock */
  readonly now?: () => Date;
}

/** Why something could not be read or compared: the account goes to Terraform with this reason. */
class InDoubt extends Error {}

/**
 * The drift pre-check of one run (docs/decisions.md, "Drift checks without Terraform"): `check` decides whether an
 * account equals its converged record, so that Terraform need not run; `observe` and `recordConvergence` bracket a
 * Terraform plan with reads and write the record when the plan found the account converged.
 */
export class DriftPrecheck {
  private readonly maxAgeMs: number;
  private readonly digests: ConfigDigests;
  private readonly now: () => Date;
  private readonly accountDigests = new Map<string, string>();

  constructor(private readonly options: DriftPrecheckOptions) {
    this.maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.digests = options.digests ?? new ConfigDigests();
    this.now = options.now ?? (() => new Date());
  }

  /** Whether the account can be reported without Terraform, and if not, why. Never throws. */
  async check(account: ResolvedAccount): Promise<PrecheckVerdict> {
    try {
      return await this.compare(account);
    } catch (error) {
      return { unchanged: false, reason: doubt(error) };
    }
  }

  private async compare(account: ResolvedAccount): Promise<PrecheckVerdict> {
    this.usable(account);
    const objects = this.objects(account);
    const [record, state, locked] = await Promise.all([
      readAccountRecord(objects, account.id).catch((error) => {
        if (error instanceof AccountRecordError) throw new InDoubt(error.message);
        throw new InDoubt(`could not read ${objects.where('record')}: ${errorMessage(error)}`);
      }),
      this.readState(objects),
      objects.exists('lock').catch((error) => {
        throw new InDoubt(`could not look for a state lock at ${objects.where('lock')}: ${errorMessage(error)}`);
      }),
    ]);
    const converged = record?.converged;
    if (converged === undefined) return { unchanged: false, reason: `no converged record yet (${objects.where('record')})` };
    if (!isConvergedSection(converged)) return { unchanged: false, reason: `the converged record at ${objects.where('record')} is not one this release reads` };
    const stale = this.staleness(account, converged);
    if (stale.length > 0) return { unchanged: false, reason: stale.join('; ') };
    if (locked) return { unchanged: false, reason: `the state is locked (${objects.where('lock')}): another run is working on this account` };
    if (!state) return { unchanged: false, reason: `the state is gone (${objects.where('state')})` };
    if (state.identity.sha256 !== converged.state.sha256) {
      return { unchanged: false, reason: `the state changed since it converged (serial ${converged.state.serial}, now ${state.identity.serial})` };
    }
    const reads = await this.reads(account, state.content);
    const differences = readDifferences(converged.reads, reads);
    if (differences.length > 0) return { unchanged: false, reason: `AWS objects differ from the converged record: ${differences.join('; ')}` };
    return { unchanged: true, converged, outputs: stateOutputs(state.content) };
  }

  /** The state and the account's objects now, for the reads before a Terraform plan; a reason when they cannot be read. */
  async observe(account: ResolvedAccount): Promise<Observation | string> {
    try {
      this.usable(account);
      const at = this.now();
      const state = await this.readState(this.objects(account));
      if (!state) return 'there is no state yet';
      const reads = await this.reads(account, state.content);
      return { at, state: state.identity, reads, outputs: stateOutputs(state.content) };
    } catch (error) {
      return doubt(error);
    }
  }

  /**
   * After a Terraform plan that found no changes and no drift: reads the state and objects again and, when they are
   * what `before` read just before the plan, writes the converged record (keeping `since` when the record already
   * held the same). Returns the section written, or why none was. Never throws.
   */
  async recordConvergence(account: ResolvedAccount, before: Observation): Promise<ConvergedSection | string> {
    const after = await this.observe(account);
    if (typeof after === 'string') return `the reads after the plan failed: ${after}`;
    if (after.state.sha256 !== before.state.sha256) return 'the state changed while Terraform ran';
    const differences = readDifferences(before.reads, after.reads);
    if (differences.length > 0) return `AWS objects changed while Terraform ran: ${differences.join('; ')}`;
    const verifiedAt = before.at.toISOString();
    const digest = this.digest(account);
    let written: ConvergedSection | undefined;
    try {
      await updateAccountRecord(this.objects(account), account.id, 'converged', (current) => {
        const same = isConvergedSection(current) && current.config_digest === digest && current.state.sha256 === before.state.sha256 && readDifferences(current.reads, before.reads).length === 0;
        written = {
          since: same ? current.since : verifiedAt,
          verified_at: verifiedAt,
          run_id: this.options.runId,
          command: this.options.command,
          tool_version: TOOL_VERSION,
          rules_version: PRECHECK_RULES_VERSION,
          config_digest: digest,
          terraform_version: this.options.terraformVersion,
          aws_provider_version: this.options.awsProviderVersion!,
          state: before.state,
          reads: before.reads,
        };
        return written;
      });
      return written!;
    } catch (error) {
      return `could not write ${this.objects(account).where('record')}: ${errorMessage(error)}`;
    }
  }

  /**
   * After a Terraform plan that found drift: the account is not converged, so its record says so no longer, and the
   * next time Terraform finds it converged is the time it is converged since. Returns why that failed, if it did.
   */
  async forgetConvergence(account: ResolvedAccount): Promise<string | undefined> {
    try {
      this.usable(account);
      await updateAccountRecord(this.objects(account), account.id, 'converged', () => undefined);
      return undefined;
    } catch (error) {
      return `could not update ${this.objects(account).where('record')}: ${doubt(error)}`;
    }
  }

  /** Throws InDoubt when the engine cannot read this account as Terraform would. */
  private usable(account: ResolvedAccount): void {
    const unavailable = this.options.aws.unavailable;
    if (unavailable) throw new InDoubt(unavailable);
    const provider = this.options.awsProviderVersion;
    if (!provider) throw new InDoubt('the AWS provider version is not known');
    if (!VERIFIED_AWS_PROVIDER_VERSIONS.includes(provider)) {
      throw new InDoubt(`the pre-check's reads are verified for hashicorp/aws ${VERIFIED_AWS_PROVIDER_VERSIONS.join(', ')}; this run uses ${provider}`);
    }
    if (!moduleContentKnown(account)) {
      throw new InDoubt(`the module source ${account.module.source} is not a local folder or a git commit: its content is only known to Terraform`);
    }
  }

  /** What makes a record that matched once not prove anything now: another configuration, versions, or age. */
  private staleness(account: ResolvedAccount, converged: ConvergedSection): string[] {
    const reasons: string[] = [];
    if (converged.tool_version !== TOOL_VERSION || converged.rules_version !== PRECHECK_RULES_VERSION) {
      reasons.push(`the record was written by session-manager-role ${converged.tool_version} (rules ${converged.rules_version})`);
    }
    if (converged.config_digest !== this.digest(account)) reasons.push('the configuration (root module, inputs or module content) changed since it converged');
    if (converged.terraform_version !== this.options.terraformVersion) reasons.push(`Terraform changed since it converged (${converged.terraform_version}, now ${this.options.terraformVersion})`);
    if (converged.aws_provider_version !== this.options.awsProviderVersion) {
      reasons.push(`the AWS provider changed since it converged (${converged.aws_provider_version}, now ${this.options.awsProviderVersion})`);
    }
    const age = this.now().getTime() - Date.parse(converged.verified_at);
    if (!(age <= this.maxAgeMs)) reasons.push(`Terraform last checked it ${formatAge(age)} ago, longer than the maximum age of ${formatAge(this.maxAgeMs)}`);
    return reasons;
  }

  /** The account's configuration digest, computed once per run. */
  private digest(account: ResolvedAccount): string {
    let digest = this.accountDigests.get(account.id);
    if (digest === undefined) {
      digest = this.digests.account(account);
      this.accountDigests.set(account.id, digest);
    }
    return digest;
  }

  private objects(account: ResolvedAccount): BackendObjects {
    return accountObjects(account, this.options.aws);
  }

  private async readState(objects: BackendObjects): Promise<{ identity: StateIdentity; content: TerraformState } | undefined> {
    let stored;
    try {
      stored = await objects.read('state');
    } catch (error) {
      throw new InDoubt(`could not read the state at ${objects.where('state')}: ${errorMessage(error)}`);
    }
    if (!stored) return undefined;
    let content: TerraformState;
    try {
      content = JSON.parse(stored.body.toString('utf8')) as TerraformState;
    } catch {
      throw new InDoubt(`the state at ${objects.where('state')} is not JSON`);
    }
    return { identity: { sha256: createHash('sha256').update(stored.body).digest('hex'), serial: content.serial, lineage: content.lineage }, content };
  }

  /** The account's objects as the refresh of this state reads them, under the account's role, with the run's session. */
  private async reads(account: ResolvedAccount, state: TerraformState): Promise<ObservedRead[]> {
    const session = sessionName(this.options.runId);
    const clients = this.options.aws.account(account, session);
    const [sessionArn, reads] = await Promise.all([
      clients.sessionArn().catch((error) => {
        throw new ReadFailure(`AssumeRole ${account.roleArn}: ${errorMessage(error)}`);
      }),
      observe({ ...clients, sessionName: session }, refreshReads(state)),
    ]);
    // As the provider's allowed_account_ids does: credentials of any other account are refused.
    const assumedAccount = sessionArn.split(':')[4];
    if (assumedAccount !== account.id) throw new InDoubt(`the role ${account.roleArn} belongs to account ${assumedAccount}, not ${account.id}`);
    return reads;
  }
}

/** Since when a converged record says the account is converged, and when Terraform last proved it. */
export function convergedTimes(converged: ConvergedSection): Pick<PrecheckResult, 'converged_since' | 'verified_at'> {
  return { converged_since: converged.since, verified_at: converged.verified_at };
}

/** The reason the result gives for an account checked without Terraform. */
export function unchangedReason(converged: ConvergedSection): string {
  return `checked without Terraform: configuration, state and AWS objects unchanged since it converged (${converged.since}; last planned ${converged.verified_at})`;
}

/**
 * A local module's content is in the configuration digest; a git source pinned to a commit cannot change. Anything
 * else (a registry version, a tag or branch) can change without the configuration changing.
 */
export function moduleContentKnown(account: ResolvedAccount): boolean {
  return account.module.localDirectory !== undefined || /^git::.*[?&]ref=[0-9a-f]{40}(&|$)/.test(account.module.source);
}

/** The hashicorp/aws version a Terraform lock file selects. */
export function lockedProviderVersion(lockFile: string): string | undefined {
  return /provider "registry\.terraform\.io\/hashicorp\/aws" \{[^}]*?\bversion\s*=\s*"([^"]+)"/s.exec(lockFile)?.[1];
}

/** How each read differs between two observations: `GetRole ssm-alpha (Description, Tags)`, reads missing on either side. */
export function readDifferences(recorded: readonly ObservedRead[], observed: readonly ObservedRead[]): string[] {
  const before = new Map(recorded.map((read) => [readKey(read), read]));
  const after = new Map(observed.map((read) => [readKey(read), read]));
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  return keys.flatMap((key) => {
    const [a, b] = [before.get(key), after.get(key)];
    if (!a) return [`${describeRead(b!)} (not read when it converged)`];
    if (!b) return [`${describeRead(a)} (no longer read)`];
    if (canonicalJson(a) === canonicalJson(b)) return [];
    if (a.error !== b.error) return [`${describeRead(a)} (was ${a.error ?? 'found'}, now ${b.error ?? 'found'})`];
    return [`${describeRead(a)} (${changedFields(a.response, b.response).join(', ')})`];
  });
}

/** The fields that differ, one level inside the response's wrapper (`Role`, `Policy`...): `Description`, `Tags`. */
function changedFields(a: unknown, b: unknown): string[] {
  const fields = (value: unknown) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
  const [x, y] = [fields(a), fields(b)];
  const names = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
  const differing = names.filter((name) => canonicalJson(x[name]) !== canonicalJson(y[name]));
  const wrapper = differing.length === 1 && names.length === 1 && typeof x[names[0]] === 'object' && !Array.isArray(x[names[0]]);
  return wrapper ? changedFields(x[names[0]], y[names[0]]) : differing;
}

/** The root outputs of a state as a plan without changes reports them. */
function stateOutputs(state: TerraformState): OutputChange[] {
  return Object.entries(state.outputs ?? {})
    .map(([name, output]) => ({ name, action: 'no-op' as const, after: output.sensitive ? SENSITIVE : output.value }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function isConvergedSection(value: unknown): value is ConvergedSection {
  const section = value as Partial<ConvergedSection> | undefined;
  return (
    typeof section === 'object' &&
    section !== null &&
    typeof section.since === 'string' &&
    typeof section.verified_at === 'string' &&
    typeof section.config_digest === 'string' &&
    typeof section.state?.sha256 === 'string' &&
    Array.isArray(section.reads)
  );
}

function doubt(error: unknown): string {
  if (error instanceof InDoubt || error instanceof UnreadableState || error instanceof ReadFailure || error instanceof UnknownField) return error.message;
  return `the pre-check failed: ${errorMessage(error)}`;
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { Code?: string }).Code ?? (error.name !== 'Error' ? error.name : undefined);
  return code && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
}

/** `8 days`, `3 hours`, `12 minutes`. */
export function formatAge(ms: number): string {
  const units: [string, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ];
  for (const [unit, size] of units) {
    if (ms >= size) {
      const count = Math.floor(ms / size);
      return `${count} ${unit}${count === 1 ? '' : 's'}`;
    }
  }
  return `${Math.max(0, Math.round(ms / 1000))} seconds`;
}
