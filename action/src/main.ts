import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as core from '@actions/core';
import { context } from '@actions/github';
import { ApplyMode, PendingAccount } from '../../engine/account-run';
import { reviewWindow } from '../../engine/git';
import { changedAccounts } from '../../engine/changed-since';
import { ConfigError, describeProblem, loadConfig, problemCount } from '../../engine/config-loader';
import { runMatrix } from '../../engine/matrix-run';
import { defaultRunId } from '../../engine/run-id';
import { resultSoFar } from '../../engine/run-journal';
import { runDirectory } from '../../engine/work-directory';
import { mergeResults } from '../../engine/merge';
import { MatrixResult, isTroubled } from '../../engine/result';
import { readResult, writeResult } from '../../engine/result-file';
import { ReviewedFingerprints, reviewRecord, reviewRecordDigest, reviewedFingerprints, serializeReviewRecord } from '../../engine/review-record';
import { describeChange, describePending, describeSync, syncDriftIssues } from './drift-issues';
import { ProgressLines } from '../../report/progress';
import { renderConfigErrors } from '../../report/config-errors';
import { renderJobSummary } from '../../report/job-summary';
import { RecordReference, renderPlanComment } from '../../report/pr-comment';
import { GitHubClient, describeFailure, gitHubClient } from './github';
import { ActionInputs, InputError, readInputs } from './inputs';
import { postPlanComment } from './plan-comment';
import { Review, reviewArtifactName, reviewOfMerge } from './review-lookup';

/** The modules of this release: the action runs from a checkout of the whole repository at its tag. */
const BUILT_IN_MODULES = join(__dirname, '..', '..', 'modules');
const APPLY_EVENTS = ['push', 'workflow_dispatch'];
/** The review record's file name inside its artifact. */
const REVIEW_RECORD_FILE = 'review-record.json';

/** What the step tells GitHub besides the summary: links, the review record, and what could not be done there. */
interface Publication {
  commentUrl?: string;
  issueUrl?: string;
  /** The review record this step wrote (a plan) or verified (an apply), as a file to upload or keep. */
  record?: RecordReference & { readonly path: string };
  readonly notices: string[];
}

/** Where the engine keeps its working files in a job. */
const WORK_DIR = join(process.env.RUNNER_TEMP ?? '.', 'session-manager-role');

/**
 * The action's entry point: reads inputs, runs the engine, reports to GitHub, and fails the step only when it must.
 * A cancelled job gets SIGINT, SIGTERM 7.5 s later and is killed 2.5 s after that: the first signal stops Terraform
 * (which finishes its step, writes state and releases its lock), the second writes the result as far as it goes.
 */
