import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { IamAccount, assumableRoleId } from './iam';
import { IAM_ACTIONS } from './iam-actions';
import { BucketOutOfBand, OutOfBand } from './out-of-band';
import { API_VERSIONS, AwsError, NAMESPACES, Service, XmlValue, errorResponse, successResponse } from './query-protocol';
import { S3Bucket, authorizeS3, performS3, resolveS3Operation, s3Params, validateBucketName } from './s3';
import { S3Error, parseS3Request, parseS3SigV4, s3ErrorResponse } from './s3-protocol';
import { SignedService, parseSigV4 } from './sigv4';

export { BucketOutOfBand, OutOfBand } from './out-of-band';
export type { SignedService } from './sigv4';

/** A static access key and the account (and IAM user) it belongs to. */
export interface EmulatorCredential {
  readonly accessKeyId: string;
  readonly accountId: string;
  readonly userName?: string;
}

/** An account, and the roles that callers may assume in it (AssumeRole into any other is AccessDenied). */
export interface EmulatorAccount {
  readonly id: string;
  readonly assumableRoles?: readonly string[];
}

/** An S3 bucket and the account that owns it: only callers of that account (static key or session) may use it. */
export interface EmulatorBucket {
  readonly name: string;
  readonly accountId: string;
  /** The region requests must be signed for. @default 'us-east-1' */
  readonly region?: string;
}

export interface AwsEmulatorOptions {
  readonly credentials: readonly EmulatorCredential[];
  /** Accounts besides those of the credentials, e.g. the targets of AssumeRole. */
  readonly accounts?: readonly EmulatorAccount[];
  /** S3 buckets, addressed path-style (`<endpoint>/<bucket>/<key>`). */
  readonly buckets?: readonly EmulatorBucket[];
  /** Largest page a list action returns (IAM lists, and S3 listings below their own limit). @default 100 for IAM, 1000 for S3 */
  readonly pageSize?: number;
}

/** A failure to inject, for reliability tests. */
export interface Fault {
  /** Only requests in this account (default: any). */
  readonly accountId?: string;
  /** Only this action, e.g. `CreateRole` or the S3 operation `PutObject` (default: any). */
  readonly action?: string;
  /** Only S3 requests for this object key (default: any request). */
  readonly key?: string;
  /**
   * The failure, as the service words it. Query services: AccessDenied 403, Throttling 400, InternalFailure 500.
   * S3: AccessDenied 403, SlowDown 503 (for Throttling), InternalError 500. Latency delays a normal answer.
   */
  readonly kind: 'AccessDenied' | 'Throttling' | 'InternalError' | 'Latency';
  /** For Latency: milliseconds added before the answer. */
  readonly delayMs?: number;
  /** Fail only the Nth matching call (1-based); default: every matching call. */
  readonly nth?: number;
}

/** One request as the emulator understood it, for assertions. */
export interface LoggedRequest {
  readonly service: SignedService;
  /** The Query action, or the S3 operation (GetObject, PutObject, HeadObject, DeleteObject, ListObjectsV2). */
  readonly action: string;
  readonly accountId: string;
  /**
   * Query parameters; for S3, the operation's members as the S3 API names them, from path, query and headers:
   * Bucket, Key, IfNoneMatch, IfMatch, Range, ContentType, ChecksumAlgorithm, Prefix, MaxKeys, ContinuationToken ...
   */
  readonly params: Readonly<Record<string, string>>;
  /** The client's User-Agent header: tells Terraform's AWS provider, Terraform's S3 backend and SDK callers apart. */
  readonly userAgent: string;
}

/** An HTTP answer as sent, kept by amz-sdk-invocation-id for clients that re-send a request. */
interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** An injected failure: a retry of it is answered afresh (as AWS would), never replayed. */
  readonly injected?: boolean;
}

/** Who signed a request: an IAM user's static key, or a session from AssumeRole. */
interface Caller {
  readonly accountId: string;
  readonly arn: string;
  readonly userId: string;
  readonly userName?: string;
  readonly sessionToken?: string;
}

/**
 * A local AWS endpoint, answering as AWS would and logging every request; it listens on 127.0.0.1 with Nagle's
 * algorithm off. IAM and STS speak the Query protocol strictly (POST, form-encoded body, API version, SigV4 header
 * with a known key). S3 speaks its REST protocol path-style on the same port, told apart by the credential scope
 * (or, unsigned, by not having the Query shape): object reads, writes (checksums verified, conditional writes),
 * deletes and ListObjectsV2, in buckets each owned by one account.
 */
