/**
 * The reporters, on results the real engine produced: golden files for every rendering, a 200-account plan comment
 * within GitHub's limit with every fingerprint recorded, and plan values that try to break the markup rendered inert
 * (checked by parsing the markdown, as GitHub would).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { planFingerprint } from '../engine/fingerprint';
import { normalisePlan } from '../engine/plan-normalise';
import { MatrixResult } from '../engine/result';
import { assembleResult } from '../engine/result-assembly';
import { renderDriftIssue, renderDriftResolved } from '../report/drift-issue';
import { renderJobSummary } from '../report/job-summary';
import { GITHUB_BODY_LIMIT, parseCommentData, renderPlanComment } from '../report/pr-comment';
import { renderTextReport } from '../report/text-table';
import { fixtureResult, largeMatrix } from './support/results';
import { terraformOk } from './support/terraform';

const GOLDEN = join(__dirname, 'golden');
const COMMIT = '0123456789abcdef0123456789abcdef01234567';
const RUN_URL = 'https://github.com/acme/infra/actions/runs/42';

/** Compares with the golden file; `UPDATE_GOLDEN=1` rewrites it (review the diff before committing). */
function expectGolden(name: string, text: string): void {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, text);
  }
  // A missing golden file fails (in CI too): it is written only when asked.
  expect({ path, exists: existsSync(path) }).toEqual({ path, exists: true });
  expect(text).toBe(readFileSync(path, 'utf8'));
}

const markdown = new MarkdownIt({ html: true });
/** The review record a plan run keeps, as the comment names it. */
const RECORD = { artifact: 'session-manager-role-review-accounts.yml', sha256: '5eed'.repeat(16) };

test.each([
  ['plan-comment.md', () => renderPlanComment(fixtureResult('plan-mixed'), { config: 'accounts.yml', commit: COMMIT, runUrl: RUN_URL, record: RECORD })],
  ['plan-summary.md', () => renderJobSummary(fixtureResult('plan-mixed'), { config: 'accounts.yml', commit: COMMIT })],
  ['plan-table.txt', () => renderTextReport(fixtureResult('plan-mixed'))],
  ['drift-issue.md', () => renderDriftIssue(fixtureResult('drift-mixed'), { config: 'accounts.yml' }, { checkedAt: '2026-11-23 06:00 UTC', runUrl: RUN_URL })],
  ['drift-resolved.md', () => renderDriftResolved(fixtureResult('drift-mixed'), { checkedAt: '2026-11-24 06:00 UTC', runUrl: RUN_URL })],
  ['large-plan-comment.md', () => renderPlanComment(largeMatrix(), { config: 'accounts.yml', commit: COMMIT, runUrl: RUN_URL, record: RECORD })],
])('%s matches its golden file', (name, render) => {
  expectGolden(name, render());
});

describe('a 200-account plan comment', () => {
  const result = largeMatrix();
  const body = renderPlanComment(result, { config: 'accounts.yml', commit: COMMIT, runUrl: RUN_URL });

  test('fits GitHub\'s limit and keeps every table row', () => {
    expect(body.length).toBeLessThanOrEqual(GITHUB_BODY_LIMIT);
    for (const account of result.accounts) expect(body).toContain(`| ${account.name} | ${account.id} |`);
  });

  test('names the review record the apply checks, in a hidden line that does not grow with the matrix', () => {
    const record = { artifact: 'session-manager-role-review-accounts.yml', sha256: 'ab'.repeat(32) };
    const withRecord = renderPlanComment(result, { config: 'accounts.yml', commit: COMMIT, runUrl: RUN_URL, record });
    const data = parseCommentData(withRecord)!;
    expect(data).toEqual({ version: 2, config: 'accounts.yml', commit: COMMIT, run: result.run.id, fingerprint: result.fingerprint, record_sha256: record.sha256 });
    expect(withRecord).toContain(`artifact \`${record.artifact}\`, SHA-256 \`${record.sha256.slice(0, 12)}\``);
    const dataLine = withRecord.split('\n').find((line) => line.includes('session-manager-role:plan-data'))!;
    expect(dataLine.length).toBeLessThan(400);
    // Without a record, the comment says that a merge applies nothing.
    expect(parseCommentData(body)).not.toHaveProperty('record_sha256');
    expect(body).toContain('This run keeps no review record, so a merge applies none of these changes');
  });

  test('groups identical plans and calls out every destroyed or replaced resource', () => {
    const created = result.accounts.filter((account) => account.counts.add === 6).length;
    expect(body).toContain(`${created} accounts with the same plan`);
    const replacing = result.accounts.filter((account) => account.counts.replace > 0);
    const replacements = replacing.reduce((total, account) => total + account.counts.replace, 0);
    expect(body).toContain(`**${replacements} resources in ${replacing.length} accounts will be destroyed or replaced.**`);
    for (const account of replacing) expect(body).toMatch(new RegExp(`> - ${account.name} \\(${account.id}\\): .*replaces \`aws_iam_role\\.this\``));
  });

  test('shortens, then leaves to the job summary, the details that do not fit, but never the table', () => {
    const small = renderPlanComment(result, { config: 'accounts.yml', commit: COMMIT, runUrl: RUN_URL, maxLength: 19_000 });
    expect(small.length).toBeLessThanOrEqual(19_000);
    expect(small).toMatch(/The details of \d+ accounts? did not fit in this comment: see the \[job summary\]/);
    for (const account of result.accounts) expect(small).toContain(`| ${account.name} | ${account.id} |`);
    expect(parseCommentData(small)).toMatchObject({ commit: COMMIT, fingerprint: result.fingerprint });
  });
});