export async function run(): Promise<void> {
  const stop = new AbortController();
  const runId = defaultRunId(process.env);
  let inputs: ActionInputs | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) {
      core.warning(`${signal}: stopping. Terraform finishes its current step, writes its state and releases its lock; the runner ends the step about 10 seconds after the cancel.`);
      stop.abort();
    } else if (inputs) {
      core.warning(`${signal}: the runner ends this step in a moment; writing the result so far.`);
      const partial = resultSoFar(runDirectory(WORK_DIR, runId), 'still stopping when the runner ended the step: its state lock may be held (README: "Cancelling a run")');
      if (partial) void recordResult(inputs, partial, { notices: ['The job was cancelled: this is the result as far as it went when the runner ended the step.'] });
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    inputs = readInputs((name) => core.getInput(name));
    core.setSecret(inputs.githubToken);
    const publication: Publication = { notices: [] };
    const octokit = gitHubClient(inputs.githubToken, core.info);
    const result = await produceResult(inputs, octokit, { runId, signal: stop.signal }, publication);
    if (result.command === 'plan' && !result.run.shard) publication.record = keepReviewRecord(inputs.config, result);
    await report(inputs, octokit, result, publication);
  } catch (error) {
    await failOnError(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function produceResult(inputs: ActionInputs, octokit: GitHubClient, run: { readonly runId: string; readonly signal: AbortSignal }, publication: Publication): Promise<MatrixResult> {
  if (inputs.command === 'report') {
    const config = existsSync(inputs.config) ? loadConfig(inputs.config, { builtInModules: BUILT_IN_MODULES }) : undefined;
    return mergeResults(resultFiles(inputs.results).map(readResult), config);
  }
  if (inputs.command === 'apply' && !APPLY_EVENTS.includes(context.eventName)) {
    throw new Error(`apply runs only on ${APPLY_EVENTS.join(' or ')}, never on ${context.eventName}: a pull request shows the plan, the merge applies it`);
  }
  const config = loadConfig(inputs.config, { builtInModules: BUILT_IN_MODULES });
  const apply: ApplyMode | undefined =
    inputs.command === 'apply' ? { kind: 'expect', reviewed: (pending) => reviewsSinceLastApply(inputs, octokit, publication, pending) } : undefined;
  const changes = inputs.changedSince ? await changedAccounts(config, inputs.changedSince, { builtInModules: BUILT_IN_MODULES }) : undefined;
  const progress = new ProgressLines(inputs.command);
  return runMatrix({
    config,
    configLabel: inputs.config,
    command: inputs.command,
    workDir: WORK_DIR,
    runId: run.runId,
    commit: describedCommit(),
    parallelism: inputs.parallelism,
    timeoutMs: inputs.timeoutMs,
    lockTimeoutMs: inputs.lockTimeoutMs,
    apply,
    shard: inputs.shard,
    changes,
    full: inputs.full,
    maxAgeMs: inputs.maxAgeMs,
    unapplied: inputs.command === 'apply',
    terraform: { terraformLog: inputs.terraformLog, passEnv: inputs.passEnv },
    // The environment's credentials, and those the engine obtains itself (assumed roles), never show in the log.
    onSecret: (secret) => core.setSecret(secret),
    signal: run.signal,
    onProgress: (event) => {
      const line = progress.line(event);
      if (!line) return;
      if (event.kind === 'notice') {
        core.warning(event.message);
        publication.notices.push(event.message);
      } else core.info(line);
    },
  });
}

/** Files named by the `results` input, and the `.json` files of folders it names. */
function resultFiles(entries: readonly string[]): string[] {
  return entries.flatMap((entry) =>
    existsSync(entry) && statSync(entry).isDirectory()
      ? readdirSync(entry).filter((name) => name.endsWith('.json')).sort().map((name) => join(entry, name))
      : [entry],
  );
}

/**
 * The plans reviewed for the changes an apply is about to make: those of every pull request merged since the accounts
 * with changes were last applied (their records name the commit), from the review records their plan runs kept. So an
 * apply also applies what earlier applies did not (a run cancelled by a newer one, a failed or refused account),
 * as long as a verified review covers it; a review that cannot be verified counts for nothing, and says why.
 */
async function reviewsSinceLastApply(inputs: ActionInputs, octokit: GitHubClient, publication: Publication, pending: readonly PendingAccount[]): Promise<ReviewedFingerprints> {
  if (pending.length === 0) return new Map();
  const commits = await reviewWindow(dirname(resolve(inputs.config)), context.sha, pending.map((entry) => entry.applied?.commit), inputs.reviewLookback);
  const options = { config: inputs.config, author: inputs.commentAuthor, planWorkflow: inputs.planWorkflow };
  const verified: Extract<Review, { verified: true }>[] = [];
  for (const commit of commits) {
    const review = await reviewOfMerge(octokit, context.repo, commit, options);
    if (review.verified) {
      core.info(`Review of pull request #${review.pullRequest} verified (${review.commentUrl}; record of ${review.runUrl}): ${review.record.accounts.length} planned accounts.`);
      verified.push(review);
      if (commit === context.sha) {
        publication.commentUrl = review.commentUrl;
        publication.record = writeRecordFile(inputs.config, review.recordText);
      }
    } else if (review.pullRequest !== undefined) {
      const message = `Not counted as a review: ${review.reason}.`;
      core.warning(message);
      publication.notices.push(message);
    } else core.info(`Commit ${commit.slice(0, 12)}: ${review.reason}.`);
  }
  if (verified.length === 0) {
    const message = `No verified review among the ${commits.length} commit${commits.length === 1 ? '' : 's'} since the accounts were last applied: accounts with changes are refused.`;
    core.warning(message);
    publication.notices.push(message);
  }
  return reviewedFingerprints(verified.map((review) => ({ record: review.record, source: `pull request #${review.pullRequest}` })));
}

/** The review record of a whole plan, written where the workflow uploads it from (see examples/workflows/plan.yml). */
function keepReviewRecord(config: string, result: MatrixResult): Publication['record'] {
  return writeRecordFile(config, serializeReviewRecord(reviewRecord(result, { config, commit: describedCommit() })));
}

function writeRecordFile(config: string, text: string): NonNullable<Publication['record']> {
  const artifact = reviewArtifactName(config);
  const path = join(process.env.RUNNER_TEMP ?? '.', 'session-manager-role-review', artifact, REVIEW_RECORD_FILE);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return { path, artifact, sha256: reviewRecordDigest(text) };
}

async function report(inputs: ActionInputs, octokit: GitHubClient, result: MatrixResult, publication: Publication): Promise<void> {
  logAccounts(result);
  await publish(inputs, octokit, result, publication);
  await recordResult(inputs, result, publication);
}

/**
 * What the step leaves whatever GitHub says: the result file, the job summary (replacing one written before, for a
 * step that was cancelled while it reported), the outputs, and the step's failure when an account did not succeed.
 */
async function recordResult(inputs: ActionInputs, result: MatrixResult, publication: Publication): Promise<void> {
  const resultPath = resolve(inputs.resultPath ?? join(process.env.RUNNER_TEMP ?? '.', 'session-manager-role-result.json'));
  writeResult(resultPath, result);
  await core.summary.addRaw(renderJobSummary(result, { config: inputs.config, commit: describedCommit(), notices: publication.notices })).write({ overwrite: true });

  const troubled = result.accounts.filter((account) => isTroubled(account.status));
  core.setOutput('result', resultPath);
  core.setOutput('has-changes', String(result.summary.with_changes > 0));
  core.setOutput('has-drift', String(result.summary.with_drift > 0));
  core.setOutput('failed-accounts', JSON.stringify(troubled.map((account) => account.name)));
  core.setOutput('comment-url', publication.commentUrl ?? '');
  core.setOutput('issue-url', publication.issueUrl ?? '');
  core.setOutput('review-record', publication.record?.path ?? '');
  core.setOutput('review-record-sha256', publication.record?.sha256 ?? '');
  core.setOutput('review-artifact', publication.record?.artifact ?? '');

  if (troubled.length > 0) {
    core.setFailed(`${troubled.length} account${troubled.length === 1 ? '' : 's'} did not succeed: ${troubled.map((account) => `${account.name} (${account.status}${account.reason ? `: ${account.reason}` : account.error ? ` during ${account.error.phase}` : ''})`).join('; ')}`);
  } else if (inputs.failOnDrift && result.summary.with_drift > 0) {
    core.setFailed(`Drift in ${result.summary.with_drift} account${result.summary.with_drift === 1 ? '' : 's'} (fail-on-drift is on).`);
  }
}

/** The commit a plan describes: a pull request's head, not the merge commit the runner checked out. */
function describedCommit(): string {
  return (context.payload.pull_request?.head as { sha?: string } | undefined)?.sha ?? context.sha;
}

function runUrl(): string {
  return `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`;
}

/** The comment on the pull request, or the drift issues; what GitHub refuses goes to the log and the summary. */
async function publish(inputs: ActionInputs, octokit: GitHubClient, result: MatrixResult, publication: Publication): Promise<void> {
  const pullRequest = context.payload.pull_request?.number as number | undefined;
  const attempt = async (what: string, action: () => Promise<void>) => {
    try {
      await action();
    } catch (error) {
      const message = describeFailure(what, error);
      core.warning(message);
      publication.notices.push(message);
    }
  };
  if (result.command === 'plan' && inputs.comment !== 'off' && pullRequest !== undefined && !inputs.shard) {
    await attempt(`post the plan comment on pull request #${pullRequest}`, async () => {
      const posted = await postPlanComment(octokit, { ...context.repo, issue_number: pullRequest }, {
        config: inputs.config,
        author: inputs.commentAuthor,
        mode: inputs.comment as 'update' | 'recreate',
        render: (maxLength) => renderPlanComment(result, { config: inputs.config, commit: describedCommit(), runUrl: runUrl(), record: publication.record, maxLength }),
      });
      core.info(`${posted.created ? 'Posted' : 'Updated'} the plan comment: ${posted.url}`);
      publication.commentUrl = posted.url;
    });
  }
  if (result.command === 'drift' && inputs.driftIssue !== 'off' && !inputs.shard) {
    await attempt('update the drift issues', async () => {
      const sync = await syncDriftIssues(octokit, context.repo, result, {
        config: inputs.config,
        mode: inputs.driftIssue as 'per-config' | 'per-account',
        label: inputs.driftIssueLabel,
        contentBudget: inputs.driftIssueBudget,
        author: inputs.commentAuthor,
        runUrl: runUrl(),
        checkedAt: new Date(result.run.finished_at).toUTCString(),
      });
      for (const change of sync.changes) core.info(describeChange(change));
      core.info(describeSync(sync));
      const pending = describePending(sync);
      if (pending) {
        core.warning(pending);
        publication.notices.push(pending);
      }
      publication.issueUrl = sync.url;
    });
  }
}

/** Each account's Terraform output in a group of its own, so the log reads account by account. */
function logAccounts(result: MatrixResult): void {
  for (const account of result.accounts) {
    if (!account.log_file || !existsSync(account.log_file)) continue;
    core.startGroup(`${account.name} (${account.id}): ${account.status}`);
    core.info(readFileSync(account.log_file, 'utf8'));
    core.endGroup();
  }
}

/** User mistakes get their message (config problems as annotations on the file); nothing gets a stack trace. */
async function failOnError(error: unknown): Promise<void> {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) {
      core.error(describeProblem(problem), {
        title: 'session-manager-role config',
        file: problem.file,
        startLine: problem.line,
        startColumn: problem.column,
      });
    }
    await core.summary.addRaw(renderConfigErrors(core.getInput('config') || error.problems[0].file, error.problems)).write();
    core.setFailed(`${problemCount(error.problems)} in ${error.problems[0].file}; nothing was run.`);
    return;
  }
  if (error instanceof InputError) {
    core.setFailed(error.message);
    return;
  }
  core.debug(error instanceof Error ? (error.stack ?? error.message) : String(error));
  core.setFailed(error instanceof Error ? error.message : String(error));
}
