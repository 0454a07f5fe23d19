import { isDeepStrictEqual } from 'node:util';
import {
  AttributeChange,
  ChangeAction,
  ChangeCounts,
  DriftEntry,
  OutputChange,
  ResourceChange,
  SENSITIVE,
  UNKNOWN,
} from './result';

/** The parts of `terraform show -json <planfile>` this engine reads (Terraform's JSON output format 1.x). */
export interface PlanJson {
  readonly resource_changes?: readonly TerraformResourceChange[];
  readonly resource_drift?: readonly TerraformResourceChange[];
  readonly output_changes?: Readonly<Record<string, TerraformChange>>;
  /** Values of the root variables; sensitive ones are listed in `configuration`. */
  readonly variables?: Readonly<Record<string, { readonly value?: unknown }>>;
  readonly configuration?: { readonly root_module?: { readonly variables?: Readonly<Record<string, { readonly sensitive?: boolean }>> } };
}

export interface TerraformResourceChange {
  readonly address: string;
  readonly previous_address?: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  readonly action_reason?: string;
  readonly change: TerraformChange;
}

export interface TerraformChange {
  readonly actions: readonly string[];
  readonly before: unknown;
  readonly after: unknown;
  readonly after_unknown?: unknown;
  readonly before_sensitive?: unknown;
  readonly after_sensitive?: unknown;
  readonly importing?: { readonly id?: string };
}

/** A plan reduced to what reviewers and the fingerprint need. */
export interface NormalisedPlan {
  readonly changes: readonly ResourceChange[];
  readonly drift: readonly DriftEntry[];
  readonly outputs: readonly OutputChange[];
  readonly counts: ChangeCounts;
}

/**
 * Attributes whose refresh differences are not changes made outside Terraform:
 * - a policy's attachment_count counts attachments; it changes when the role is attached, and the role's attachments
 *   are reported by aws_iam_role_policy_attachments_exclusive, which is what manages them;
 * - a role's managed_policy_arns is read before the attachment exists on the first apply (provider 5.100), and holds
 *   the same list as the exclusive attachments resource, which reports any policy attached by hand.
 */
const NOT_DRIFT: Readonly<Record<string, readonly string[]>> = {
  aws_iam_policy: ['attachment_count'],
  aws_iam_role: ['managed_policy_arns'],
};

export function normalisePlan(plan: PlanJson): NormalisedPlan {
  return scrub(normaliseMarked(plan), sensitiveStrings(plan));
}

function normaliseMarked(plan: PlanJson): NormalisedPlan {
  const drift = (plan.resource_drift ?? []).filter((entry) => entry.mode === 'managed').flatMap(driftEntry);
  const driftByAddress = new Map(drift.map((entry) => [entry.address, entry]));
  const changes = (plan.resource_changes ?? [])
    .filter((change) => change.mode === 'managed')
    .map((change) => resourceChange(change, driftByAddress.get(change.address)))
    .filter((change) => change.action !== 'no-op' || change.moved_from !== undefined || change.importing !== undefined)
    .sort(byAddress);
  const outputs = Object.entries(plan.output_changes ?? {})
    .map(([name, change]) => outputChange(name, change))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { changes, drift: drift.sort(byAddress), outputs, counts: countChanges(changes) };
}

const byAddress = (a: { address: string }, b: { address: string }) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);

function changeAction(actions: readonly string[]): ChangeAction {
  const key = actions.join(',');
  if (key === 'create') return 'create';
  if (key === 'update') return 'update';
  if (key === 'delete') return 'delete';
  if (key === 'delete,create' || key === 'create,delete') return 'replace';
  return 'no-op';
}

/** Shorter strings are too common to scrub (a secret of 1-3 characters would blank out ordinary words). */
const MINIMUM_SECRET_LENGTH = 4;