export class AwsEmulator {
  readonly requests: LoggedRequest[] = [];
  /** Every HTTP request received, including those rejected before they reached an action. */
  received = 0;
  private readonly sockets = new Set<Socket>();
  private readonly accounts = new Map<string, IamAccount>();
  private readonly assumable = new Map<string, readonly string[]>();
  private readonly sessions = new Map<string, Caller>();
  private readonly buckets = new Map<string, S3Bucket>();
  /** Responses by amz-sdk-invocation-id: a client that re-sends a request gets the first answer again. */
  private readonly responses = new Map<string, Answer>();
  private readonly faults: { fault: Fault; seen: number }[] = [];

  private constructor(
    private readonly options: AwsEmulatorOptions,
    private readonly server: ReturnType<typeof createServer>,
    readonly endpoint: string,
  ) {
    for (const { accountId } of options.credentials) this.account(accountId);
    for (const { id, assumableRoles } of options.accounts ?? []) {
      this.account(id);
      this.assumable.set(id, assumableRoles ?? []);
    }
    for (const { name, accountId, region } of options.buckets ?? []) {
      if (this.buckets.has(name)) throw new Error(`Bucket ${name} is declared twice: S3 bucket names are global.`);
      this.account(accountId);
      this.buckets.set(validateBucketName(name), new S3Bucket(name, accountId, region ?? 'us-east-1'));
    }
  }

  /** The IAM namespace of an account (created empty on first use). */
  account(id: string): IamAccount {
    let account = this.accounts.get(id);
    if (!account) {
      account = new IamAccount(id);
      this.accounts.set(id, account);
    }
    return account;
  }

  /** Changes made the way a person in the console would make them, outside Terraform. */
  outOfBand(accountId: string): OutOfBand {
    return new OutOfBand(this.account(accountId));
  }

