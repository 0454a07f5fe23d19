import { createHash } from 'node:crypto';
import { strFromU8, unzipSync } from 'fflate';
import { ReviewRecord, ReviewRecordError, parseReviewRecord, reviewRecordDigest } from '../../engine/review-record';
import { runGroup } from '../../engine/run-id';
import { parseCommentData } from '../../report/pr-comment';
import { GitHubClient, httpStatus } from './github';
import { findPlanComments } from './plan-comment';

type Repository = { readonly owner: string; readonly repo: string };

export interface ReviewLookupOptions {
  /** The config file, as the workflow names it. */
  readonly config: string;
  /** Login that posts the plan comments. */
  readonly author: string;
  /** File name of the workflow that plans pull requests, e.g. `session-manager-role-plan.yml`. */
  readonly planWorkflow: string;
}

/** What was reviewed for a merged pull request, or why nothing can count as reviewed. */
export type Review =
  | {
      readonly verified: true;
      readonly pullRequest: number;
      readonly record: ReviewRecord;
      /** The record file's text, as the plan run kept it. */
      readonly recordText: string;
      readonly commentUrl: string;
      readonly runUrl: string;
    }
  | { readonly verified: false; readonly pullRequest?: number; readonly reason: string };

/** The name of the artifact that holds a config's review record: one per config in a run, and safe for GitHub. */
export function reviewArtifactName(config: string): string {
  return `session-manager-role-review-${config.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
}

/**
 * The review of the pull request that a commit of the default branch merged, verified as far as GitHub lets anyone
 * verify it. The plan comment can be edited by anyone with write access, so it only names the record; the record comes
 * from the plan workflow's successful run for the pull request's last commit (an artifact no one can change after the
 * run), and it counts only when its SHA-256 is the one the comment names and it describes that commit, that config and
 * that run. Anything that cannot be checked is "not reviewed", never "approved".
 */
export async function reviewOfMerge(octokit: GitHubClient, repository: Repository, commit: string, options: ReviewLookupOptions): Promise<Review> {
  const { data: pulls } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repository, commit_sha: commit });
  const pull = pulls.find((candidate) => candidate.merged_at && candidate.merge_commit_sha === commit) ?? pulls.find((candidate) => candidate.merged_at);
  if (!pull) return { verified: false, reason: `no merged pull request produced commit ${commit.slice(0, 12)}` };
  const head = pull.head.sha;
  const refuse = (reason: string): Review => ({ verified: false, pullRequest: pull.number, reason: `pull request #${pull.number}: ${reason}` });

  const comment = (await findPlanComments(octokit, { ...repository, issue_number: pull.number }, options.config, options.author)).at(-1);
  const data = comment ? parseCommentData(comment.body ?? '') : undefined;
  if (!comment || !data) return refuse(`it has no plan comment of ${options.config} by ${options.author}`);
  if (data.commit !== head) return refuse(`its plan comment describes commit ${data.commit.slice(0, 12)}, but it was merged at ${head.slice(0, 12)}: its last push was never planned`);
  if (!data.record_sha256) return refuse('its plan comment names no review record: the plan run kept none');

  const { data: runs } = await octokit.rest.actions.listWorkflowRuns({ ...repository, workflow_id: options.planWorkflow, head_sha: head, event: 'pull_request', status: 'success', per_page: 10 });
  const run = runs.workflow_runs[0];
  if (!run) return refuse(`no successful run of ${options.planWorkflow} planned its last commit ${head.slice(0, 12)}`);
  const runLabel = `run ${run.id} of ${options.planWorkflow}`;

  const artifactName = reviewArtifactName(options.config);
  const { data: artifacts } = await octokit.rest.actions.listWorkflowRunArtifacts({ ...repository, run_id: run.id, name: artifactName });
  const artifact = artifacts.artifacts[0];
  if (!artifact) return refuse(`${runLabel} has no artifact ${artifactName}: the plan workflow must upload the review record (see examples/workflows/plan.yml)`);
  if (artifact.expired) return refuse(`the review record of ${runLabel} expired on ${artifact.expires_at}: re-run that plan workflow run, then this apply`);

  let zip: Buffer;
  try {
    const download = await octokit.rest.actions.downloadArtifact({ ...repository, artifact_id: artifact.id, archive_format: 'zip' });
    zip = Buffer.from(download.data as ArrayBuffer);
  } catch (error) {
    if (httpStatus(error) === 410) return refuse(`the review record of ${runLabel} has expired: re-run that plan workflow run, then this apply`);
    throw error;
  }
  if (artifact.digest && artifact.digest !== `sha256:${createHash('sha256').update(zip).digest('hex')}`) {
    return refuse(`the artifact ${artifactName} of ${runLabel} does not match the digest GitHub gave for it`);
  }
  const files = Object.entries(unzipSync(new Uint8Array(zip))).filter(([path]) => !path.endsWith('/'));
  if (files.length !== 1) return refuse(`the artifact ${artifactName} of ${runLabel} holds ${files.length} files, not the one review record`);
  const recordText = strFromU8(files[0][1]);
  if (reviewRecordDigest(recordText) !== data.record_sha256) {
    return refuse(`the review record of ${runLabel} is not the one its plan comment names (the comment was edited, or names another run's record)`);
  }
  let record: ReviewRecord;
  try {
    record = parseReviewRecord(recordText, `the review record of ${runLabel}`);
  } catch (error) {
    if (error instanceof ReviewRecordError) return refuse(error.message);
    throw error;
  }
  const mismatch =
    record.commit !== head
      ? `describes commit ${record.commit.slice(0, 12)}, not the last commit ${head.slice(0, 12)}`
      : record.config !== options.config
        ? `is of config ${record.config}, not ${options.config}`
        : runGroup(record.run) !== `gh-${run.id}`
          ? `was written by run ${record.run}, not by ${runLabel}`
          : undefined;
  if (mismatch) return refuse(`the review record of ${runLabel} ${mismatch}`);
  return { verified: true, pullRequest: pull.number, record, recordText, commentUrl: comment.html_url, runUrl: run.html_url };
}
