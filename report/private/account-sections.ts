import { generalise } from '../../engine/fingerprint';
import { AccountResult } from '../../engine/result';
import { STATUS_LABEL, formatCounts } from './format';
import { changeLines, driftLines } from './plan-diff';
import { escapeText, fence } from './markdown';

/** How much of an account's plan a section shows: every attribute, or one line per resource. */
export type Detail = 'full' | 'brief';

/** The markdown body of one account's plan (changes, then drift, then an error), or undefined when there is none. */
function accountBody(account: AccountResult, detail: Detail): string | undefined {
  const brief = detail === 'brief';
  const parts: string[] = [];
  if (account.error) parts.push(`Failed during ${account.error.phase}:\n\n${fence(account.error.message)}`);
  if (account.reason && account.status !== 'skipped') parts.push(`${account.status === 'refused' ? 'Refused' : 'Note'}: ${escapeText(account.reason)}`);
  if (account.changes.length > 0) parts.push(fence(account.changes.flatMap((change) => changeLines(change, brief)).join('\n'), 'diff'));
  if (account.drift.length > 0) {
    parts.push(`Changed outside Terraform (drift):\n\n${fence(account.drift.flatMap((entry) => driftLines(entry, brief)).join('\n'), 'diff')}`);
  }
  return parts.length > 0 ? parts.join('\n\n') : undefined;
}

/** Accounts whose sections read the same once their own id, name and region are set aside. */
export interface SectionGroup {
  readonly accounts: readonly AccountResult[];
  /** The section, with `{account_id}`, `{name}` and `{region}` where accounts differ, when there are several. */
  readonly body: string;
}

/** Groups accounts whose plans are identical but for the account itself; groups keep the order of their first account. */
export function groupSections(accounts: readonly AccountResult[], detail: Detail): SectionGroup[] {
  const groups = new Map<string, { accounts: AccountResult[]; own: string }>();
  for (const account of accounts) {
    const body = accountBody(account, detail);
    if (body === undefined) continue;
    const key = generalise(body, account);
    const group = groups.get(key);
    if (group) group.accounts.push(account);
    else groups.set(key, { accounts: [account], own: body });
  }
  return [...groups].map(([general, group]) => ({ accounts: group.accounts, body: group.accounts.length > 1 ? general : group.own }));
}

/** The one-line summary of a group's section: who, what status, how many changes and drifted resources. */
export function groupSummary(group: SectionGroup, withStatus = true): string {
  const [first] = group.accounts;
  const names = group.accounts.length > 1 ? `${group.accounts.length} accounts with the same plan: ${group.accounts.map((account) => account.name).join(', ')}` : `${first.name} (${first.id})`;
  const counts = first.changes.length > 0 ? `, ${formatCounts(first.counts)}` : '';
  const drift = first.drift.length > 0 ? `, drift in ${first.drift.length}` : '';
  return withStatus ? `${names}: ${STATUS_LABEL[first.status]}${counts}${drift}` : `${names}${counts}${drift}`;
}
