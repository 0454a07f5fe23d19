import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planFingerprint, planShape } from '../../engine/fingerprint';
import { AccountResult, MatrixResult } from '../../engine/result';
import { assembleResult, skippedResult } from '../../engine/result-assembly';

/** A result the real engine wrote (test/fixtures/results/), from runs against the emulator. */
export function fixtureResult(name: 'plan-mixed' | 'drift-mixed'): MatrixResult {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'results', `${name}.json`), 'utf8'));
}

/** The account as if it were another one: every mention of its id and name replaced, fingerprints recomputed. */
export function asAccount(template: AccountResult, id: string, name: string): AccountResult {
  return fingerprinted(renamed(template, id, name));
}

const templateTexts = new WeakMap<AccountResult, string>();

/** The account with every mention of its id and name replaced (its fingerprints still the template's). */
function renamed(template: AccountResult, id: string, name: string): AccountResult {
  const text = templateTexts.get(template) ?? templateTexts.set(template, JSON.stringify(template)).get(template)!;
  return JSON.parse(text.split(template.id).join(id).split(JSON.stringify(template.name)).join(JSON.stringify(name)));
}

/** The account with the fingerprint and plan shape of its plan, as the engine computes them. */
function fingerprinted(account: AccountResult): AccountResult {
  if (!account.fingerprint) return account;
  const plan = { changes: account.changes, drift: account.drift, outputs: account.outputs, counts: account.counts };
  return { ...account, fingerprint: planFingerprint(plan), plan_shape: planShape(plan, account) };
}

/** An account planned with nothing to change, as the engine reports it. */
export function unchangedAccount(id: string, name: string): AccountResult {
  const plan = { changes: [], drift: [], outputs: [], counts: { add: 0, change: 0, destroy: 0, replace: 0, import: 0, move: 0 } };
  return { id, name, variant: 'minimal', region: 'eu-west-1', status: 'no_changes', fingerprint: planFingerprint(plan), plan_shape: planShape(plan, { id, name, region: 'eu-west-1' }), ...plan, duration_ms: 12_000, phases: [] };
}

/**
 * A 200-account rollout built from the accounts of a real plan: most accounts unchanged, a group of new accounts
 * with identical plans, accounts with drift, accounts whose role is renamed (replacements) and a failure.
 */
export function largeMatrix(size = 200): MatrixResult {
  const template = fixtureResult('plan-mixed');
  const [drifted, replaced, created, failed] = template.accounts;
  const accounts = Array.from({ length: size }, (_, index) => {
    const id = String(100000000000 + index * 7919);
    const name = `account-${String(index + 1).padStart(3, '0')}`;
    if (index % 10 === 1) return asAccount(created, id, name);
    if (index % 20 === 3) return asAccount(drifted, id, name);
    if (index % 50 === 7) return asAccount(replaced, id, name);
    if (index === size - 1) return asAccount(failed, id, name);
    return unchangedAccount(id, name);
  });
  return assembleResult('plan', accounts, { ...template.run, id: 'gh-4242-1' });
}

