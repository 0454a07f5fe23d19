import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

export type GitHubClient = ReturnType<typeof getOctokit>;

/** How many times a rate-limited request is tried again before the action gives up on it. */
const RATE_LIMIT_RETRIES = 3;

/**
 * Octokit as `@actions/github` builds it (GITHUB_API_URL, the runner's proxy settings), with retries of server
 * errors and waits for rate limits, both logged: a busy GitHub slows the step down instead of failing it.
 */
export function gitHubClient(token: string, log: (message: string) => void): GitHubClient {
  const waitFor = (kind: string) => (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const again = retryCount < RATE_LIMIT_RETRIES;
    log(`GitHub ${kind} on ${options.method} ${options.url}: ${again ? `retrying in ${retryAfter}s` : 'giving up'}`);
    return again;
  };
  return getOctokit(token, { throttle: { onRateLimit: waitFor('rate limit'), onSecondaryRateLimit: waitFor('secondary rate limit') } }, retry, throttling);
}

/** The HTTP status of a failed GitHub request, if it was one. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Whether a request never got an answer: octokit reports a refused connection, a failed name lookup or a reset as a
 * 500 without a response.
 */
function isNetworkFailure(error: unknown): boolean {
  return httpStatus(error) === 500 && (error as { response?: unknown }).response === undefined;
}

/** A sentence on why a GitHub request failed, for logs and the job summary. */
export function describeFailure(what: string, error: unknown): string {
  const status = httpStatus(error);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (isNetworkFailure(error)) return `Could not ${what}: the GitHub API could not be reached, and retries did not help (network error: ${message}).`;
  const reason =
    status === 403 || status === 401
      ? 'the token may not write here (a pull request from a fork gets a read-only token), or GitHub refused it'
      : status === 422
        ? 'GitHub rejected the content'
        : status !== undefined && status >= 500
          ? 'GitHub had a server error, and retries did not help'
          : 'the request failed';
  return `Could not ${what}: ${reason} (${status ?? 'no status'}: ${message}).`;
}
