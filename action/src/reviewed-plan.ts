import { parseCommentData, reviewedFingerprints } from '../../report/pr-comment';
import { GitHubClient } from './github';
import { findPlanComments } from './plan-comment';

/** What the apply may apply: the fingerprints a reviewer saw, or why there are none. */
export type ReviewedPlan =
  | { readonly found: true; readonly pullRequest: number; readonly commentUrl: string; readonly fingerprints: ReadonlyMap<string, string> }
  | { readonly found: false; readonly pullRequest?: number; readonly reason: string };

/**
 * The plan reviewed for a commit: the plan comment, posted by the trusted author, on the merged pull request that
 * produced the commit. It must describe the pull request's last commit; a plan of an earlier push is not what was
 * merged.
 */
export async function findReviewedPlan(
  octokit: GitHubClient,
  repository: { readonly owner: string; readonly repo: string },
  commit: string,
  options: { readonly config: string; readonly author: string },
): Promise<ReviewedPlan> {
  const { data: pulls } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ ...repository, commit_sha: commit });
  const pull = pulls.find((candidate) => candidate.merged_at && candidate.merge_commit_sha === commit) ?? pulls.find((candidate) => candidate.merged_at);
  if (!pull) return { found: false, reason: `no merged pull request produced commit ${commit.slice(0, 12)}` };

  const comments = await findPlanComments(octokit, { ...repository, issue_number: pull.number }, options.config, options.author);
  const comment = comments.at(-1);
  const data = comment ? parseCommentData(comment.body ?? '') : undefined;
  if (!comment || !data) {
    return { found: false, pullRequest: pull.number, reason: `pull request #${pull.number} has no plan comment of ${options.config} by ${options.author}` };
  }
  if (data.commit !== pull.head.sha) {
    return {
      found: false,
      pullRequest: pull.number,
      reason: `the plan comment on pull request #${pull.number} describes commit ${data.commit.slice(0, 12)}, but the pull request was merged at ${pull.head.sha.slice(0, 12)}: its last push was never planned`,
    };
  }
  return { found: true, pullRequest: pull.number, commentUrl: comment.html_url, fingerprints: reviewedFingerprints(data) };
}