  /** A declared bucket's objects, read and changed from outside any client (e.g. a lock another run left behind). */
  bucketOutOfBand(name: string): BucketOutOfBand {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: name });
    return new BucketOutOfBand(bucket);
  }

  /** Injects a failure into matching requests until `clearFaults`. */
  injectFault(fault: Fault): void {
    this.faults.push({ fault, seen: 0 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The fault (if any) that applies to this call; counts the call for every matching `nth` fault. */
  private faultFor(accountId: string, action: string, key?: string): Fault | undefined {
    let applies: Fault | undefined;
    for (const entry of this.faults) {
      const { fault } = entry;
      if ((fault.accountId && fault.accountId !== accountId) || (fault.action && fault.action !== action)) continue;
      if (fault.key !== undefined && fault.key !== key) continue;
      entry.seen += 1;
      if (fault.nth === undefined || fault.nth === entry.seen) applies ??= fault;
    }
    return applies;
  }

  /** Listens on 127.0.0.1:`port` (0: an ephemeral port). */
  static async start(options: AwsEmulatorOptions, port = 0): Promise<AwsEmulator> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const address = server.address() as AddressInfo;
    const emulator = new AwsEmulator(options, server, `http://127.0.0.1:${address.port}`);
    server.on('connection', (socket) => {
      emulator.sockets.add(socket);
      socket.on('close', () => emulator.sockets.delete(socket));
    });
    server.on('request', (request, response) => void emulator.handle(request, response));
    return emulator;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.received += 1;
    const body = await readBody(request);
    if (request.url?.startsWith('/_emulator/')) {
      this.control(request.url, body.toString('utf8'), response);
      return;
    }
    const invocationId = request.headers['amz-sdk-invocation-id'];
    const replay = typeof invocationId === 'string' ? this.responses.get(invocationId) : undefined;
    const answer = replay ?? (await this.answer(request, body));
    if (typeof invocationId === 'string' && !answer.injected) this.responses.set(invocationId, answer);
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  }

  private answer(request: IncomingMessage, body: Buffer): Promise<Answer> {
    const service = requestService(request);
    return service === 's3' ? this.answerS3(request, body) : this.answerQuery(request, body.toString('utf8'), service);
  }

  private async answerQuery(request: IncomingMessage, body: string, service: Service): Promise<Answer> {
    try {
      const credential = parseSigV4(request.headers, service);
      const params = parseQueryBody(request, body, service);
      const caller = this.queryCaller(credential.accessKeyId, credential.signedHeaders, request.headers['x-amz-security-token']);
      this.requests.push({ service, action: params.Action, accountId: caller.accountId, params, userAgent: userAgent(request) });
      const failure = await this.applyFault(this.faultFor(caller.accountId, params.Action), service);
      if (failure) return { ...queryAnswer(failure.status, errorResponse(service, failure)), injected: true };
      return queryAnswer(200, successResponse(service, params.Action, this.perform(service, caller, params)));
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return queryAnswer(error.status, errorResponse(service, error));
    }
  }

  private async answerS3(request: IncomingMessage, body: Buffer): Promise<Answer> {
    try {
      const s3Request = parseS3Request(request.method ?? 'GET', request.url ?? '/', request.headers, body);
      const credential = parseS3SigV4(request.headers);
      const caller = this.s3Caller(credential.accessKeyId, credential.signedHeaders, request.headers['x-amz-security-token']);
      const operation = resolveS3Operation(s3Request);
      this.requests.push({ service: 's3', action: operation, accountId: caller.accountId, params: s3Params(s3Request), userAgent: userAgent(request) });
      const failure = await this.applyFault(this.faultFor(caller.accountId, operation, s3Request.key), 's3');
      if (failure) return { ...s3ErrorResponse(failure, request.method), injected: true };
      const bucket = authorizeS3(operation, s3Request, this.buckets.get(s3Request.bucket), caller, credential.region);
      return performS3(operation, s3Request, bucket, this.options.pageSize ?? 1000);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return s3ErrorResponse(error, request.method);
    }
  }

  /** Waits out a Latency fault; any other kind becomes the error to answer with, worded as `service` words it. */
  private async applyFault(fault: Fault | undefined, service: SignedService): Promise<AwsError | undefined> {
    if (!fault) return undefined;
    if (fault.kind === 'Latency') {
      // Unreferenced: a held answer whose client has gone must not keep the test process alive.
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 0).unref());
      return undefined;
    }
    return faultError(fault.kind, service);
  }

  /**
   * HTTP control endpoint for the standalone server:
   * - POST /_emulator/out-of-band with {"accountId", "change", "args"}: a method of OutOfBand and its arguments;
   *   with {"bucket", "change", "args"}: a method of BucketOutOfBand (`listKeys`, `getObjectText`, `getObjectJson`,
   *   `putObject`, `deleteObject`). The answer is {"result"}: what the method returned, or null.
   * - POST /_emulator/faults with a Fault; DELETE /_emulator/faults clears them.
   * - GET /_emulator/requests: the request log.
   */
  private control(url: string, body: string, response: ServerResponse): void {
    const reply = (status: number, value: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    try {
      const input = body ? JSON.parse(body) : {};
      if (url === '/_emulator/requests') return reply(200, this.requests);
      if (url === '/_emulator/faults') {
        if (body) this.injectFault(input as Fault);
        else this.clearFaults();
        return reply(200, { ok: true });
      }
      if (url === '/_emulator/out-of-band') {
        const target = input.bucket !== undefined ? this.bucketOutOfBand(input.bucket) : this.outOfBand(input.accountId);
        const change = (target as unknown as Record<string, (...args: unknown[]) => unknown>)[input.change];
        if (typeof change !== 'function') return reply(400, { error: `unknown change ${input.change}` });
        return reply(200, { result: change.apply(target, input.args ?? []) ?? null });
      }
      reply(404, { error: `unknown control ${url}` });
    } catch (error) {
      reply(400, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private perform(service: Service, caller: Caller, params: Record<string, string>): XmlValue {
    if (service === 'sts') {
      if (params.Action === 'GetCallerIdentity') return { Arn: caller.arn, UserId: caller.userId, Account: caller.accountId };
      if (params.Action === 'AssumeRole') return this.assumeRole(params);
    } else {
      const action = IAM_ACTIONS[params.Action];
      if (action) {
        const account = this.account(caller.accountId);
        return action({ account, params, pageSize: this.options.pageSize ?? 100, userName: caller.userName });
      }
    }
    throw new AwsError(400, 'InvalidAction', `Could not find operation ${params.Action} for version ${params.Version}`);
  }

  private assumeRole(params: Record<string, string>): XmlValue {
    const match = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(params.RoleArn ?? '');
    const sessionName = params.RoleSessionName ?? '';
    if (!match || !/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
      throw new AwsError(400, 'ValidationError', 'RoleArn must be a role ARN and RoleSessionName 2 to 64 characters.');
    }
    const [, accountId, roleName] = match;
    if (!(this.assumable.get(accountId) ?? []).includes(roleName)) {
      throw new AwsError(403, 'AccessDenied', `User is not authorized to perform: sts:AssumeRole on resource: ${params.RoleArn}`);
    }
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const sessionToken = randomBytes(32).toString('base64');
    const roleId = assumableRoleId(accountId, roleName);
    const arn = `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;
    this.sessions.set(accessKeyId, { accountId, arn, userId: `${roleId}:${sessionName}`, sessionToken });
    const duration = Number(params.DurationSeconds ?? 3600);
    return {
      Credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: randomBytes(30).toString('base64'),
        SessionToken: sessionToken,
        Expiration: new Date(Date.now() + duration * 1000).toISOString(),
      },
      AssumedRoleUser: { AssumedRoleId: `${roleId}:${sessionName}`, Arn: arn },
    };
  }

  /** Who signed with `accessKeyId`, or why nobody did: the key is unknown, or a session's token is missing or wrong. */
  private identify(accessKeyId: string, signedHeaders: readonly string[], token: string | string[] | undefined): Caller | 'UnknownKey' | 'InvalidToken' {
    const session = this.sessions.get(accessKeyId);
    if (session) {
      return token === session.sessionToken && signedHeaders.includes('x-amz-security-token') ? session : 'InvalidToken';
    }
    const credential = this.options.credentials.find((candidate) => candidate.accessKeyId === accessKeyId);
    if (!credential) return 'UnknownKey';
    const userName = credential.userName ?? 'terraform';
    return {
      accountId: credential.accountId,
      arn: `arn:aws:iam::${credential.accountId}:user/${userName}`,
      userId: `AIDA${credential.accountId}`,
      userName,
    };
  }

  private queryCaller(accessKeyId: string, signedHeaders: readonly string[], token: string | string[] | undefined): Caller {
    const caller = this.identify(accessKeyId, signedHeaders, token);
    if (typeof caller === 'string') throw new AwsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    return caller;
  }

  /** S3 tells an unknown key (403) from a bad session token (400), unlike the Query services. */
  private s3Caller(accessKeyId: string, signedHeaders: readonly string[], token: string | string[] | undefined): Caller {
    const caller = this.identify(accessKeyId, signedHeaders, token);
    if (caller === 'UnknownKey') {
      throw new S3Error(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: accessKeyId });
    }
    if (caller === 'InvalidToken') throw new S3Error(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
    return caller;
  }
}

/** The service a request is for: its credential scope's or, unsigned, S3 unless it has the Query protocol's shape. */
function requestService(request: IncomingMessage): SignedService {
  const scoped = /\/(iam|sts|s3)\/aws4_request/.exec(request.headers.authorization ?? '')?.[1] as SignedService | undefined;
  return scoped ?? (request.method === 'POST' && request.url === '/' ? 'iam' : 's3');
}

/** The error an injected fault answers with: AWS's own for the kind, in the service's words. */
function faultError(kind: Exclude<Fault['kind'], 'Latency'>, service: SignedService): AwsError {
  if (service === 's3') {
    if (kind === 'AccessDenied') return new S3Error(403, 'AccessDenied', 'Injected: Access Denied');
    if (kind === 'Throttling') return new S3Error(503, 'SlowDown', 'Injected: Please reduce your request rate.');
    return new S3Error(500, 'InternalError', 'Injected: We encountered an internal error. Please try again.');
  }
  if (kind === 'AccessDenied') return new AwsError(403, 'AccessDenied', 'Injected: not authorized to perform this action.');
  if (kind === 'Throttling') return new AwsError(400, 'Throttling', 'Injected: Rate exceeded');
  return new AwsError(500, 'InternalFailure', 'Injected: internal failure.', 'Receiver');
}

function queryAnswer(status: number, xml: string): Answer {
  const body = Buffer.from(xml);
  return { status, headers: { 'Content-Type': 'text/xml', 'Content-Length': String(body.length) }, body };
}

function userAgent(request: IncomingMessage): string {
  const header = request.headers['user-agent'];
  return Array.isArray(header) ? header.join(' ') : (header ?? '');
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function parseQueryBody(request: IncomingMessage, body: string, service: Service): Record<string, string> {
  if (request.method !== 'POST' || request.url !== '/') {
    throw new AwsError(400, 'InvalidRequest', `Query API requests are POST /, got ${request.method} ${request.url}`);
  }
  if (!String(request.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
    throw new AwsError(400, 'InvalidRequest', 'Content-Type must be application/x-www-form-urlencoded');
  }
  const params = Object.fromEntries(new URLSearchParams(body));
  if (!params.Action) throw new AwsError(400, 'MissingAction', 'Missing Action');
  if (params.Version !== API_VERSIONS[service]) {
    throw new AwsError(400, 'InvalidParameterValue', `Unsupported Version ${params.Version} for ${NAMESPACES[service]}`);
  }
  return params;
}
