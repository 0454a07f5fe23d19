import { createHash } from 'node:crypto';
import { generalise } from '../../engine/fingerprint';
import { AccountResult, isTroubled } from '../../engine/result';
import { Budget } from './budget';
import { STATUS_LABEL, formatCounts, formatNumber } from './format';
import { changeLines, driftLines } from './plan-diff';
import { details, escapeText, fence } from './markdown';

/** How much of an account's plan a section shows: every attribute, or one line per resource and a shortened error. */
export type Detail = 'full' | 'brief';

/** What a brief section keeps of an error: its start, where Terraform says what went wrong. */
const BRIEF_ERROR_LENGTH = 1_000;

function errorText(message: string, detail: Detail): string {
  if (detail === 'full' || message.length <= BRIEF_ERROR_LENGTH) return message;
  return `${message.slice(0, BRIEF_ERROR_LENGTH)}\n… (the rest is in the account's log)`;
}

/** The markdown body of one account's plan (changes, then drift, then an error), or undefined when there is none. */
function accountBody(account: AccountResult, detail: Detail): string | undefined {
  const brief = detail === 'brief';
  const parts: string[] = [];
  if (account.error) parts.push(`Failed during ${account.error.phase}:\n\n${fence(errorText(account.error.message, detail))}`);
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
  /** What the accounts share, the same for every account of the group: their identical plans are grouped by it. */
  readonly key: string;
  /** The section, with `{account_id}`, `{name}` and `{region}` where accounts differ, when there are several. */
  body(detail: Detail): string;
  /** Set when the accounts are together for their brief sections only: their plans differ in values. */
  readonly valuesDiffer?: boolean;
}

/**
 * What makes an account's section what it is, with the account's id, name and region set aside: equal for accounts
 * whose sections are identical but for them. The changes count by the engine's plan shape (the fingerprint of the
 * plan with the same placeholders), computed when the account ran; how they are explained, the drift, the error and
 * the reason are generalised here. Undefined for an account without a section.
 */
function sectionKey(account: AccountResult): string | undefined {
  const reason = account.status === 'skipped' ? undefined : account.reason;
  if (!account.error && !reason && account.changes.length === 0 && account.drift.length === 0) return undefined;
  const changes = account.plan_shape ?? generalise(JSON.stringify(account.changes), account);
  const rest = generalise(JSON.stringify([account.error?.phase, reason, account.changes.map((change) => change.cause), account.drift]), account);
  const error = account.error ? generalise(account.error.message, account) : '';
  // A digest, not the text: thousands of keys of 10 KB errors would be held, and hashed by the Map, whole. The parts
  // before the error are JSON or hex, with no NUL in them; the error is last.
  return createHash('sha256').update(`${account.status}\0${changes}\0${rest}\0`).update(error).digest('hex');
}

/**
 * Groups accounts whose plans are identical but for the account itself; groups keep the order of their first
 * account. Grouping reads the accounts' data, not their sections: a section is rendered only when a report shows it,
 * once for its whole group.
 */
export function groupSections(accounts: readonly AccountResult[]): SectionGroup[] {
  const groups = new Map<string, AccountResult[]>();
  for (const account of accounts) {
    const key = sectionKey(account);
    if (key !== undefined) (groups.get(key) ?? groups.set(key, []).get(key)!).push(account);
  }
  return [...groups].map(([key, members]) => {
    const [first] = members;
    const bodies = new Map<Detail, string>();
    const render = (detail: Detail) => {
      const own = accountBody(first, detail)!;
      return members.length > 1 ? generalise(own, first) : own;
    };
    return { accounts: members, key, body: (detail: Detail) => bodies.get(detail) ?? bodies.set(detail, render(detail)).get(detail)! };
  });
}

/** How many characters of names a section's one-line summary lists before it counts the rest. */
const SUMMARY_NAMES_LENGTH = 600;

/** Names of accounts, as many as `length` characters allow, then how many more. */
export function someNames(accounts: readonly AccountResult[], length: number): string {
  const names: string[] = [];
  let used = 0;
  for (const account of accounts) {
    if (names.length > 0 && used + account.name.length > length) break;
    names.push(account.name);
    used += account.name.length + 2;
  }
  const more = accounts.length - names.length;
  return more > 0 ? `${names.join(', ')} and ${formatNumber(more)} more` : names.join(', ');
}