/**
 * Every string Terraform marks sensitive anywhere in the plan: in changes, drift, outputs and sensitive variables.
 * Terraform does not carry the mark everywhere a secret goes (a value copied into another attribute of the prior
 * state can come back unmarked), so the result is also scrubbed of these values wherever they appear.
 */
function sensitiveStrings(plan: PlanJson): Set<string> {
  const found = new Set<string>();
  const collect = (value: unknown, sensitive: unknown, inside = false): void => {
    const marked = inside || sensitive === true;
    if (typeof value === 'string') {
      if (marked && value.length >= MINIMUM_SECRET_LENGTH) found.add(value);
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => collect(item, Array.isArray(sensitive) ? sensitive[index] : undefined, marked));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        collect(item, typeof sensitive === 'object' && sensitive !== null ? (sensitive as Record<string, unknown>)[key] : undefined, marked);
      }
    }
  };
  const changes = [...(plan.resource_changes ?? []), ...(plan.resource_drift ?? [])].map((entry) => entry.change);
  for (const change of [...changes, ...Object.values(plan.output_changes ?? {})]) {
    collect(change.before, change.before_sensitive);
    collect(change.after, change.after_sensitive);
  }
  for (const [name, variable] of Object.entries(plan.configuration?.root_module?.variables ?? {})) {
    if (variable.sensitive) collect(plan.variables?.[name]?.value, true);
  }
  return found;
}

/** The normalised plan with every sensitive string replaced, whole or where it appears inside a longer string. */
function scrub<T>(value: T, secrets: ReadonlySet<string>): T {
  if (secrets.size === 0) return value;
  const longestFirst = [...secrets].sort((a, b) => b.length - a.length);
  const clean = (item: unknown): unknown => {
    if (typeof item === 'string') return longestFirst.reduce((text, secret) => text.split(secret).join(SENSITIVE), item);
    if (Array.isArray(item)) return item.map(clean);
    if (typeof item === 'object' && item !== null) return Object.fromEntries(Object.entries(item).map(([key, child]) => [key, clean(child)]));
    return item;
  };
  return clean(value) as T;
}

/** A value with Terraform's sensitive and unknown markers applied: secrets never leave this function. */
export function redact(value: unknown, sensitive: unknown, unknown?: unknown): unknown {
  if (unknown === true) return UNKNOWN;
  if (value === null || value === undefined) return value;
  if (sensitive === true) return SENSITIVE;
  if (Array.isArray(value)) {
    return value.map((item, index) => redact(item, (sensitive as unknown[] | undefined)?.[index], (unknown as unknown[] | undefined)?.[index]));
  }
  if (typeof value === 'object' && value !== null) {
    const marks = (tree: unknown, key: string) => (typeof tree === 'object' && tree !== null ? (tree as Record<string, unknown>)[key] : undefined);
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redact(item, marks(sensitive, key), marks(unknown, key))]));
  }
  return value;
}

/** Top-level attributes of one side of a change, as shown (secrets redacted) and as compared (unknowns marked only). */
interface Side {
  readonly shown: Record<string, unknown>;
  readonly compared: Record<string, unknown>;
}

function side(change: TerraformChange, which: 'before' | 'after'): Side {
  const value = which === 'before' ? change.before : change.after;
  const unknown = which === 'after' ? change.after_unknown : undefined;
  const sensitive = which === 'before' ? change.before_sensitive : change.after_sensitive;
  return { shown: topLevel(redact(value, sensitive, unknown), unknown), compared: topLevel(redact(value, false, unknown), unknown) };
}

/** The attributes of an object; those still unknown (absent from `after`) are included as UNKNOWN. */
function topLevel(value: unknown, unknown: unknown): Record<string, unknown> {
  const known = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  if (typeof unknown !== 'object' || unknown === null) return known;
  const pending = Object.entries(unknown).filter(([, mark]) => mark === true).map(([key]) => [key, UNKNOWN]);
  return { ...Object.fromEntries(pending), ...known };
}