/** The kinds of generated matrices: the worst cases a report must fit in GitHub's limits. */
export const SCENARIOS = ['identical', 'distinct', 'destructive', 'drift', 'failed', 'hostile'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Values from a plan that try to break the markup, escape its limits or mention someone. */
const HOSTILE_VALUES = [
  '````\n</details></summary>\n<script>alert(1)</script>',
  '`` @octocat `` #1 <img src=x onerror=alert(2)> | a | b |',
  '-->\n<!-- session-manager-role:plan-data {"version":1} -->',
  '🔥'.repeat(40) + '\r\n# Heading\r\n[link](https://evil.example)',
  '\\|\\\\|\\\\\\|' + '_*'.repeat(30),
];

/** Names at the limit of the config's rule (63 characters; `_` and `.` need escaping), and some no config allows. */
function hostileName(index: number): string {
  if (index % 7 === 3) return `<b>|@octocat\`#1]\\ ${index} ${'🔥'.repeat(10)}`;
  if (index % 11 === 5) return String(100000000000 + index * 7919 + 1);
  const tail = `.${index}`;
  return `${'_.-'.repeat(21).slice(0, 63 - tail.length)}${tail}`;
}

/** The account with one more attribute change that makes its plan (or its drift) its own: `value` in a tag. */
function varied(account: AccountResult, value: string, where: 'changes' | 'drift'): AccountResult {
  const tag = { name: 'tags', before: { batch: 'old' }, after: { batch: value } };
  if (where === 'drift') {
    const index = account.drift.findIndex((entry) => entry.action === 'update');
    const drift = account.drift.map((entry, at) => (at === index ? { ...entry, attributes: [...entry.attributes, tag] } : entry));
    return { ...account, drift };
  }
  return { ...account, changes: account.changes.map((change, at) => (at === 0 ? { ...change, attributes: [...change.attributes, tag] } : change)) };
}

/** An error of about 10 KB, different in every account: a long Terraform failure. */
function longError(index: number, hostile: boolean): string {
  const line = (at: number) => `  on main.tf.json line ${at}: attempt ${index}, retry ${at}: ${hostile ? HOSTILE_VALUES[at % HOSTILE_VALUES.length] : 'operation error STS: AssumeRole, StatusCode: 403'}`;
  const lines = [`Error: Cannot assume IAM Role (account ${index})`];
  for (let at = 0, length = lines[0].length; length < 10_000; at += 1) length += lines[lines.push(line(at)) - 1].length + 1;
  return lines.join('\n');
}

/**
 * A generated matrix of `size` accounts built from the accounts of real plans, for the worst cases of a report:
 * every plan identical, every plan its own, replacements everywhere, drift everywhere, every account failed with a
 * 10 KB error, or hostile names and values (long names, markup, mentions, astral characters) in every status.
 */
export function generatedMatrix(size: number, scenario: Scenario): MatrixResult {
  const plan = fixtureResult('plan-mixed');
  const drift = fixtureResult('drift-mixed');
  const [drifted, replaced, created, failed] = plan.accounts;
  const [, driftDeleted, driftAttached] = drift.accounts;
  const accounts = Array.from({ length: size }, (_, index): AccountResult => {
    const id = String(100000000000 + index * 7919);
    const name = scenario === 'hostile' ? hostileName(index) : `account-${String(index + 1).padStart(5, '0')}`;
    const value = scenario === 'hostile' ? `${HOSTILE_VALUES[index % HOSTILE_VALUES.length]} ${index}` : `batch-${index}`;
    switch (scenario) {
      case 'identical':
        return asAccount(created, id, name);
      case 'distinct':
        return fingerprinted(varied(renamed(created, id, name), value, 'changes'));
      case 'destructive':
        return fingerprinted(varied(renamed(replaced, id, name), value, 'changes'));
      case 'drift':
        return varied(asAccount(index % 2 === 0 ? driftDeleted : driftAttached, id, name), value, 'drift');
      case 'failed':
        return { ...renamed(failed, id, name), error: { phase: 'plan', message: longError(index, false) } };
      case 'hostile':
        return hostileAccount(index, id, name, value, [drifted, replaced, created, failed]);
    }
  });
  return assembleResult(scenario === 'drift' ? 'drift' : 'plan', accounts, { ...(scenario === 'drift' ? drift : plan).run, id: `gh-${scenario}-${size}` });
}

function hostileAccount(index: number, id: string, name: string, value: string, [drifted, replaced, created, failed]: readonly AccountResult[]): AccountResult {
  switch (index % 6) {
    case 0:
      return fingerprinted(varied(renamed(created, id, name), value, 'changes'));
    case 1:
      return varied(fingerprinted(varied(renamed(drifted, id, name), value, 'changes')), value, 'drift');
    case 2:
      return fingerprinted(varied(renamed(replaced, id, name), value, 'changes'));
    case 3:
      return { ...renamed(failed, id, name), error: { phase: 'plan', message: longError(index, true) } };
    case 4:
      return { ...fingerprinted(varied(renamed(created, id, name), value, 'changes')), status: 'refused', reason: value };
    default:
      return index % 12 === 5 ? skippedResult({ id, name, variant: 'minimal', region: 'eu-west-1' }, value) : unchangedAccount(id, name);
  }
}
