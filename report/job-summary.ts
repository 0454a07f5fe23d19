import { MatrixResult } from '../engine/result';
import { Detail, groupSections, groupSummary } from './private/account-sections';
import { STATUS_LABEL, formatSeconds, headline, shortFingerprint } from './private/format';
import { details, escapeText, inlineCode, table } from './private/markdown';
import { accountTable, destructiveCallout } from './pr-comment';

/** GitHub shows at most 1 MiB of a step's summary. */
const JOB_SUMMARY_LIMIT = 1024 * 1024;

export interface SummaryContext {
  readonly config: string;
  readonly commit?: string;
  /** Lines about what could not be done on GitHub (a comment that could not be posted, ...). */
  readonly notices?: readonly string[];
}

/**
 * The job summary: everything the comment may have had to leave out. Every account's table row, every plan in full
 * (identical plans together), every fingerprint, and how long each account took.
 */
export function renderJobSummary(result: MatrixResult, context: SummaryContext): string {
  const verb = { plan: 'Plan', apply: 'Apply', drift: 'Drift check' }[result.command];
  const commit = context.commit ? ` · commit ${inlineCode(context.commit.slice(0, 12))}` : '';
  const notices = (context.notices ?? []).map((notice) => `> [!WARNING]\n> ${escapeText(notice)}`);
  const head = [
    `## session-manager-role: ${verb} of ${inlineCode(context.config)}`,
    `**${escapeText(headline(result))}**${commit} · run ${escapeText(result.run.id)} · ${formatSeconds(result.run.duration_ms)} · matrix fingerprint ${inlineCode(shortFingerprint(result.fingerprint))}`,
    ...notices,
    destructiveCallout(result, Number.MAX_SAFE_INTEGER),
    accountTable(result),
  ].filter((part): part is string => part !== undefined);
  const ran = result.accounts.filter((account) => account.status !== 'skipped');
  const fingerprints = table(
    ['Account', 'ID', 'Status', 'Fingerprint', 'Time'],
    new Set([4]),
    ran.map((account) => [escapeText(account.name), account.id, STATUS_LABEL[account.status], account.fingerprint ? inlineCode(account.fingerprint) : '—', formatSeconds(account.duration_ms)]),
  );
  const render = (detail: Detail) => {
    const sections = groupSections(ran, detail).map((group) => details(groupSummary(group), group.body));
    return [...head, '### Plans', ...sections, '### Fingerprints', fingerprints].join('\n\n') + '\n';
  };
  const full = render('full');
  return full.length <= JOB_SUMMARY_LIMIT ? full : render('brief');
}
