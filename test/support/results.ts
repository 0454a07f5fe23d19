import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planFingerprint, planShape } from '../../engine/fingerprint';
import { AccountResult, MatrixResult } from '../../engine/result';
import { assembleResult } from '../../engine/result-assembly';

/** A result the real engine wrote (test/fixtures/results/), from runs against the emulator. */
export function fixtureResult(name: 'plan-mixed' | 'drift-mixed'): MatrixResult {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'results', `${name}.json`), 'utf8'));
}

/** The account as if it were another one: every mention of its id and name replaced, fingerprints recomputed. */
export function asAccount(template: AccountResult, id: string, name: string): AccountResult {
  const text = JSON.stringify(template).split(template.id).join(id).split(`"${template.name}"`).join(`"${name}"`);
  const account = JSON.parse(text) as AccountResult;
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
