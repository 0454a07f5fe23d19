import { createHash } from 'node:crypto';
import { NormalisedPlan } from './plan-normalise';

/** JSON with object keys sorted at every depth: the same data always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * What a fingerprint covers: the resource changes (address, action, reason, moves, imports, and the attributes that
 * change, with sensitive values already redacted) and the output changes. Not covered: drift, which is what the
 * refresh saw rather than what the apply will do, how changes are explained (`cause`), timestamps, run ids, Terraform
 * versions, and the order Terraform listed things in (everything is sorted by address or name).
 */
function fingerprintInput(plan: NormalisedPlan): unknown {
  return {
    resources: plan.changes.map(({ address, action, reason, moved_from, importing, attributes }) => ({ address, action, reason, moved_from, importing, attributes })),
    outputs: plan.outputs.filter((output) => output.action !== 'no-op'),
  };
}

/** Fingerprint of one account's plan: equal fingerprints mean an apply does exactly the same. */
export function planFingerprint(plan: NormalisedPlan): string {
  return sha256(canonicalJson(fingerprintInput(plan)));
}

/** What identifies an account inside its own plan, to be replaced when comparing plans across accounts. */
export interface AccountIdentity {
  readonly id: string;
  readonly name: string;
  readonly region: string;
}

/**
 * The fingerprint of a plan with the account's id, name and region replaced by placeholders: two accounts whose
 * plans differ only in those have the same shape. Recorded in the result for tools that group accounts; the reports
 * group by the rendered section instead, which also covers drift and errors.
 */
export function planShape(plan: NormalisedPlan, account: AccountIdentity): string {
  return sha256(generalise(canonicalJson(fingerprintInput(plan)), account));
}

/** Replaces the account's id, name and region, as whole words, with `{account_id}`, `{name}` and `{region}`. */
export function generalise(text: string, account: AccountIdentity): string {
  return replaceWord(replaceWord(replaceWord(text, account.id, '{account_id}'), account.region, '{region}'), account.name, '{name}');
}

const isWordCharacter = (character: string | undefined) => character !== undefined && /[A-Za-z0-9_]/.test(character);

/**
 * Every occurrence of `value` that is a whole word (no letter, digit or `_` just before or after it) replaced. A scan
 * with indexOf rather than a regular expression: reports generalise megabytes of plans at thousands of accounts.
 */
function replaceWord(text: string, value: string, replacement: string): string {
  if (value === '') return text;
  let result = '';
  let copied = 0;
  for (let at = text.indexOf(value); at >= 0; ) {
    if (isWordCharacter(text[at - 1]) || isWordCharacter(text[at + value.length])) {
      at = text.indexOf(value, at + 1);
      continue;
    }
    result += text.slice(copied, at) + replacement;
    copied = at + value.length;
    at = text.indexOf(value, copied);
  }
  return copied === 0 ? text : result + text.slice(copied);
}

/** Fingerprint of a whole matrix: every planned account's id with its fingerprint, in id order. */
export function matrixFingerprint(accounts: readonly { readonly id: string; readonly fingerprint?: string }[]): string {
  const lines = accounts
    .filter((account) => account.fingerprint !== undefined)
    .map((account) => `${account.id} ${account.fingerprint}`)
    .sort();
  return sha256(lines.join('\n'));
}