/** Null, missing, and empty strings, lists and maps: the same to a reader, and to the refresh quirks of the provider. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

function same(a: unknown, b: unknown): boolean {
  return (isEmpty(a) && isEmpty(b)) || isDeepStrictEqual(a, b);
}

/**
 * The attributes that differ. Values are compared as Terraform has them, so that a change to a secret is seen, and
 * reported as shown, so that the secret itself is not.
 */
function attributeChanges(before: Side, after: Side, ignore: readonly string[] = []): AttributeChange[] {
  const names = [...new Set([...Object.keys(before.compared), ...Object.keys(after.compared)])].filter((name) => !ignore.includes(name)).sort();
  return names
    .filter((name) => !same(before.compared[name], after.compared[name]))
    .map((name) => ({
      name,
      ...(isEmpty(before.shown[name]) ? {} : { before: before.shown[name] }),
      ...(isEmpty(after.shown[name]) ? {} : { after: after.shown[name] }),
    }));
}

/** A drift entry, or none when all that differs is refresh noise. */
function driftEntry(entry: TerraformResourceChange): DriftEntry[] {
  const action = changeAction(entry.change.actions);
  if (action === 'delete') return [{ address: entry.address, type: entry.type, action: 'delete', attributes: [] }];
  const changed = attributeChanges(side(entry.change, 'before'), side(entry.change, 'after'), NOT_DRIFT[entry.type]);
  return changed.length > 0 ? [{ address: entry.address, type: entry.type, action: 'update', attributes: changed }] : [];
}

function resourceChange(change: TerraformResourceChange, drift: DriftEntry | undefined): ResourceChange {
  const action = changeAction(change.change.actions);
  const changed = action === 'no-op' ? [] : attributeChanges(side(change.change, 'before'), side(change.change, 'after'));
  return {
    address: change.address,
    type: change.type,
    action,
    ...(change.action_reason ? { reason: change.action_reason } : {}),
    ...(change.previous_address && change.previous_address !== change.address ? { moved_from: change.previous_address } : {}),
    ...(change.change.importing ? { importing: change.change.importing.id ?? '' } : {}),
    cause: cause(changed, drift),
    attributes: changed,
  };
}

/**
 * Whether a change only undoes drift: every attribute it sets goes back to the value the resource had before the
 * drift (a resource deleted outside Terraform counts as drift for all its attributes).
 */
function cause(changed: readonly AttributeChange[], drift: DriftEntry | undefined): ResourceChange['cause'] {
  if (!drift) return 'configuration';
  if (drift.action === 'delete') return 'drift';
  const driftBefore = new Map(drift.attributes.map((attribute) => [attribute.name, attribute.before]));
  const decided = changed.filter((attribute) => attribute.after !== UNKNOWN);
  const reverting = decided.filter((attribute) => driftBefore.has(attribute.name) && same(attribute.after, driftBefore.get(attribute.name)));
  if (reverting.length === decided.length) return 'drift';
  return reverting.length === 0 ? 'configuration' : 'both';
}

function outputChange(name: string, change: TerraformChange): OutputChange {
  const before = redact(change.before, change.before_sensitive);
  const after = redact(change.after, change.after_sensitive, change.after_unknown);
  return {
    name,
    action: changeAction(change.actions),
    ...(before === null || before === undefined ? {} : { before }),
    ...(after === null || after === undefined ? {} : { after }),
  };
}

function countChanges(changes: readonly ResourceChange[]): ChangeCounts {
  const count = (predicate: (change: ResourceChange) => boolean) => changes.filter(predicate).length;
  return {
    add: count((change) => change.action === 'create'),
    change: count((change) => change.action === 'update'),
    destroy: count((change) => change.action === 'delete'),
    replace: count((change) => change.action === 'replace'),
    import: count((change) => change.importing !== undefined),
    move: count((change) => change.moved_from !== undefined),
  };
}
