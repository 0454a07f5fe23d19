/**
 * How much text a report may hold, counted the way the place it goes to counts it. Every renderer measures what it
 * writes against one of these, parts it must keep included: nothing is assumed to be small.
 */
export interface Budget {
  /** The most the report may measure. */
  readonly limit: number;
  /** The size of a text as the limit counts it. Additive: the size of `a + b` is the size of `a` plus that of `b`. */
  readonly measure: (text: string) => number;
}

/** GitHub refuses issue and comment bodies longer than this many characters. */
export const GITHUB_BODY_LIMIT = 65_536;

/** GitHub refuses a step summary larger than this many bytes. */
export const JOB_SUMMARY_LIMIT = 1024 * 1024;

/**
 * A body's length as GitHub may count it, never less: UTF-16 code units, so that a character outside the Basic
 * Multilingual Plane (most emoji) counts twice where GitHub counts it once (as a code point, or as 4 of 262,144
 * bytes), and every line break twice, in case it is stored as CRLF before it is counted.
 */
export function githubLength(text: string): number {
  let breaks = 0;
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) breaks += 1;
  return text.length + breaks;
}

/** Bytes of a text in UTF-8, as the runner counts a step summary. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Room a report keeps free below GitHub's limit, for what no count here foresees. */
export const SAFETY_MARGIN = 1_024;

/** The budget of a comment or issue body; `maxLength` lowers the limit (a body GitHub refused is sent again shorter). */
export function bodyBudget(maxLength = GITHUB_BODY_LIMIT): Budget {
  return { limit: Math.min(maxLength, GITHUB_BODY_LIMIT) - SAFETY_MARGIN, measure: githubLength };
}

/** The budget of a step's job summary. */
export const SUMMARY_BUDGET: Budget = { limit: JOB_SUMMARY_LIMIT - SAFETY_MARGIN, measure: utf8Length };

/** Sizes of parts joined with a blank line between them (`\n\n`), as every report joins its blocks. */
export function joinedSize(budget: Budget, parts: readonly string[]): number {
  return parts.reduce((total, part) => total + budget.measure(part), 0) + Math.max(0, parts.length - 1) * budget.measure('\n\n');
}

/**
 * A report's account table and its sections (plans as diffs) in one room. The table gets what the sections at full
 * detail leave, and at least `tableShare` of the room; the sections get what the table leaves; and a table that had
 * to fold rows gets, at the end, whatever the sections did not use.
 */
export function shareRoom<Fitted extends { readonly sections: readonly string[] }>(
  budget: Budget,
  room: number,
  tableShare: number,
  parts: {
    /** The size of every section at full detail, or Infinity when over `cap`. */
    readonly fullSize: (cap: number) => number;
    readonly table: (room: number) => string;
    readonly sections: (room: number) => Fitted;
  },
): { readonly table: string; readonly fitted: Fitted } {
  const least = Math.floor(room * tableShare);
  const table = parts.table(Math.max(room - parts.fullSize(room - least), least));
  const fitted = parts.sections(room - budget.measure(table));
  const sections = joinedSize(budget, fitted.sections);
  const spare = room - budget.measure(table) - sections;
  return { table: spare > 0 ? parts.table(room - sections) : table, fitted };
}
