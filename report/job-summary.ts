import { MatrixResult } from '../engine/result';
import { fullSize, sectionsWithin } from './private/account-sections';
import { accountTable } from './private/account-table';
import { Budget, SUMMARY_BUDGET, joinedSize, shareRoom } from './private/budget';
import { accountCount, formatNumber, formatSeconds, headline, shortFingerprint } from './private/format';
import { escapeText, inlineCode } from './private/markdown';
import { destructiveCallout, planGroups, planTable } from './private/plan-table';

export interface SummaryContext {
  readonly config: string;
  readonly commit?: string;
  /** Lines about what could not be done on GitHub (a comment that could not be posted, ...). */
  readonly notices?: readonly string[];
}

/** What a notice keeps of a long message (an error GitHub sent back). */
const NOTICE_LENGTH = 2_000;

/** The notices as warnings, as many as a tenth of the summary holds; the others counted (the log has every one). */
function warnings(notices: readonly string[], budget: Budget): string[] {
  const shown: string[] = [];
  let used = 0;
  for (const notice of notices) {
    const warning = `> [!WARNING]\n> ${escapeText(notice.length > NOTICE_LENGTH ? `${notice.slice(0, NOTICE_LENGTH)}…` : notice)}`;
    used += budget.measure(warning) + budget.measure('\n\n');
    if (used > budget.limit / 10) break;
    shown.push(warning);
  }
  const more = notices.length - shown.length;
  return more > 0 ? [...shown, `> [!WARNING]\n> ${formatNumber(more)} more warning${more === 1 ? '' : 's'}: see the log of this step.`] : shown;
}

/**
 * The job summary: everything the comment may have had to leave out, within the 1 MiB GitHub shows. Every account's
 * row with its short fingerprint and time, then every plan in full (identical plans together). At thousands of
 * accounts the table gets what the plans at full detail leave, and at least three quarters of the room; it degrades
 * like the comment's, and the plans are shortened, then the least important left to the result document.
 */
export function renderJobSummary(result: MatrixResult, context: SummaryContext): string {
  const budget = SUMMARY_BUDGET;
  const verb = { plan: 'Plan', apply: 'Apply', drift: 'Drift check' }[result.command];
  const commit = context.commit ? ` · commit ${inlineCode(context.commit.slice(0, 12))}` : '';
  const notices = warnings(context.notices ?? [], budget);
  const head = [
    `## session-manager-role: ${verb} of ${inlineCode(context.config)}`,
    `**${escapeText(headline(result))}**${commit} · run ${escapeText(result.run.id)} · ${formatSeconds(result.run.duration_ms)} · matrix fingerprint ${inlineCode(shortFingerprint(result.fingerprint))}`,
    ...notices,
    destructiveCallout(result, { lines: 50, names: 20, elsewhere: 'the table' }),
  ].filter((part): part is string => part !== undefined);
  const omittedNote = (omitted: number) => `> [!NOTE]\n> The plans of ${accountCount(omitted)} did not fit in this summary: the result document and each account's log have them.`;

  const { groups, keys } = planGroups(result);
  const plans = groups.length > 0 ? ['### Plans'] : [];
  const room = budget.limit - joinedSize(budget, [...head, '', ...plans, '', `${omittedNote(result.accounts.length)}\n`]);
  const { table, fitted } = shareRoom(budget, room, 3 / 4, {
    fullSize: (cap) => fullSize(groups, budget, cap),
    table: accountTable(result.accounts, planTable(result, keys, true), budget),
    sections: (sectionsRoom) => sectionsWithin(groups, budget, sectionsRoom),
  });
  return [...head, table, ...plans, ...fitted.sections, ...(fitted.omitted.length > 0 ? [omittedNote(fitted.omitted.length)] : [])].join('\n\n') + '\n';
}
