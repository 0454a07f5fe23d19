import { GITHUB_BODY_LIMIT, isPlanComment } from '../../report/pr-comment';
import { CommentMode } from './inputs';
import { GitHubClient, httpStatus } from './github';

export interface IssueRef {
  readonly owner: string;
  readonly repo: string;
  readonly issue_number: number;
}

export interface PostedComment {
  readonly url: string;
  readonly created: boolean;
}

/** The bot's plan comments of one config on a pull request, oldest first. */
export async function findPlanComments(octokit: GitHubClient, pullRequest: IssueRef, config: string, author: string) {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...pullRequest, per_page: 100 });
  return comments.filter((comment) => comment.user?.login === author && isPlanComment(comment.body ?? '', config));
}

/**
 * Posts the plan comment of a config: updates the one the bot posted before (`update`), or posts a new one and
 * deletes the old ones (`recreate`), so that a pull request always has exactly one. A body GitHub finds too long
 * (422) is rendered again at half the size.
 */
export async function postPlanComment(
  octokit: GitHubClient,
  pullRequest: IssueRef,
  options: { readonly config: string; readonly author: string; readonly mode: Exclude<CommentMode, 'off'>; readonly render: (maxLength: number) => string },
): Promise<PostedComment> {
  const existing = await findPlanComments(octokit, pullRequest, options.config, options.author);
  const send = async (body: string): Promise<PostedComment> => {
    const target = options.mode === 'update' ? existing.at(-1) : undefined;
    if (target) {
      const { data } = await octokit.rest.issues.updateComment({ owner: pullRequest.owner, repo: pullRequest.repo, comment_id: target.id, body });
      return { url: data.html_url, created: false };
    }
    const { data } = await octokit.rest.issues.createComment({ ...pullRequest, body });
    return { url: data.html_url, created: true };
  };
  let posted: PostedComment;
  try {
    posted = await send(options.render(GITHUB_BODY_LIMIT));
  } catch (error) {
    if (httpStatus(error) !== 422) throw error;
    posted = await send(options.render(Math.floor(GITHUB_BODY_LIMIT / 2)));
  }
  // Older copies go only once the new one is there: a failure never leaves the pull request without a plan.
  const stale = options.mode === 'recreate' ? existing : existing.slice(0, -1);
  for (const comment of stale) {
    await octokit.rest.issues.deleteComment({ owner: pullRequest.owner, repo: pullRequest.repo, comment_id: comment.id });
  }
  return posted;
}
