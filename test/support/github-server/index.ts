import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { ContentCreationLimiter, ContentCreationLimits, FaultInjector, GitHubFault, faultError } from './faults';
import { Urls } from './objects';
import { GitHubApiDescription, loadGitHubApiDescription } from './openapi';
import { ARTIFACT_BLOB_PATH, OPERATIONS, OperationCall, OperationDefinition } from './operations';
import { RepositoryHandle } from './repository-handle';
import { describeProblems, invalidRequest } from './request-problems';
import { GitHubError, REST_DOCS, Reply, apiError, entityTag, integrationForbidden, notFound, requestId, unsupported } from './responses';
import { GITHUB_ACTIONS_BOT, GitHubState, Repository, User } from './state';

export type { ContentCreationLimits, GitHubFault } from './faults';
export { CONTENT_CREATING_OPERATIONS } from './faults';
export type { CommentSnapshot, IssueSeed, IssueSnapshot, LabelSnapshot, PullRequestSeed, RepositoryHandle, WorkflowRunSeed } from './repository-handle';

export interface GitHubServerOptions {
  /** The web host of `html_url` fields; nothing is served there. @default https://github.test */
  readonly webUrl?: string;
  /** Where timestamps, rate-limit windows and resets come from. @default the system clock */
  readonly clock?: () => Date;
  /**
   * Requests per hour per token (the primary rate limit): counted in the `x-ratelimit-*` headers, and once used up,
   * answered with GitHub's 403 until the hour that began with the token's first request is over. @default 5000
   */
  readonly rateLimit?: number;
  /** Content-creation limits (secondary rate limits); see `limitContentCreation`. @default GitHub's: 80 a minute, 500 an hour */
  readonly contentCreation?: ContentCreationLimits;
}

export interface RepositoryOptions {
  /** @default main */
  readonly defaultBranch?: string;
  /** @default true */
  readonly private?: boolean;
  /** Logins GitHub would call COLLABORATOR next to what they write (the owner is OWNER, anyone else NONE). */
  readonly collaborators?: readonly string[];
}

/** What a token may do: `read` is the GITHUB_TOKEN of a pull request from a fork, which GitHub refuses every write. */
export type Permission = 'read' | 'write';

/** One request as the server understood it, for assertions. */
export interface LoggedRequest {
  /** Absent when no operation of the description matched. */
  readonly operationId?: string;
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** The JSON body as sent (or the raw text when it was not JSON). */
  readonly body: unknown;
  readonly status: number;
  /** When the request came, on the server's clock (ISO 8601 with milliseconds). */
  readonly at: string;
}

export type ViolationKind =
  /** The request does not match the operation's parameters or body schema. */
  | 'invalid-request'
  /** No operation of the description has this method and path. */
  | 'unknown-route'
  /** A real operation, or a parameter of one, that this server does not implement (answered 501). */
  | 'unsupported'
  /** The request has no User-Agent, which GitHub refuses. */
  | 'missing-user-agent'
  /** A response body the server built does not match the description. */
  | 'invalid-response'
  /** The server itself failed (a bug in this stand-in); the client got a 500. */
  | 'server-error';

/** Something a test should fail on: a client that spoke to GitHub wrongly, or a server that answered wrongly. */
export interface Violation {
  readonly kind: ViolationKind;
  readonly method: string;
  readonly path: string;
  readonly operationId?: string;
  readonly status: number;
  readonly problems: readonly string[];
}

interface Token {
  readonly permission: Permission;
  readonly user: User;
  /** Requests in the current rate-limit hour, which ends at `resetAt` (epoch seconds). */
  used: number;
  resetAt: number;
}

/** The unauthenticated quota GitHub grants, per hour. */
const ANONYMOUS_RATE_LIMIT = 60;

const MISSING_USER_AGENT =
  'Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). Check https://developer.github.com for other possible causes.';

