import { GitHubError, apiError, bodyTooLong, integrationForbidden } from './responses';

/** Which calls a fault applies to. Without `nth` or `times`, every matching call fails until the faults are cleared. */
export interface FaultTarget {
  /** Only calls of this operation, e.g. `issues/create-comment` (default: any operation). */
  readonly operationId?: string;
  /** Only the Nth matching call (1-based), counted from when the fault was injected. */
  readonly nth?: number;
  /** Only the next N matching calls. */
  readonly times?: number;
}

/**
 * A failure to inject, shaped the way octokit's plugins recognise them: plugin-retry retries 5xx; plugin-throttling
 * takes a 403/429 whose message mentions a "secondary rate" limit as such and waits `retry-after` (60 s when absent),
 * and takes one with `x-ratelimit-remaining: 0` as the primary limit and waits until `x-ratelimit-reset`.
 */
export type GitHubFault = FaultTarget &
  (
    | { readonly kind: 'server-error'; readonly status: 500 | 502 | 503 }
    | { readonly kind: 'secondary-rate-limit'; readonly status?: 403 | 429; readonly retryAfterSeconds?: number }
    | { readonly kind: 'primary-rate-limit'; readonly status?: 403 | 429; readonly resetInSeconds?: number }
    | { readonly kind: 'body-too-long' }
    | { readonly kind: 'integration-forbidden' }
  );

/** What a fault's answer depends on besides the fault. */
export interface FaultContext {
  readonly operationId: string;
  readonly documentationUrl: string;
  readonly acceptedPermissions: string;
  readonly requestId: string;
  readonly rateLimit: number;
  readonly nowSeconds: number;
}

const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api';

export class FaultInjector {
  private readonly faults: { readonly fault: GitHubFault; seen: number }[] = [];

  add(fault: GitHubFault): void {
    if (fault.nth !== undefined && fault.times !== undefined) throw new Error('A fault takes nth or times, not both');
    this.faults.push({ fault, seen: 0 });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** The fault (if any) for this call of the operation; the call counts for every fault that matches it. */
  next(operationId: string): GitHubFault | undefined {
    let applies: GitHubFault | undefined;
    for (const entry of this.faults) {
      const { fault } = entry;
      if (fault.operationId && fault.operationId !== operationId) continue;
      entry.seen += 1;
      const fires = fault.nth !== undefined ? entry.seen === fault.nth : fault.times === undefined || entry.seen <= fault.times;
      if (fires) applies ??= fault;
    }
    return applies;
  }
}

/** The answer GitHub gives when it fails this way. */
export function faultError(fault: GitHubFault, context: FaultContext): GitHubError {
  switch (fault.kind) {
    case 'server-error':
      // GitHub's 5xx bodies carry a message only.
      return new GitHubError(fault.status, { message: fault.status === 503 ? 'Service Unavailable' : 'Server Error' });
    case 'secondary-rate-limit': {
      const status = fault.status ?? 403;
      const message = `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${context.requestId}.`;
      const { body } = apiError(status, message, `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`);
      return new GitHubError(status, body, { 'retry-after': String(fault.retryAfterSeconds ?? 60) });
    }
    case 'primary-rate-limit': {
      const status = fault.status ?? 403;
      const { body } = apiError(status, 'API rate limit exceeded for installation ID 1.', `${RATE_LIMIT_DOCS}#about-primary-rate-limits`);
      return new GitHubError(status, body, {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': String(context.rateLimit),
        'x-ratelimit-reset': String(context.nowSeconds + (fault.resetInSeconds ?? 60)),
      });
    }
    case 'body-too-long':
      return bodyTooLong(context.operationId.includes('comment') ? 'IssueComment' : 'Issue', context.documentationUrl);
    case 'integration-forbidden':
      return integrationForbidden(context.documentationUrl, context.acceptedPermissions);
  }
}

/**
 * GitHub's limits on content creation (issues, comments, pull requests and reviews, which notify people): "in
 * general, no more than 80 content-generating requests per minute and no more than 500 per hour", per user.
 */
export interface ContentCreationLimits {
  /** Content-creating requests a user may make in any 60 seconds. @default 80 */
  readonly perMinute?: number;
  /** Content-creating requests a user may make in any hour. @default 500 */
  readonly perHour?: number;
  /** The status of a refusal; GitHub sends either. @default 403 */
  readonly status?: 403 | 429;
  /**
   * Whether a refusal says, in `retry-after`, when the window frees a slot. GitHub does not always send it; clients
   * then wait at least a minute. @default true
   */
  readonly retryAfter?: boolean;
}

const GITHUB_CONTENT_CREATION_LIMITS: Required<ContentCreationLimits> = { perMinute: 80, perHour: 500, status: 403, retryAfter: true };

/** Operations that create content people are notified of; other writes (edits, labels, closing) do not count. */
export const CONTENT_CREATING_OPERATIONS: ReadonlySet<string> = new Set([
  'issues/create',
  'issues/create-comment',
  'pulls/create',
  'pulls/create-review',
  'pulls/create-review-comment',
  'pulls/create-reply-for-review-comment',
  'repos/create-commit-comment',
  'repos/create-release',
]);

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * Counts each user's content-creating requests in sliding windows of a minute and an hour, on the server's clock,
 * and refuses the request that would exceed either. Refused requests are not counted: they created nothing.
 */
export class ContentCreationLimiter {
  private limits = GITHUB_CONTENT_CREATION_LIMITS;
  /** Per user id: when each admitted request came, oldest first, at most an hour back. */
  private readonly admitted = new Map<number, number[]>();

  constructor(private readonly now: () => number) {}

  /** New limits (unset ones are GitHub's), counted from now on: what came before is forgotten. */
  configure(limits: ContentCreationLimits): void {
    this.limits = { ...GITHUB_CONTENT_CREATION_LIMITS, ...limits };
    this.admitted.clear();
  }

  /** Admits and counts the request, or says how long until the exceeded window frees a slot. */
  admit(userId: number, operationId: string): { readonly admitted: true } | { readonly admitted: false; readonly retryAfterSeconds: number } {
    if (!CONTENT_CREATING_OPERATIONS.has(operationId)) return { admitted: true };
    const now = this.now();
    const times = (this.admitted.get(userId) ?? []).filter((time) => time > now - HOUR_MS);
    this.admitted.set(userId, times);
    const lastMinute = times.filter((time) => time > now - MINUTE_MS);
    const wait = (windowTimes: readonly number[], limit: number, windowMs: number) => windowTimes[windowTimes.length - limit] + windowMs - now;
    if (times.length >= this.limits.perHour) return this.refusal(wait(times, this.limits.perHour, HOUR_MS));
    if (lastMinute.length >= this.limits.perMinute) return this.refusal(wait(lastMinute, this.limits.perMinute, MINUTE_MS));
    times.push(now);
    return { admitted: true };
  }

  /** The answer GitHub gives to a request over the limits. */
  error(retryAfterSeconds: number): GitHubError {
    const { status } = this.limits;
    const message = 'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. Please retry your request again later.';
    const { body } = apiError(status, message, `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`);
    return new GitHubError(status, body, this.limits.retryAfter ? { 'retry-after': String(retryAfterSeconds) } : {});
  }

  private refusal(waitMs: number) {
    return { admitted: false as const, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