/** What a section shows: an account's plan (with its status), or its drift. */
export type Subject = 'plan' | 'drift';

/** How the accounts of a group are alike: the same plan (or drift), or the same resources changing differently. */
function alike(group: Pick<SectionGroup, 'valuesDiffer'>, subject: Subject): string {
  if (subject === 'drift') return group.valuesDiffer ? 'with drift in the same resources (values differ)' : 'with the same drift';
  return group.valuesDiffer ? 'with plans that change the same resources (values differ)' : 'with the same plan';
}

/** The one-line summary of a group's section: who, how many changes and drifted resources, and for a plan the status. */
export function groupSummary(group: Pick<SectionGroup, 'accounts' | 'valuesDiffer'>, subject: Subject = 'plan'): string {
  const [first] = group.accounts;
  const names = group.accounts.length > 1 ? `${formatNumber(group.accounts.length)} accounts ${alike(group, subject)}: ${someNames(group.accounts, SUMMARY_NAMES_LENGTH)}` : `${first.name} (${first.id})`;
  const counts = first.changes.length > 0 ? `, ${formatCounts(first.counts)}` : '';
  const drift = first.drift.length > 0 ? `, drift in ${first.drift.length}` : '';
  return subject === 'plan' ? `${names}: ${STATUS_LABEL[first.status]}${counts}${drift}` : `${names}${counts}${drift}`;
}

/**
 * How much a reviewer needs to see an account, most first: one that failed, was refused or cancelled; one that
 * destroys or replaces something; one with drift; one with changes; then the rest. When not everything fits, the
 * least important is left out first.
 */
export function importance(account: AccountResult): number {
  if (isTroubled(account.status)) return 0;
  if (account.counts.destroy > 0 || account.counts.replace > 0) return 1;
  if (account.drift.length > 0) return 2;
  if (account.changes.length > 0) return 3;
  return 4;
}

/** The indexes of items by importance (most first), the order of the items breaking ties. */
export function byImportance<T>(items: readonly T[], rank: (item: T) => number): number[] {
  const ranks = items.map(rank);
  return items.map((_, index) => index).sort((a, b) => ranks[a] - ranks[b] || a - b);
}

/** Sections that fit in a room, and the accounts whose section was left out. */
export interface FittedSections {
  readonly sections: readonly string[];
  readonly omitted: readonly AccountResult[];
}

/** After this many sections (or rows) in a row that do not fit, the rest are not tried: the room is as good as full. */
export const MISSES_BEFORE_FULL = 20;

/** The sections of the groups at a detail while they fit in `room`, or undefined as soon as one does not. */
function allWithin(groups: readonly SectionGroup[], detail: Detail, budget: Budget, room: number, summary: (group: SectionGroup) => string): string[] | undefined {
  const separator = budget.measure('\n\n');
  const sections: string[] = [];
  let used = -separator;
  for (const group of groups) {
    const section = details(summary(group), group.body(detail));
    used += budget.measure(section) + separator;
    if (used > room) return undefined;
    sections.push(section);
  }
  return sections;
}

/**
 * The size of every section at full detail, joined, when it is at most `cap`; past that, Infinity (the rest are not
 * rendered). The sections rendered are kept by their groups.
 */
export function fullSize(groups: readonly SectionGroup[], budget: Budget, cap: number, summary: (group: SectionGroup) => string = (group) => groupSummary(group)): number {
  const sections = allWithin(groups, 'full', budget, cap, summary);
  return sections ? sections.reduce((total, section) => total + budget.measure(section), 0) + Math.max(0, sections.length - 1) * budget.measure('\n\n') : Infinity;
}

/**
 * The sections of the groups within `room`: all in full if they fit; else every plan one line per resource (plans
 * that change the same resources sharing one section), with the most important in full while the room allows; else
 * the most important brief ones that fit, the others counted. Sections keep the order of their groups, and are
 * rendered only as far as they are tried.
 */
