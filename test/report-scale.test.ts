/**
 * Reports at scale, as properties of generated results (no Terraform): for 1 to 5,000 accounts, with every plan
 * identical, every plan its own, replacements everywhere, drift everywhere, every account failed with a 10 KB error,
 * and hostile names and values, the pull request comment, the job summary and the drift issues (one per config, one
 * per account) are within GitHub's limits, well-formed markdown (as markdown-it parses it, with the table columns and
 * code fences checked on the source as GitHub splits them), and account for every account, in a row of its own or
 * counted in a row with others. And `report` joins 50 shard results of 100 accounts into reports that do the same.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { parse as parseYaml } from 'yaml';
import { mergeResults } from '../engine/merge';
import { AccountResult, MatrixResult } from '../engine/result';
import { assembleResult } from '../engine/result-assembly';
import { readResult, writeResult } from '../engine/result-file';
import { shardAccounts } from '../engine/shard';
import { loadConfig } from '../engine/config-loader';
import { DriftScope, renderDriftIssue, renderDriftReopened, renderDriftResolved } from '../report/drift-issue';
import { renderJobSummary } from '../report/job-summary';
import { renderPlanComment } from '../report/pr-comment';
import { GITHUB_BODY_LIMIT, JOB_SUMMARY_LIMIT, githubLength, utf8Length } from '../report/private/budget';
import { SCENARIOS, Scenario, generatedMatrix, largeMatrix } from './support/results';

const SIZES = [1, 10, 200, 1_000, 5_000];
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const RUN_URL = 'https://github.com/acme/infra/actions/runs/42';
const RECORD = { artifact: 'session-manager-role-review-accounts.yml', sha256: '5eed'.repeat(16) };
const markdown = new MarkdownIt({ html: true });
/** The same parser without inline parsing: blocks (fences, tables, HTML blocks) at a third of the cost, for 1 MiB summaries. */
const blocks = new MarkdownIt({ html: true });
blocks.core.ruler.disable('inline');
/** Bodies up to this size are rendered to HTML in full, inline HTML included; larger ones are checked by their blocks. */
const FULL_PARSE_LENGTH = 100_000;

/** Cells of a table row as GitHub splits it: at pipes, a backslash escaping the character after it (`\\` too). */
function gfmCells(line: string): number {
  let text = line.trim();
  if (text.startsWith('|')) text = text.slice(1);
  let cells = 1;
  let cellEnd = false;
  for (let index = 0; index < text.length; index += 1) {
    cellEnd = false;
    if (text[index] === '\\') index += 1;
    else if (text[index] === '|') {
      cells += 1;
      cellEnd = true;
    }
  }
  return cellEnd ? cells - 1 : cells;
}

/** Cells of a table row as markdown-it splits it: at pipes not just after a backslash. */
function markdownItCells(line: string): number {
  const inner = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).length;
}

interface Table {
  readonly header: readonly string[];
  /** Each row's cells, as markdown (the inline source of each cell). */
  readonly rows: readonly (readonly string[])[];
}

/**
 * Checks that a body is well-formed and returns its tables: every code fence closed by a fence of its own length,
 * `<details>` opened and closed in order, every table row with as many cells as the header (as GitHub and as
 * markdown-it split it, on the source: markdown-it pads or cuts rows silently).
 */
