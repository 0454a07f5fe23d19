/**
 * Markdown that text from a plan cannot break: values are shown in code, and code spans and fences are always longer
 * than any run of backticks inside them, so nothing in a value can close them, start HTML, or mention anyone.
 */

const ZERO_WIDTH_SPACE = '\u200b';

/** What each character that could take effect becomes, in HTML and in a sentence (a line break becomes a space). */
const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '@': `@${ZERO_WIDTH_SPACE}`, '#': `#${ZERO_WIDTH_SPACE}`, '\n': ' ', '\r\n': ' ' };

/** Text inside HTML (a `<summary>`): no tag, no @mention and no #reference takes effect. */
function escapeHtml(text: string): string {
  return text.replace(/\r?\n|[&<>@]|#(?=\d)/g, (match) => HTML_ESCAPES[match]);
}

/** Text for a table cell or a sentence: no markup either. One pass: thousands of table rows are escaped. */
export function escapeText(text: string): string {
  return text.replace(/\r?\n|[&<>@]|#(?=\d)|[\\`*_[\]{}|~!]/g, (match) => HTML_ESCAPES[match] ?? `\\${match}`);
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}

/** An inline code span that holds any text on one line. */
export function inlineCode(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const ticks = '`'.repeat(longestBacktickRun(flat) + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A fenced code block that holds any text: its fence is longer than every backtick run inside. */
export function fence(content: string, info = ''): string {
  const ticks = '`'.repeat(Math.max(3, longestBacktickRun(content) + 1));
  return `${ticks}${info}\n${content.replace(/\n$/, '')}\n${ticks}`;
}

/** A collapsible section with a plain-text summary. */
export function details(summary: string, body: string): string {
  return `<details><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`;
}

/**
 * One row of a markdown table. GitHub splits rows at every `|` that no backslash escapes, even inside code spans, and
 * reads `\\` as an escaped backslash: a pipe is left as it is only after an odd run of backslashes.
 */
export function tableRow(cells: readonly string[]): string {
  const cell = (text: string) => text.replace(/(\\*)\|/g, (match, slashes: string) => (slashes.length % 2 === 1 ? match : `${slashes}\\|`));
  return `| ${cells.map(cell).join(' | ')} |`;
}

/** A table of markdown cells, header first. */
export function table(header: readonly string[], alignRight: ReadonlySet<number>, rows: readonly (readonly string[])[]): string {
  return [tableHeader(header, alignRight), ...rows.map(tableRow)].join('\n');
}

/** The header of a table and the line under it. */
export function tableHeader(header: readonly string[], alignRight: ReadonlySet<number>): string {
  return [tableRow(header), tableRow(header.map((_, index) => (alignRight.has(index) ? '--:' : '---')))].join('\n');
}

/** An HTML comment carrying data for tools; `--` never appears inside, so nothing can end it early. */
export function hiddenComment(text: string): string {
  return `<!-- ${text.replace(/--/g, '-\\u002d')} -->`;
}
