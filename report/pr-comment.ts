import { AccountResult, MatrixResult, isTroubled } from '../engine/result';
import { Detail, groupSections, groupSummary } from './private/account-sections';
import { STATUS_LABEL, headline, shortAddress, shortFingerprint } from './private/format';
import { details, escapeText, hiddenComment, inlineCode, table } from './private/markdown';

/** GitHub refuses issue and comment bodies longer than this many characters. */
export const GITHUB_BODY_LIMIT = 65_536;

/** Room kept free under the limit: GitHub counts some characters (emoji, CRLF) differently from JavaScript. */
export const SAFETY_MARGIN = 1_024;

export interface CommentContext {
  /** The config file, as named in the workflow: one comment per config. */
  readonly config: string;
  /** The commit the plan describes. */
  readonly commit: string;
  /** The workflow run, whose job summary holds everything the comment has no room for. */
  readonly runUrl?: string;
  /** The review record of this plan, as the plan run keeps it: what the apply checks, not this comment. */
  readonly record?: RecordReference;
  /** @default GITHUB_BODY_LIMIT */
  readonly maxLength?: number;
}

/** Where the review record of a plan is kept, and its SHA-256. */
export interface RecordReference {
  /** The workflow artifact of the plan run that holds the record. */
  readonly artifact: string;
  readonly sha256: string;
}

/**
 * What the comment records for the apply, whatever the size of the matrix: which plan it shows (config, commit, run)
 * and the SHA-256 of the review record the plan run kept. The fingerprints themselves are in that record, which no
 * one can edit after the run; this comment can be edited, so the apply checks the record against the run as well.
 */
export interface CommentData {
  readonly version: 2;
  readonly config: string;
  readonly commit: string;
  readonly run: string;
  readonly fingerprint: string;
  /** Absent when the plan run kept no record (then the apply refuses every change). */
  readonly record_sha256?: string;
}

const MARKER_PREFIX = 'session-manager-role:plan-comment';
const DATA_PREFIX = 'session-manager-role:plan-data ';

/** The hidden line that identifies the plan comment of one config, so that every push updates the same comment. */
export function commentMarker(config: string): string {
  return hiddenComment(`${MARKER_PREFIX} ${JSON.stringify(config)}`);
}

/** Whether a comment is the plan comment of this config: the marker is its first line, never something inside it. */
export function isPlanComment(body: string, config: string): boolean {
  return body.startsWith(`${commentMarker(config)}\n`);
}

/**
 * The data recorded in a plan comment, or undefined when the body holds none (or a broken one). The data is the last
 * thing in the comment: plan values shown above it may imitate it, and must not be taken for it.
 */
export function parseCommentData(body: string): CommentData | undefined {
  const start = body.lastIndexOf(`<!-- ${DATA_PREFIX}`);
  if (start < 0) return undefined;
  const end = body.indexOf(' -->', start);
  try {
    const data = JSON.parse(body.slice(start + `<!-- ${DATA_PREFIX}`.length, end)) as CommentData;
    return data.version === 2 && typeof data.commit === 'string' ? data : undefined;
  } catch {
    return undefined;
  }
}

function commentData(result: MatrixResult, context: CommentContext): CommentData {
  return {
    version: 2,
    config: context.config,
    commit: context.commit,
    run: result.run.id,
    fingerprint: result.fingerprint,
    ...(context.record ? { record_sha256: context.record.sha256 } : {}),
  };
}

const STATUS_ICON: Record<AccountResult['status'], string> = {
  no_changes: '✅',
  changes: '📝',
  applied: '✅',
  skipped: '⏭️',
  refused: '⛔',
  failed: '❌',
  cancelled: '🚫',
};

function statusCell(account: AccountResult): string {
  return `${STATUS_ICON[account.status]} ${STATUS_LABEL[account.status]}`;
}

/**
 * The table every report starts with: one row per account that ran; skipped accounts are listed after it. `compact`
 * leaves out the rows of accounts without changes, drift or trouble, for matrices too large for one comment.
 */
export function accountTable(result: MatrixResult, compact = false): string {
  const ran = result.accounts.filter((account) => account.status !== 'skipped');
  const quiet = compact ? ran.filter((account) => account.status === 'no_changes' && account.drift.length === 0) : [];
  const shown = ran.filter((account) => !quiet.includes(account));
  const rows = shown.map((account) => [
    escapeText(account.name),
    account.id,
    account.variant,
    statusCell(account),
    String(account.counts.add),
    String(account.counts.change),
    String(account.counts.destroy),
    String(account.counts.replace),
    account.drift.length > 0 ? `⚠️ ${account.drift.length}` : '0',
  ]);
  const parts = shown.length > 0 ? [table(['Account', 'ID', 'Variant', 'Status', 'Add', 'Change', 'Destroy', 'Replace', 'Drift'], new Set([4, 5, 6, 7, 8]), rows)] : [];
  if (quiet.length > 0) parts.push(`${quiet.length} more account${quiet.length === 1 ? '' : 's'} planned with no changes and no drift (listed in the job summary).`);
  const skipped = result.accounts.filter((account) => account.status === 'skipped');
  if (skipped.length > 0) {
    const reason = skipped.every((account) => account.reason === skipped[0].reason) ? `: ${skipped[0].reason}` : '';
    const names = skipped.map((account) => `${escapeText(account.name)} (${account.id})`).join(', ');
    parts.push(details(`${skipped.length} account${skipped.length === 1 ? '' : 's'} not planned${reason}`, names));
  }
  return parts.join('\n\n');
}

