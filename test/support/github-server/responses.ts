import { createHash, randomBytes } from 'node:crypto';

/** What an operation answers; the server adds the headers every GitHub response carries. */
export interface Reply {
  readonly status: number;
  /** JSON body; absent for 204. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One entry of `errors` in a 422 "Validation Failed" body. */
export interface FieldError {
  readonly resource: string;
  readonly code: 'missing_field' | 'invalid' | 'already_exists' | 'custom' | 'unprocessable';
  readonly field: string;
  readonly message?: string;
  readonly value?: string;
}

/**
 * GitHub's error body: a message, and usually the docs page of the operation, the status as a string and field
 * errors. Server errors (5xx) carry only the message.
 */
export interface ErrorBody {
  readonly message: string;
  readonly documentation_url?: string;
  readonly status?: string;
  readonly errors?: readonly FieldError[];
}

/** An error answer, thrown anywhere while handling a request and sent as it is. */
export class GitHubError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(body.message);
  }

  get reply(): Reply {
    return { status: this.status, body: this.body, headers: this.headers };
  }
}

/** Where GitHub points when no operation matched. */
export const REST_DOCS = 'https://docs.github.com/rest';

/** The longest issue or comment body GitHub stores, in characters. */
export const MAX_BODY_LENGTH = 65_536;

/** An error in GitHub's usual shape. */
export function apiError(status: number, message: string, documentationUrl: string, errors?: readonly FieldError[]): GitHubError {
  return new GitHubError(status, { message, documentation_url: documentationUrl, status: String(status), ...(errors ? { errors } : {}) });
}

export function notFound(documentationUrl = REST_DOCS): GitHubError {
  return apiError(404, 'Not Found', documentationUrl);
}

export function validationFailed(documentationUrl: string, ...errors: FieldError[]): GitHubError {
  return apiError(422, 'Validation Failed', documentationUrl, errors);
}

/**
 * GitHub's answer to an issue or comment body over the limit. The two resources report it differently (seen in
 * answers quoted in public bug reports, 2021-2024): comments as an `unprocessable` `data` error, issues as a `custom`
 * `body` error with a lower-case message.
 */
export function bodyTooLong(resource: 'Issue' | 'IssueComment', documentationUrl: string): GitHubError {
  const limit = `is too long (maximum is ${MAX_BODY_LENGTH} characters)`;
  return resource === 'IssueComment'
    ? validationFailed(documentationUrl, { resource, code: 'unprocessable', field: 'data', message: `Body ${limit}` })
    : validationFailed(documentationUrl, { resource, code: 'custom', field: 'body', message: `body ${limit}` });
}

/** Checks a body against GitHub's limit, counting characters (code points, as Ruby counts them), not UTF-16 units. */
export function checkBodyLength(body: string | null | undefined, resource: 'Issue' | 'IssueComment', documentationUrl: string): void {
  if (body && [...body].length > MAX_BODY_LENGTH) throw bodyTooLong(resource, documentationUrl);
}

/** A token that may read but not write (a fork's pull request gets such a GITHUB_TOKEN) asking to write. */
export function integrationForbidden(documentationUrl: string, acceptedPermissions: string): GitHubError {
  const error = apiError(403, 'Resource not accessible by integration', documentationUrl);
  return new GitHubError(403, error.body, { 'x-accepted-github-permissions': acceptedPermissions });
}

/**
 * A request this stand-in cannot answer faithfully (an operation or a parameter it does not implement). 501 is not
 * something GitHub sends; it makes the gap loud instead of answering something GitHub would not.
 */
export function unsupported(what: string, documentationUrl = REST_DOCS): GitHubError {
  return apiError(501, `Not implemented by the local GitHub server: ${what}`, documentationUrl);
}

/** An id shaped like GitHub's `x-github-request-id` (five hex fields). */
export function requestId(): string {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();
  return [hex(2), hex(2), hex(4), hex(4), Math.floor(Date.now() / 1000).toString(16).toUpperCase()].join(':');
}

/** A weak entity tag over the body, as GitHub sends with successful reads. */
export function entityTag(body: string): string {
  return `W/"${createHash('sha256').update(body).digest('hex')}"`;
}