export function sectionsWithin(
  groups: readonly SectionGroup[],
  budget: Budget,
  room: number,
  summary: (group: SectionGroup) => string = (group) => groupSummary(group),
): FittedSections {
  const full = allWithin(groups, 'full', budget, room, summary);
  if (full) return { sections: full, omitted: [] };
  const order = new Map(groups.map((group, index) => [group, index]));
  const render = (group: SectionGroup, detail: Detail) => details(summary(group), group.body(detail));
  const separator = budget.measure('\n\n');
  const size = (sections: readonly string[]) => sections.reduce((total, section) => total + budget.measure(section) + separator, -separator);
  const brief = briefGroups(groups, order);
  const allBrief = allWithin(brief, 'brief', budget, room, summary);
  if (allBrief) {
    // Room to spare: the most important plans in full, the others still one line per resource.
    const inFull: SectionGroup[] = [];
    let spare = room - size(allBrief);
    let misses = 0;
    for (const index of byImportance(groups, (group) => importance(group.accounts[0]))) {
      const section = budget.measure(render(groups[index], 'full')) + separator;
      if (section <= spare) {
        inFull.push(groups[index]);
        spare -= section;
        misses = 0;
      } else if (++misses >= MISSES_BEFORE_FULL) break;
    }
    // Taking accounts out of a shared brief section changes its summary a little: give back a plan or two if need be.
    for (let shown = inFull.length; shown >= Math.max(1, inFull.length - 2); shown -= 1) {
      const chosen = new Set(inFull.slice(0, shown));
      const rest = briefGroups(groups.filter((group) => !chosen.has(group)), order);
      const sections = [...[...chosen].map((group) => [order.get(group)!, render(group, 'full')] as const), ...rest.map((group) => [group.first, render(group, 'brief')] as const)]
        .sort(([a], [b]) => a - b)
        .map(([, section]) => section);
      if (size(sections) <= room) return { sections, omitted: [] };
    }
    return { sections: allBrief, omitted: [] };
  }
  const kept = new Map<number, string>();
  let used = 0;
  let misses = 0;
  for (const index of byImportance(brief, (group) => Math.min(...group.ranks))) {
    const section = render(brief[index], 'brief');
    const sectionSize = budget.measure(section) + separator;
    if (used + sectionSize <= room) {
      kept.set(index, section);
      used += sectionSize;
      misses = 0;
    } else if (++misses >= MISSES_BEFORE_FULL) break;
  }
  const omitted = brief.filter((_, index) => !kept.has(index)).flatMap((group) => group.accounts);
  return { sections: [...kept].sort(([a], [b]) => a - b).map(([, section]) => section), omitted };
}

/**
 * What makes an account's brief section what it is (resource lines, drifted attribute names, the start of an error),
 * with the account's id, name and region set aside, read from its data without rendering it.
 */
function briefKey(account: AccountResult): string {
  const changes = account.changes.map((change) => [change.address, change.action, change.reason, change.moved_from, change.importing, change.cause]);
  const drift = account.drift.map((entry) => [entry.address, entry.action, entry.action === 'delete' ? [] : entry.attributes.map((attribute) => attribute.name)]);
  const error = account.error && [account.error.phase, errorText(account.error.message, 'brief')];
  const reason = account.status === 'skipped' ? undefined : account.reason;
  return `${account.status} ${generalise(JSON.stringify([changes, drift, error, reason]), account)}`;
}

const briefKeys = new WeakMap<SectionGroup, string>();

/**
 * The groups with the same brief section (the same resources changing the same way, the same start of an error) put
 * together: when plans must be shortened, 4,000 accounts whose plans differ in a tag are one section, not 4,000.
 */
function briefGroups(groups: readonly SectionGroup[], order: ReadonlyMap<SectionGroup, number>): (SectionGroup & { readonly ranks: readonly number[]; readonly first: number })[] {
  const merged = new Map<string, SectionGroup[]>();
  for (const group of groups) {
    const key = briefKeys.get(group) ?? briefKeys.set(group, briefKey(group.accounts[0])).get(group)!;
    (merged.get(key) ?? merged.set(key, []).get(key)!).push(group);
  }
  return [...merged.values()].map((members) => {
    const ranks = members.map((member) => importance(member.accounts[0]));
    const first = order.get(members[0])!;
    if (members.length === 1) return { ...members[0], ranks, first };
    const [account] = members[0].accounts;
    let body: string | undefined;
    return {
      accounts: members.flatMap((member) => member.accounts),
      key: members.map((member) => member.key).join(' '),
      body: () => (body ??= generalise(accountBody(account, 'brief')!, account)),
      valuesDiffer: true,
      ranks,
      first,
    };
  });
}