/** Destroyed and replaced resources, one line per account: what a reviewer must see before anything else. */
export function destructiveCallout(result: MatrixResult, maxAccounts = 20): string | undefined {
  const lines = result.accounts.flatMap((account) => {
    const destructive = account.changes.filter((change) => change.action === 'delete' || change.action === 'replace');
    if (destructive.length === 0) return [];
    const listed = destructive.map((change) => `${change.action === 'delete' ? 'destroys' : 'replaces'} ${inlineCode(shortAddress(change.address))}`);
    return [{ count: destructive.length, line: `${escapeText(account.name)} (${account.id}): ${listed.join(', ')}` }];
  });
  if (lines.length === 0) return undefined;
  const total = lines.reduce((sum, entry) => sum + entry.count, 0);
  const more = lines.length > maxAccounts ? [`> - and ${lines.length - maxAccounts} more accounts (see the job summary)`] : [];
  return [
    '> [!CAUTION]',
    `> **${total} resource${total === 1 ? '' : 's'} in ${lines.length} account${lines.length === 1 ? '' : 's'} will be destroyed or replaced.**`,
    ...lines.slice(0, maxAccounts).map((entry) => `> - ${entry.line}`),
    ...more,
  ].join('\n');
}


function statusLine(result: MatrixResult, context: CommentContext): string {
  const icon = result.accounts.some((account) => isTroubled(account.status))
    ? '❌'
    : result.summary.with_changes > 0 || result.summary.with_drift > 0
      ? '📝'
      : '✅';
  const run = context.runUrl ? ` · [workflow run](${context.runUrl})` : '';
  return `${icon} **${escapeText(headline(result))}** · commit ${inlineCode(context.commit.slice(0, 12))}${run}`;
}

/**
 * The pull request comment for a plan: status, destructive changes, the table of every account, each plan as a
 * diff (accounts with identical plans together), and the fingerprints the apply will check. It always fits GitHub's
 * limit: per-account detail is shortened, then left to the job summary; the table and the fingerprints never are.
 */
export function renderPlanComment(result: MatrixResult, context: CommentContext): string {
  const limit = (context.maxLength ?? GITHUB_BODY_LIMIT) - SAFETY_MARGIN;
  const headWith = (table: string) =>
    [commentMarker(context.config), `### session-manager-role: Plan of ${inlineCode(context.config)}`, statusLine(result, context), destructiveCallout(result), table]
      .filter((part): part is string => part !== undefined)
      .join('\n\n');
  const where = context.runUrl ? `the [job summary](${context.runUrl})` : 'the job summary';
  const apply = context.record
    ? `On merge, each account is applied only if its new plan has the fingerprint in the review record that this run keeps (artifact ${inlineCode(context.record.artifact)}, SHA-256 ${inlineCode(shortFingerprint(context.record.sha256))}; matrix fingerprint ${inlineCode(shortFingerprint(result.fingerprint))}); accounts whose plan differs are refused.`
    : `This run keeps no review record, so a merge applies none of these changes (matrix fingerprint ${inlineCode(shortFingerprint(result.fingerprint))}).`;
  const foot = (omitted: number) =>
    [
      omitted > 0 ? `> [!NOTE]\n> The details of ${omitted} account${omitted === 1 ? '' : 's'} did not fit in this comment: see ${where}.` : undefined,
      apply,
      `<sub>session-manager-role ${escapeText(result.tool.version)} · run ${escapeText(result.run.id)} · every plan in full: ${where}</sub>`,
      hiddenComment(`${DATA_PREFIX}${JSON.stringify(commentData(result, context))}`),
    ]
      .filter((part): part is string => part !== undefined)
      .join('\n\n');

  // Thousands of accounts do not fit in one table: then it lists those with something to say.
  const fullHead = headWith(accountTable(result));
  const head = fullHead.length + foot(result.accounts.length).length < limit ? fullHead : headWith(accountTable(result, true));
  const sections = planSections(result, limit - head.length - foot(result.accounts.length).length - 8);
  return [head, ...(sections.text ? [sections.text] : []), foot(sections.omitted)].join('\n\n') + '\n';
}

/** As many account sections as fit in `room` characters: full diffs first, one line per resource when they do not fit. */
function planSections(result: MatrixResult, room: number): { text: string; omitted: number } {
  const withDetail = result.accounts.filter((account) => account.status !== 'skipped');
  for (const detail of ['full', 'brief'] as Detail[]) {
    const sections = renderSections(withDetail, detail);
    if (sections.join('\n\n').length <= room) return { text: sections.join('\n\n'), omitted: 0 };
  }
  // Not even one line per resource fits: keep whole sections while there is room, name the rest.
  const kept: string[] = [];
  let used = 0;
  let omittedAccounts = 0;
  for (const [index, section] of renderSections(withDetail, 'brief').entries()) {
    if (used + section.length + 2 > room) {
      omittedAccounts = countAccounts(withDetail, 'brief', index);
      break;
    }
    kept.push(section);
    used += section.length + 2;
  }
  return { text: kept.join('\n\n'), omitted: omittedAccounts };
}

function renderSections(accounts: readonly AccountResult[], detail: Detail): string[] {
  return groupSections(accounts, detail).map((group) => details(groupSummary(group), group.body));
}

/** Accounts in the groups from `fromGroup` on. */
function countAccounts(accounts: readonly AccountResult[], detail: Detail, fromGroup: number): number {
  return groupSections(accounts, detail)
    .slice(fromGroup)
    .reduce((total, group) => total + group.accounts.length, 0);
}