function wellFormed(body: string): Table[] {
  const full = body.length <= FULL_PARSE_LENGTH;
  const tokens = (full ? markdown : blocks).parse(body, {});
  const lines = body.split('\n');
  const problems: string[] = [];
  for (const token of tokens.filter((candidate) => candidate.type === 'fence')) {
    const closing = lines[token.map![1] - 1]?.trim() ?? '';
    if (token.map![1] - token.map![0] < 2 || closing.length < token.markup.length || !/^`+$/.test(closing)) problems.push(`code fence at line ${token.map![0] + 1} is not closed`);
  }
  let depth = 0;
  const html = full ? markdown.renderer.render(tokens, markdown.options, {}) : tokens.filter((token) => token.type === 'html_block').map((token) => token.content).join('');
  for (const [tag] of html.matchAll(/<\/?details>/g)) {
    depth += tag === '<details>' ? 1 : -1;
    if (depth < 0) problems.push('</details> without <details>');
  }
  if (depth !== 0) problems.push(`${depth} <details> not closed`);
  const tables: Table[] = [];
  for (const [start, token] of tokens.entries()) {
    if (token.type !== 'table_open') continue;
    const end = tokens.findIndex((candidate, index) => index > start && candidate.type === 'table_close');
    const rows: string[][] = [];
    let row: string[] = [];
    for (const inner of tokens.slice(start, end)) {
      if (inner.type === 'tr_open') row = [];
      if (inner.type === 'inline') row.push(inner.content);
      if (inner.type === 'tr_close') rows.push(row);
    }
    const [header, ...body] = rows;
    for (let line = token.map![0]; line < token.map![1]; line += 1) {
      if (line === token.map![0] + 1) continue;
      const counts = [gfmCells(lines[line]), markdownItCells(lines[line])];
      if (counts.some((count) => count !== header.length)) problems.push(`table row at line ${line + 1} has ${counts.join('/')} cells, the header ${header.length}`);
    }
    tables.push({ header, rows: body });
  }
  expect(problems).toEqual([]);
  return tables;
}

/**
 * Checks that the account table accounts for every account of `accounts` exactly: rows of one account name it by its
 * id, rows of several count them ("812 accounts, same plan as ...", "4,188 accounts with no changes ..."), and the
 * counts and ids add up to every account, none twice. Returns the table's total row, if it has one.
 */
function accountsFor(table: Table, accounts: readonly AccountResult[]): readonly string[] | undefined {
  const ids = new Set(accounts.map((account) => account.id));
  const named: string[] = [];
  let counted = 0;
  let total: readonly string[] | undefined;
  for (const row of table.rows) {
    if (row[0] === '**Total**') total = row;
    else if (/^\d{12}$/.test(row[1])) named.push(row[1]);
    else {
      const count = /^([\d,]+) (?:more )?accounts?\b/.exec(row[0]);
      expect({ row, count: count !== null }).toEqual({ row, count: true });
      counted += Number(count![1].replace(/,/g, ''));
    }
  }
  expect(named.filter((id) => !ids.has(id))).toEqual([]);
  expect(new Set(named).size).toBe(named.length);
  expect(named.length + counted).toBe(accounts.length);
  return total;
}

/** The comment and the job summary of a plan: within their limits, well-formed, every account, totals, destruction. */
function checkPlanReports(result: MatrixResult): void {
  const comment = renderPlanComment(result, { config: 'accounts.yml', commit: COMMIT, runUrl: RUN_URL, record: RECORD });
  // Thousands of warnings, as GitHub's rate limits can leave (one per drift issue not opened), some of them long.
  const notices = Array.from({ length: 3_000 }, (_, index) => `Could not open the drift issue of account ${index}: ${index % 100 === 0 ? 'x'.repeat(5_000) : 'rate limited'}`);
  const summary = renderJobSummary(result, { config: 'accounts.yml', commit: COMMIT, notices });
  expect(githubLength(comment)).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
  expect(utf8Length(summary)).toBeLessThanOrEqual(JOB_SUMMARY_LIMIT);
  const { summary: counts } = result;
  const destroyed = result.accounts.filter((account) => account.counts.destroy + account.counts.replace > 0);
  for (const body of [comment, summary]) {
    const [table] = wellFormed(body);
    const total = accountsFor(table, result.accounts);
    if (result.accounts.length > 1) expect(total?.slice(4, 8)).toEqual([counts.add, counts.change, counts.destroy, counts.replace].map((count) => count.toLocaleString('en-US')));
    expect(body).toContain(`**${counts.accounts.toLocaleString('en-US')} account${counts.accounts === 1 ? '' : 's'}`);
    if (destroyed.length > 0) {
      const resources = counts.destroy + counts.replace;
      expect(body).toContain(`**${resources.toLocaleString('en-US')} resource${resources === 1 ? '' : 's'} in ${destroyed.length.toLocaleString('en-US')} account${destroyed.length === 1 ? '' : 's'} will be destroyed or replaced.**`);
    }
  }
}

/** A drift issue (and the comments that close and reopen it): within the limit, well-formed, every account of its scope. */
function checkDriftIssue(result: MatrixResult, scope: DriftScope): void {
  const context = { checkedAt: 'Mon, 23 Nov 2026 06:00:00 GMT', runUrl: RUN_URL };
  const body = renderDriftIssue(result, scope, context);
  expect(githubLength(body)).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
  const accounts = result.accounts.filter((account) => !scope.accountId || account.id === scope.accountId);
  const [table] = wellFormed(body);
  accountsFor(table, accounts);
  const drifted = accounts.filter((account) => account.drift.length > 0).length;
  expect(body).toContain(`**${drifted.toLocaleString('en-US')} of ${accounts.length.toLocaleString('en-US')} account${accounts.length === 1 ? '' : 's'}**`);
  for (const comment of [renderDriftResolved(result, context), renderDriftReopened(result, context)]) {
    expect(githubLength(comment)).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    wellFormed(comment);
  }
}

/** The first `size` accounts of a generated matrix, as a result of their own. */
/** A config of `size` accounts, as the examples name it. */
function configOf(accounts: readonly Pick<AccountResult, 'id' | 'name'>[]): string {
  const defaults = 'defaults: { region: eu-west-1, role_arn: "arn:aws:iam::{account_id}:role/terraform", inputs: { role_name: "ssm-{name}" } }';
  return ['version: 1', defaults, 'backend: { local: { path: "state/{name}.tfstate" } }', 'accounts:', ...accounts.map((account) => `  - { id: "${account.id}", name: ${account.name} }`), ''].join('\n');
}

function firstAccounts(result: MatrixResult, size: number): MatrixResult {
  return assembleResult(result.command, result.accounts.slice(0, size), { ...result.run, id: `${result.run.id}-${size}` });
}

describe.each(SCENARIOS)('%s', (scenario: Scenario) => {
  // Generated once at the largest size; the smaller matrices are its first accounts.
  let largest: MatrixResult;
  beforeAll(() => {
    largest = generatedMatrix(Math.max(...SIZES), scenario);
  });
  // Six matrices of 5,000 accounts held at once would make the garbage collector the slowest part of this file.
  afterAll(() => {
    largest = undefined!;
  });

  test.each(SIZES)('%i accounts: the comment and the job summary fit, are well-formed and count every account', (size) => {
    checkPlanReports(firstAccounts(largest, size));
  });

  test.each(SIZES)('%i accounts: the drift issue of the config fits, is well-formed and counts every account', (size) => {
    checkDriftIssue(firstAccounts(largest, size), { config: 'accounts.yml' });
  });

  test('per-account drift issues fit and are well-formed, at 5,000 accounts', () => {
    // An account's own issue depends on that account only. The generators make every kind of account in the first
    // 84 (hostile names repeat every 7 and 11): those, and accounts spread over the rest.
    const sample = largest.accounts.filter((_, index) => index < 84 || index % 500 === 0);
    for (const account of sample) checkDriftIssue(largest, { config: 'accounts.yml', accountId: account.id });
  });
});

test('a comment made smaller, 2,000 characters at a time, still counts every account and every plan', () => {
  const result = largeMatrix();
  const withPlans = result.accounts.filter((account) => account.status !== 'no_changes' || account.drift.length > 0).length;
  for (let maxLength = 12_000; maxLength <= GITHUB_BODY_LIMIT; maxLength += 2_000) {
    const body = renderPlanComment(result, { config: 'accounts.yml', commit: COMMIT, runUrl: RUN_URL, record: RECORD, maxLength });
    expect({ maxLength, length: githubLength(body) <= maxLength }).toEqual({ maxLength, length: true });
    accountsFor(wellFormed(body)[0], result.accounts);
    // Every plan is in a section (of one account, or of several counted in its summary), or counted as left out.
    let shown = 0;
    for (const [, summary, section] of body.matchAll(/<details><summary>(.*?)<\/summary>\n\n([\s\S]*?)\n\n<\/details>/g)) {
      if (!section.includes('```')) continue;
      shown += Number(/^([\d,]+) accounts /.exec(summary)?.[1].replace(/,/g, '') ?? 1);
    }
    const omitted = Number(/The details of (\d+) accounts? did not fit/.exec(body)?.[1] ?? 0);
    expect({ maxLength, accounts: shown + omitted }).toEqual({ maxLength, accounts: withPlans });
  }
});