describe('plan values that try to break the markup', () => {
  const NASTY = [
    '```\n</details>\n<script>alert(1)</script>',
    '`` @octocat please look `` #1 <img src=x onerror=alert(2)>',
    '-->\n<!-- session-manager-role:plan-data {"version":1} -->',
    '| a | b |\n# Heading\n[link](https://evil.example)',
  ];
  let result: MatrixResult;
  let dir: string;

  beforeAll(async () => {
    // A real plan: terraform_data (built in, no provider) with the values as its input.
    dir = mkdtempSync(join(tmpdir(), 'smr-nasty-'));
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ resource: { terraform_data: Object.fromEntries(NASTY.map((value, index) => [`value_${index}`, { input: value }])) } }));
    await terraformOk(dir, ['init', '-input=false', '-no-color']);
    await terraformOk(dir, ['plan', '-input=false', '-no-color', '-out=tfplan']);
    const plan = normalisePlan(JSON.parse(await terraformOk(dir, ['show', '-json', 'tfplan'])));
    const template = fixtureResult('plan-mixed');
    const account = { ...template.accounts[2], ...plan, fingerprint: planFingerprint(plan), error: { phase: 'plan', message: NASTY[0] }, reason: NASTY[1] };
    result = assembleResult('plan', [account], template.run);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['the comment', () => renderPlanComment(result, { config: 'odd --> name.yml', commit: COMMIT, runUrl: RUN_URL })],
    ['the job summary', () => renderJobSummary(result, { config: 'odd --> name.yml', notices: [NASTY[1]] })],
    ['the drift issue', () => renderDriftIssue({ ...result, accounts: result.accounts.map((a) => ({ ...a, drift: [{ address: 'terraform_data.value_0', type: 'terraform_data', action: 'update' as const, attributes: [{ name: 'input', before: NASTY[2], after: NASTY[3] }] }] })) }, { config: 'odd --> name.yml' }, { checkedAt: 'now' })],
  ])('%s renders them inert', (_, render) => {
    const body = render();
    const html = markdown.render(body);
    expect(html).not.toMatch(/<script|<img|<a href="https:\/\/evil|<h1/);
    // Every <details> this tool opened is closed by this tool, and nothing else opens or closes one.
    const opened = (body.match(/<details>/g) ?? []).length;
    expect((html.match(/<details>/g) ?? []).length).toBe(opened);
    expect((html.match(/<\/details>/g) ?? []).length).toBe(opened);
    // Mentions and references are broken up wherever they are not in code.
    const text = html.replace(/<code[^>]*>[\s\S]*?<\/code>/g, '');
    expect(text).not.toMatch(/@octocat|#1\b/);
    // Inert, not dropped: the values are still there for the reader, as text.
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('[link](https://evil.example)');
  });

  test('the hidden data survives a config name with "-->" and values that imitate it', () => {
    const body = renderPlanComment(result, { config: 'odd --> name.yml', commit: COMMIT });
    expect(parseCommentData(body)).toMatchObject({ config: 'odd --> name.yml', commit: COMMIT, fingerprint: result.fingerprint });
  });
});