/**
 * A local stand-in for GitHub's REST API (api.github.com), strict about the protocol: every request is routed and
 * checked against GitHub's OpenAPI description, every response body the server builds is checked against the
 * operation's response schema, and whatever does not match lands in `violations`. State is in memory, per repository.
 * Listens on 127.0.0.1 with Nagle's algorithm off.
 */
export class GitHubServer {
  readonly requests: LoggedRequest[] = [];
  readonly violations: Violation[] = [];
  readonly urls: Urls;
  private readonly state: GitHubState;
  private readonly tokens = new Map<string, Token>();
  private readonly faults = new FaultInjector();
  private readonly contentLimiter: ContentCreationLimiter;
  private readonly rateLimit: number;
  private anonymousRequests = 0;

  private constructor(
    private readonly description: GitHubApiDescription,
    private readonly server: Server,
    apiUrl: string,
    options: GitHubServerOptions,
  ) {
    this.urls = { api: apiUrl, web: options.webUrl ?? 'https://github.test' };
    this.state = new GitHubState(options.clock ?? (() => new Date()));
    this.rateLimit = options.rateLimit ?? 5000;
    this.contentLimiter = new ContentCreationLimiter(() => this.state.clock().getTime());
    if (options.contentCreation) this.contentLimiter.configure(options.contentCreation);
  }

  /** Listens on 127.0.0.1:`port` (0: an ephemeral port). The first server of a process loads the description. */
  static async start(options: GitHubServerOptions = {}, port = 0): Promise<GitHubServer> {
    const description = await loadGitHubApiDescription();
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const github = new GitHubServer(description, server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, options);
    server.on('request', (request, response) => void github.handle(request, response));
    return github;
  }

  /** The API base URL, for GITHUB_API_URL or octokit's `baseUrl`. */
  get url(): string {
    return this.urls.api;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
    this.server.closeAllConnections();
    await closed;
  }

  /** Accepts `token` (as `token <t>` or `Bearer <t>`), acting as `login` (by default the bot GITHUB_TOKEN acts as). */
  addToken(token: string, permission: Permission, login: string = GITHUB_ACTIONS_BOT.login): void {
    this.tokens.set(token, { permission, user: this.state.user(login), used: 0, resetAt: 0 });
  }

  addRepository(owner: string, name: string, options: RepositoryOptions = {}): RepositoryHandle {
    if (this.state.repository(owner, name)) throw new Error(`${owner}/${name} exists already`);
    const collaborators = new Set((options.collaborators ?? []).map((login) => this.state.user(login).login.toLowerCase()));
    const repository = new Repository(
      this.state.ids.take('repository'),
      this.state.user(owner),
      name,
      options.defaultBranch ?? 'main',
      options.private ?? true,
      false,
      collaborators,
      this.state.now(),
    );
    this.state.addRepository(repository);
    return new RepositoryHandle(this.state, repository);
  }

  repository(owner: string, name: string): RepositoryHandle {
    const repository = this.state.repository(owner, name);
    if (!repository) throw new Error(`${owner}/${name} does not exist`);
    return new RepositoryHandle(this.state, repository);
  }

