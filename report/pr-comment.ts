import { MatrixResult, isTroubled } from '../engine/result';
import { fullSize, sectionsWithin } from './private/account-sections';
import { accountTable } from './private/account-table';
import { bodyBudget, joinedSize, shareRoom } from './private/budget';
import { headline, shortFingerprint } from './private/format';
import { escapeText, hiddenComment, inlineCode } from './private/markdown';
import { destructiveCallout, planGroups, planTable } from './private/plan-table';

export { GITHUB_BODY_LIMIT, SAFETY_MARGIN } from './private/budget';

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
 * diff (accounts with identical plans together), and what the apply will check. It fits GitHub's limit at any size:
 * the status line, the destructive changes (or their count), the totals and every account (in a row, or counted in
 * one) are always there; the table gets what the plans at full detail leave, and at least half the room; the plans
 * are shortened, then left to the job summary, most important kept first.
 */
export function renderPlanComment(result: MatrixResult, context: CommentContext): string {
  const budget = bodyBudget(context.maxLength);
  const head = [commentMarker(context.config), `### session-manager-role: Plan of ${inlineCode(context.config)}`, statusLine(result, context), destructiveCallout(result)]
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

  const { groups, keys } = planGroups(result);
  const room = budget.limit - joinedSize(budget, [head, '', '', `${foot(result.accounts.length)}\n`]);
  const { table, fitted } = shareRoom(budget, room, 1 / 2, {
    fullSize: (cap) => fullSize(groups, budget, cap),
    table: accountTable(result.accounts, planTable(result, keys), budget),
    sections: (sectionsRoom) => sectionsWithin(groups, budget, sectionsRoom),
  });
  return [head, table, ...fitted.sections, foot(fitted.omitted.length)].join('\n\n') + '\n';
}
