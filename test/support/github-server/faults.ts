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