  /** Makes matching calls fail until `clearFaults` (or until their `nth`/`times` are used up). */
  injectFault(fault: GitHubFault): void {
    this.faults.add(fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /**
   * Content-creation limits from now on (unset ones are GitHub's), with the count started afresh. A test lowers them
   * to reach them with a few requests, and moves the server's clock to let the windows pass.
   */
  limitContentCreation(limits: ContentCreationLimits = {}): void {
    this.contentLimiter.configure(limits);
  }

  /** Forgets violations a test provoked on purpose, after asserting them. */
  clearViolations(): void {
    this.violations.length = 0;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(request);
    const url = new URL(request.url ?? '/', this.urls.api);
    if (url.pathname.startsWith(ARTIFACT_BLOB_PATH)) {
      this.serveBlob(url.pathname.slice(ARTIFACT_BLOB_PATH.length), response);
      return;
    }
    const id = requestId();
    const at = this.state.clock();
    const entry: Mutable<LoggedRequest> = { method: request.method ?? 'GET', path: url.pathname, params: {}, query: {}, body: parseJson(rawBody), status: 0, at: at.toISOString() };
    const token = this.token(request.headers.authorization, Math.floor(at.getTime() / 1000));
    const reply = await this.answer(request, url, rawBody, id, token, entry).catch(
      (error: Error) => this.violation(entry, 'server-error', [error.stack ?? error.message], new GitHubError(500, { message: 'Server Error' })).reply,
    );
    entry.status = reply.status;
    this.requests.push(entry);
    const problems = this.description.checkResponse(entry.operationId, reply.status, reply.body);
    if (problems.length > 0) this.violations.push({ kind: 'invalid-response', method: entry.method, path: entry.path, operationId: entry.operationId, status: reply.status, problems });
    const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
    response.writeHead(reply.status, {
      ...(reply.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      'x-github-request-id': id,
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
      ...this.rateLimitHeaders(token),
      ...(entry.method === 'GET' && reply.status === 200 ? { etag: entityTag(body) } : {}),
      ...reply.headers,
      'content-length': String(Buffer.byteLength(body)),
    });
    response.end(body);
  }

  /** The answer to one request; fills in the log entry as the request is understood. */
  private async answer(request: IncomingMessage, url: URL, rawBody: string, id: string, token: Token | undefined, entry: Mutable<LoggedRequest>): Promise<Reply> {
    try {
      if (!request.headers['user-agent']) throw this.violation(entry, 'missing-user-agent', ['no User-Agent header'], new GitHubError(403, { message: MISSING_USER_AGENT }));
      if (!request.headers.authorization) throw apiError(401, 'Requires authentication', REST_DOCS);
      if (!token) throw apiError(401, 'Bad credentials', REST_DOCS);
      if (token.used > this.rateLimit) throw this.rateLimitExceeded(token, id);
      const routed = await this.description.route({
        method: entry.method,
        path: url.pathname,
        query: url.search.slice(1),
        headers: request.headers as Record<string, string | string[]>,
        body: rawBody === '' ? undefined : rawBody,
      });
      if (routed.kind === 'unknown-route') throw this.violation(entry, 'unknown-route', [`no operation for ${entry.method} ${entry.path}`], notFound());
      entry.operationId = routed.operationId;
      const documentationUrl = this.description.documentationUrl(routed.operationId);
      if (routed.kind === 'invalid') throw this.violation(entry, 'invalid-request', describeProblems(routed.errors), invalidRequest(routed.errors, documentationUrl));
      entry.params = routed.params;
      entry.query = routed.query;
      const operation = OPERATIONS[routed.operationId];
      if (!operation) throw this.violation(entry, 'unsupported', [`${routed.operationId} is not implemented`], unsupported(routed.operationId, documentationUrl));
      const mediaType = unsupportedMediaType(request.headers.accept);
      if (mediaType) throw this.violation(entry, 'unsupported', [`media type ${mediaType}`], unsupported(`the media type ${mediaType}`, documentationUrl));
      const repository = this.state.repository(routed.params.owner, routed.params.repo);
      if (!repository) throw notFound(documentationUrl);
      if (entry.method !== 'GET' && token.permission === 'read') throw integrationForbidden(documentationUrl, operation.permissions);
      const call = { state: this.state, urls: this.urls, repository, caller: token.user, params: routed.params, query: routed.query, body: routed.body, documentationUrl, requestUrl: url };
      const reply = this.perform(routed.operationId, operation, call, id, entry);
      return { ...reply, headers: { 'x-accepted-github-permissions': operation.permissions, ...reply.headers } };
    } catch (error) {
      if (!(error instanceof GitHubError)) throw error;
      return error.reply;
    }
  }

  /**
   * The zip an artifact download redirected to, as blob storage serves it: no API headers, no authentication (the
   * link is the key), 403 once the link has expired or for a link never handed out.
   */
  private serveBlob(token: string, response: ServerResponse): void {
    const link = this.state.blobLinks.get(token);
    if (!link || link.expires < this.state.clock().getTime()) {
      response.writeHead(403, { 'content-type': 'application/xml' });
      response.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Signature not valid in the specified time frame</Message></Error>');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(link.zip.length) });
    response.end(link.zip);
  }

  /** Records a violation of this request and hands back the error that answers it. */
  private violation(entry: LoggedRequest, kind: ViolationKind, problems: readonly string[], error: GitHubError): GitHubError {
    this.violations.push({ kind, method: entry.method, path: entry.path, operationId: entry.operationId, status: error.status, problems });
    return error;
  }

  /** Runs the operation, unless an injected fault or the content-creation limit answers instead. */
  private perform(operationId: string, operation: OperationDefinition, call: OperationCall, id: string, entry: LoggedRequest): Reply {
    const fault = this.faults.next(operationId);
    if (fault) {
      const nowSeconds = Math.floor(this.state.clock().getTime() / 1000);
      throw faultError(fault, { operationId, documentationUrl: call.documentationUrl, acceptedPermissions: operation.permissions, requestId: id, rateLimit: this.rateLimit, nowSeconds });
    }
    const content = this.contentLimiter.admit(call.caller.id, operationId);
    if (!content.admitted) throw this.contentLimiter.error(content.retryAfterSeconds);
    try {
      return operation.handle(call);
    } catch (error) {
      // Operations refuse inputs they do not model (a milestone, say) with a 501.
      throw error instanceof GitHubError && error.status === 501 ? this.violation(entry, 'unsupported', [error.message], error) : error;
    }
  }

  /** The token of this header, its request counted in the rate-limit hour (a new hour starts with the first request after one ends). */
  private token(authorization: string | undefined, nowSeconds: number): Token | undefined {
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? '');
    const token = match ? this.tokens.get(match[1]) : undefined;
    if (!token) {
      this.anonymousRequests += 1;
      return undefined;
    }
    if (nowSeconds >= token.resetAt) Object.assign(token, { used: 0, resetAt: nowSeconds + 3600 });
    token.used += 1;
    return token;
  }

  /** GitHub's answer once a token's hour is used up: a primary rate limit, until the hour is over. */
  private rateLimitExceeded(token: Token, id: string): GitHubError {
    const nowSeconds = Math.floor(this.state.clock().getTime() / 1000);
    const context = { operationId: '', documentationUrl: REST_DOCS, acceptedPermissions: '', requestId: id, rateLimit: this.rateLimit, nowSeconds };
    return faultError({ kind: 'primary-rate-limit', resetInSeconds: token.resetAt - nowSeconds }, context);
  }

  private rateLimitHeaders(token: Token | undefined): Record<string, string> {
    const limit = token ? this.rateLimit : ANONYMOUS_RATE_LIMIT;
    const used = Math.min(limit, token ? token.used : this.anonymousRequests);
    const reset = token ? token.resetAt : Math.floor(this.state.clock().getTime() / 1000) + 3600;
    return {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(limit - used),
      'x-ratelimit-used': String(used),
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-resource': 'core',
    };
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A GitHub media type in `Accept` that asks for another representation than the JSON this server writes (diffs,
 * rendered bodies), if any. The plain `vnd.github+json`, `.v3+json` and `.raw+json` (the default) are what it writes.
 */
function unsupportedMediaType(accept: string | undefined): string | undefined {
  const types = (accept ?? '').split(',').map((type) => type.split(';')[0].trim().toLowerCase());
  return types.find((type) => type.startsWith('application/vnd.github') && !/^application\/vnd\.github(\.v3)?(\.raw)?\+json$/.test(type));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
