import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as core from '@actions/core';
import { context } from '@actions/github';
import { ApplyMode } from '../../engine/account-run';
import { changedAccounts } from '../../engine/changed-since';
import { ConfigError, describeProblem, loadConfig, problemCount } from '../../engine/config-loader';
import { runMatrix } from '../../engine/matrix-run';
import { mergeResults } from '../../engine/merge';
import { MatrixResult, isTroubled } from '../../engine/result';
import { readResult, writeResult } from '../../engine/result-file';
import { syncDriftIssues } from './drift-issues';
import { ProgressLines } from '../../report/progress';
import { renderConfigErrors } from '../../report/config-errors';
import { renderJobSummary } from '../../report/job-summary';
import { renderPlanComment } from '../../report/pr-comment';
import { GitHubClient, describeFailure, gitHubClient } from './github';
import { ActionInputs, InputError, readInputs } from './inputs';
import { postPlanComment } from './plan-comment';
import { ReviewedPlan, findReviewedPlan } from './reviewed-plan';

/** The modules of this release: the action runs from a checkout of the whole repository at its tag. */
const BUILT_IN_MODULES = join(__dirname, '..', '..', 'modules');
const APPLY_EVENTS = ['push', 'workflow_dispatch'];

/** What the step tells GitHub besides the summary: links, and what could not be done there. */
interface Publication {
  commentUrl?: string;
  issueUrl?: string;
  readonly notices: string[];
}

/** The action's entry point: reads inputs, runs the engine, reports to GitHub, and fails the step only when it must. */
export async function run(): Promise<void> {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    core.warning(`${signal}: stopping; Terraform finishes its current step and releases the state locks.`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const inputs = readInputs((name) => core.getInput(name));
    const publication: Publication = { notices: [] };
    const octokit = gitHubClient(inputs.githubToken, core.info);
    const result = await produceResult(inputs, octokit, stop.signal, publication);
    await report(inputs, octokit, result, publication);
  } catch (error) {
    await failOnError(error);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function produceResult(inputs: ActionInputs, octokit: GitHubClient, signal: AbortSignal, publication: Publication): Promise<MatrixResult> {
  if (inputs.command === 'report') {
    const config = existsSync(inputs.config) ? loadConfig(inputs.config, { builtInModules: BUILT_IN_MODULES }) : undefined;
    return mergeResults(resultFiles(inputs.results).map(readResult), config);
  }
  if (inputs.command === 'apply' && !APPLY_EVENTS.includes(context.eventName)) {
    throw new Error(`apply runs only on ${APPLY_EVENTS.join(' or ')}, never on ${context.eventName}: a pull request shows the plan, the merge applies it`);
  }
  const config = loadConfig(inputs.config, { builtInModules: BUILT_IN_MODULES });
  const apply = inputs.command === 'apply' ? await reviewedApply(inputs, octokit, publication) : undefined;
  const changes = inputs.changedSince ? await changedAccounts(config, inputs.changedSince, { builtInModules: BUILT_IN_MODULES }) : undefined;
  const progress = new ProgressLines(inputs.command);
  return runMatrix({
    config,
    configLabel: inputs.config,
    command: inputs.command,
    workDir: join(process.env.RUNNER_TEMP ?? '.', 'session-manager-role'),
    parallelism: inputs.parallelism,
    timeoutMs: inputs.timeoutMs,
    lockTimeoutMs: inputs.lockTimeoutMs,
    apply,
    shard: inputs.shard,
    changes,
    full: inputs.full,
    maxAgeMs: inputs.maxAgeMs,
    // Credentials the engine obtains itself (assumed roles) never show in the log.
    onSecret: (secret) => core.setSecret(secret),
    signal,
    onProgress: (event) => {
      const line = progress.line(event);
      if (line) core.info(line);
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

/** The fingerprints reviewed on the pull request that produced this commit; without them, changes are refused. */
async function reviewedApply(inputs: ActionInputs, octokit: GitHubClient, publication: Publication): Promise<ApplyMode> {
  const reviewed: ReviewedPlan = await findReviewedPlan(octokit, context.repo, context.sha, { config: inputs.config, author: inputs.commentAuthor });
  if (!reviewed.found) {
    core.warning(`No reviewed plan: ${reviewed.reason}. Accounts with changes will be refused.`);
    publication.notices.push(`No reviewed plan: ${reviewed.reason}. Accounts with changes were refused.`);
    return { kind: 'expect', fingerprints: new Map() };
  }
  core.info(`Applying what pull request #${reviewed.pullRequest} reviewed (${reviewed.commentUrl}): ${reviewed.fingerprints.size} planned accounts.`);
  publication.commentUrl = reviewed.commentUrl;
  return { kind: 'expect', fingerprints: reviewed.fingerprints };
}

async function report(inputs: ActionInputs, octokit: GitHubClient, result: MatrixResult, publication: Publication): Promise<void> {
  const resultPath = resolve(inputs.resultPath ?? join(process.env.RUNNER_TEMP ?? '.', 'session-manager-role-result.json'));
  writeResult(resultPath, result);
  logAccounts(result);
  await publish(inputs, octokit, result, publication);
  await core.summary.addRaw(renderJobSummary(result, { config: inputs.config, commit: describedCommit(), notices: publication.notices })).write();

  const troubled = result.accounts.filter((account) => isTroubled(account.status));
  core.setOutput('result', resultPath);
  core.setOutput('has-changes', String(result.summary.with_changes > 0));
  core.setOutput('has-drift', String(result.summary.with_drift > 0));
  core.setOutput('failed-accounts', JSON.stringify(troubled.map((account) => account.name)));
  core.setOutput('comment-url', publication.commentUrl ?? '');
  core.setOutput('issue-url', publication.issueUrl ?? '');

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
        render: (maxLength) => renderPlanComment(result, { config: inputs.config, commit: describedCommit(), runUrl: runUrl(), maxLength }),
      });
      core.info(`${posted.created ? 'Posted' : 'Updated'} the plan comment: ${posted.url}`);
      publication.commentUrl = posted.url;
    });
  }
  if (result.command === 'drift' && inputs.driftIssue !== 'off' && !inputs.shard) {
    await attempt('update the drift issues', async () => {
      const changes = await syncDriftIssues(octokit, context.repo, result, {
        config: inputs.config,
        mode: inputs.driftIssue as 'per-config' | 'per-account',
        label: inputs.driftIssueLabel,
        author: inputs.commentAuthor,
        runUrl: runUrl(),
        checkedAt: new Date(result.run.finished_at).toUTCString(),
      });
      for (const change of changes) core.info(`Drift issue #${change.number} ${change.action}: ${change.url}`);
      publication.issueUrl = changes[0]?.url;
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
