import { getOctokit } from '@actions/github';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';

export type GitHubClient = ReturnType<typeof getOctokit>;

/** How many times a rate-limited request is tried again before the action gives up on it. */
const RATE_LIMIT_RETRIES = 3;

/**
 * The longest wait for a primary rate limit to reset. A GITHUB_TOKEN's hour may have most of an hour left; a runner
 * idle that long costs more than the next scheduled run picking up what this one left.
 */
const MAX_RATE_LIMIT_WAIT_SECONDS = 15 * 60;

/**
 * The longest `retry-after` worth waiting for under a secondary rate limit: GitHub's minute windows free a slot
 * within 60 s; a longer wait means an hour's content-creation allowance is spent.
 */
const MAX_SECONDARY_WAIT_SECONDS = 60;

/**
 * Octokit as `@actions/github` builds it (GITHUB_API_URL, the runner's proxy settings), with retries of server
 * errors and waits for rate limits, both logged: a busy GitHub slows the step down instead of failing it, and a
 * limit that would keep the runner waiting long is given up, so that the caller can say what is left undone.
 * The throttling plugin also paces requests: writes one at a time, a second apart, and those that notify people
 * (issues, comments) three seconds apart, 20 a minute where GitHub allows 80.
 */
export function gitHubClient(token: string, log: (message: string) => void): GitHubClient {
  const onRateLimit = (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const again = retryCount < RATE_LIMIT_RETRIES && retryAfter <= MAX_RATE_LIMIT_WAIT_SECONDS;
    // octokit waits a second past the reset.
    const reset = `it resets at ${clockTime(Date.now() + (retryAfter - 1) * 1000)}`;
    log(`GitHub rate limit on ${options.method} ${options.url}: ${again ? `retrying in ${retryAfter}s (${reset})` : `giving up (${reset}; the action waits ${MAX_RATE_LIMIT_WAIT_SECONDS / 60} minutes at most)`}`);
    return again;
  };
  const onSecondaryRateLimit = (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    const again = retryCount < RATE_LIMIT_RETRIES && retryAfter <= MAX_SECONDARY_WAIT_SECONDS;
    log(`GitHub secondary rate limit on ${options.method} ${options.url}: ${again ? `retrying in ${retryAfter}s` : `giving up (GitHub asks to wait ${retryAfter}s)`}`);
    return again;
  };
  return getOctokit(token, { throttle: { onRateLimit, onSecondaryRateLimit } }, retry, throttling);
}

/** The HTTP status of a failed GitHub request, if it was one. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** A rate limit that a request ran into and that the client gave up waiting for. */
export type RateLimited =
  /** The token's requests for the hour are used up: every request fails until `resetAt` (epoch ms). */
  | { readonly kind: 'primary'; readonly resetAt?: number }
  /** GitHub asked to slow down; `contentCreation` when it blocked creating issues and comments only. */
  | { readonly kind: 'secondary'; readonly contentCreation: boolean };

/** Whether a failed request ran into a rate limit, and which, from GitHub's answer as octokit hands it over. */
export function rateLimited(error: unknown): RateLimited | undefined {
  const status = httpStatus(error);
  if (status !== 403 && status !== 429) return undefined;
  const failure = error as { message?: string; response?: { headers?: Record<string, string | undefined> } };
  const headers = failure.response?.headers ?? {};
  const message = failure.message ?? '';
  if (/\bsecondary rate\b/i.test(message)) return { kind: 'secondary', contentCreation: /\bcontent creation\b/i.test(message) };
  if (headers['x-ratelimit-remaining'] === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    return { kind: 'primary', resetAt: reset > 0 ? reset * 1000 : undefined };
  }
  return undefined;
}

/** A sentence on a rate limit, for logs and the job summary. */
export function describeRateLimit(limit: RateLimited): string {
  if (limit.kind === 'primary') return `GitHub's API rate limit for this token is used up${limit.resetAt ? ` until ${clockTime(limit.resetAt)}` : ''}`;
  return limit.contentCreation
    ? "GitHub's limit on creating content (80 issues and comments a minute, 500 an hour) was reached"
    : 'GitHub asked the action to slow down (a secondary rate limit)';
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
  return `Could not ${what}: ${failureReason(error)}.`;
}

/** Why a GitHub request failed, with GitHub's status and message: "GitHub rejected the content (422: ...)". */
export function failureReason(error: unknown): string {
  const status = httpStatus(error);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (isNetworkFailure(error)) return `the GitHub API could not be reached, and retries did not help (network error: ${message})`;
  const limit = rateLimited(error);
  const reason = limit
    ? describeRateLimit(limit)
    : status === 403 || status === 401
      ? 'the token may not write here (a pull request from a fork gets a read-only token), or GitHub refused it'
      : status === 422
        ? 'GitHub rejected the content'
        : status !== undefined && status >= 500
          ? 'GitHub had a server error, and retries did not help'
          : 'the request failed';
  return `${reason} (${status ?? 'no status'}: ${message})`;
}

/** A time of day in UTC, as logs and summaries give it: 14:05:09 UTC. */
function clockTime(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(11, 19)} UTC`;
}