test('the common plan keeps its row when accounts with plans of their own must be counted', () => {
  const common = generatedMatrix(600, 'identical').accounts;
  const own = generatedMatrix(2_000, 'distinct').accounts.slice(600);
  // The common plan's accounts last: of rows as important, the one counting most accounts is kept first.
  const result = assembleResult('plan', [...own, ...common], generatedMatrix(1, 'identical').run);
  const body = renderPlanComment(result, { config: 'accounts.yml', commit: COMMIT, runUrl: RUN_URL, record: RECORD });
  const [table] = wellFormed(body);
  accountsFor(table, result.accounts);
  expect(table.rows.map((row) => row[0])).toContain(`600 accounts, same plan as ${common[0].name}: +6 \\~0 -0 ±0 each`);
  const counted = table.rows.find((row) => /^[\d,]+ more accounts with changes$/.test(row[0]));
  expect(counted).toBeDefined();
});

describe('report joins 50 shard results of 100 accounts', () => {
  let dir: string;
  let merged: MatrixResult;
  const whole = largeMatrix(5_000);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'smr-shards-'));
    for (let index = 1; index <= 50; index += 1) {
      const shard = { index, count: 50 };
      writeResult(join(dir, `result-${index}.json`), assembleResult('plan', shardAccounts(whole.accounts, shard), { ...whole.run, shard }));
    }
    writeFileSync(join(dir, 'accounts.yml'), configOf(whole.accounts));
    const files = Array.from({ length: 50 }, (_, index) => join(dir, `result-${index + 1}.json`)).reverse();
    merged = mergeResults(files.map(readResult), loadConfig(join(dir, 'accounts.yml'), { builtInModules: join(__dirname, '..', 'modules') }));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('into the result one run of the 5,000 accounts gives', () => {
    expect(merged.accounts.map((account) => account.id)).toEqual(whole.accounts.map((account) => account.id));
    expect({ summary: merged.summary, fingerprint: merged.fingerprint }).toEqual({ summary: whole.summary, fingerprint: whole.fingerprint });
  });

  test('whose comment and job summary fit, are well-formed and count every account', () => {
    checkPlanReports(merged);
  });
});

