/**
 * Rendering a 200-account matrix: the pull request comment and the job summary, time and size, each as a ratio to
 * JSON.stringify of the same result document (the least any reporter does with it), measured in the same process.
 *
 * Usage: npm run bench:render [-- --runs 200]
 */
import { performance } from 'node:perf_hooks';
import { renderJobSummary } from '../report/job-summary';
import { GITHUB_BODY_LIMIT, renderPlanComment } from '../report/pr-comment';
import { largeMatrix } from '../test/support/results';
import { runsOption } from './support/measure';

const RUNS = runsOption(200);
const result = largeMatrix(200);
const context = {
  config: 'accounts.yml',
  commit: '0123456789abcdef0123456789abcdef01234567',
  runUrl: 'https://github.com/acme/infra/actions/runs/42',
  record: { artifact: 'session-manager-role-review-accounts.yml', sha256: '0'.repeat(64) },
};

function median(render: () => string): { ms: number; size: number } {
  let size = 0;
  for (let i = 0; i < 10; i += 1) size = render().length;
  const samples = Array.from({ length: RUNS }, () => {
    const started = performance.now();
    render();
    return performance.now() - started;
  }).sort((a, b) => a - b);
  return { ms: samples[Math.floor(RUNS / 2)], size };
}

const baseline = median(() => JSON.stringify(result));
// A copy of the result each time: the reports keep what they worked out for a result (shared by the comment and the
// summary of one run), which a benchmark of one render must not reuse.
const comment = median(() => renderPlanComment({ ...result }, context));
const summary = median(() => renderJobSummary({ ...result }, { config: context.config, commit: context.commit }));

console.log(`200 accounts, ${RUNS} runs each, medians (Node ${process.version})`);
console.log('rendering                   time       size (chars)   time / baseline');
const row = (label: string, figures: { ms: number; size: number }) =>
  console.log(`${label.padEnd(27)} ${figures.ms.toFixed(2).padStart(6)} ms  ${String(figures.size).padStart(10)}   ${(figures.ms / baseline.ms).toFixed(1)}x`);
row('JSON.stringify (baseline)', baseline);
row('plan comment', comment);
row('job summary', summary);
console.log(`comment limit: ${GITHUB_BODY_LIMIT} chars; the comment uses ${((comment.size / GITHUB_BODY_LIMIT) * 100).toFixed(0)}%`);