describe('the example fan-out workflow', () => {
  const workflow = parseYaml(readFileSync(join(__dirname, '..', 'examples', 'workflows', 'plan-sharded.yml'), 'utf8'));
  const step = workflow.jobs.shards.steps.find((candidate: { id?: string }) => candidate.id === 'count');

  /** Runs the step that counts the shards as the runner would (bash, its env, $GITHUB_OUTPUT) on a config of `size` accounts. */
  function shardsFor(size: number, env: Record<string, string> = {}): Record<string, string> {
    const dir = mkdtempSync(join(tmpdir(), 'smr-fan-out-'));
    try {
      writeFileSync(join(dir, 'session-manager-role.yml'), configOf(Array.from({ length: size }, (_, index) => ({ id: String(100000000000 + index), name: `a${index}` }))));
      writeFileSync(join(dir, 'output'), '');
      execFileSync('bash', ['-e', '-c', step.run], { cwd: dir, env: { PATH: process.env.PATH, ...step.env, ...env, GITHUB_OUTPUT: join(dir, 'output') } });
      return Object.fromEntries(readFileSync(join(dir, 'output'), 'utf8').trim().split('\n').map((line) => line.split('=') as [string, string]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const shardList = (count: number) => JSON.stringify(Array.from({ length: count }, (_, index) => index + 1));

  test('gives a matrix of 1,000 accounts 10 shards of 100', () => {
    expect(shardsFor(1_000)).toEqual({ count: '10', list: shardList(10) });
  });

  test('never more than GitHub\'s 256 jobs of a matrix', () => {
    expect(shardsFor(300, { ACCOUNTS_PER_SHARD: '1' })).toEqual({ count: '256', list: shardList(256) });
  });

  test('plans each shard as i/n of that count, and joins every shard', () => {
    expect(workflow.jobs.plan.strategy.matrix.shard).toBe('${{ fromJSON(needs.shards.outputs.list) }}');
    const plan = workflow.jobs.plan.steps.find((candidate: { with?: { command?: string } }) => candidate.with?.command === 'plan');
    expect(plan.with.shard).toBe('${{ matrix.shard }}/${{ needs.shards.outputs.count }}');
    expect(workflow.jobs.report.needs).toBe('plan');
  });
});
