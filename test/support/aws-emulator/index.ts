import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { IamAccount, uniqueId } from './iam';
import { IAM_ACTIONS } from './iam-actions';
import { OutOfBand } from './out-of-band';
import { API_VERSIONS, AwsError, NAMESPACES, Service, XmlValue, errorResponse, successResponse } from './query-protocol';
import { parseSigV4 } from './sigv4';

export { OutOfBand } from './out-of-band';

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

export interface AwsEmulatorOptions {
  readonly credentials: readonly EmulatorCredential[];
  /** Accounts besides those of the credentials, e.g. the targets of AssumeRole. */
  readonly accounts?: readonly EmulatorAccount[];
  /** Largest page a list action returns. @default 100 */
  readonly pageSize?: number;
}

/** A failure to inject, for reliability tests. */
export interface Fault {
  /** Only requests in this account (default: any). */
  readonly accountId?: string;
  /** Only this action, e.g. `CreateRole` (default: any). */
  readonly action?: string;
  readonly kind: 'AccessDenied' | 'Throttling' | 'InternalError' | 'Latency';
  /** For Latency: milliseconds added before the answer. */
  readonly delayMs?: number;
  /** Fail only the Nth matching call (1-based); default: every matching call. */
  readonly nth?: number;
}

/** One request as the emulator understood it, for assertions. */
export interface LoggedRequest {
  readonly service: Service;
  readonly action: string;
  readonly accountId: string;
  readonly params: Readonly<Record<string, string>>;
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
 * A local AWS endpoint speaking the Query protocol strictly (POST, form-encoded body, API version, SigV4 header with
 * a known key), answering as AWS would, and logging every request. Listens on 127.0.0.1 with Nagle's algorithm off.
 */
export class AwsEmulator {
  readonly requests: LoggedRequest[] = [];
  /** Every HTTP request received, including those rejected before they reached an action. */
  received = 0;
  private readonly sockets = new Set<Socket>();
  private readonly accounts = new Map<string, IamAccount>();
  private readonly assumable = new Map<string, readonly string[]>();
  private readonly sessions = new Map<string, Caller>();
  /** Responses by amz-sdk-invocation-id: a client that re-sends a request gets the first answer again. */
  private readonly responses = new Map<string, { status: number; body: string }>();
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

  /** Injects a failure into matching requests until `clearFaults`. */
  injectFault(fault: Fault): void {
    this.faults.push({ fault, seen: 0 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The fault (if any) that applies to this call; counts the call for every matching `nth` fault. */
  private faultFor(accountId: string, action: string): Fault | undefined {
    let applies: Fault | undefined;
    for (const entry of this.faults) {
      const { fault } = entry;
      if ((fault.accountId && fault.accountId !== accountId) || (fault.action && fault.action !== action)) continue;
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
      this.control(request.url, body, response);
      return;
    }
    const invocationId = request.headers['amz-sdk-invocation-id'];
    const replay = typeof invocationId === 'string' ? this.responses.get(invocationId) : undefined;
    const answer = replay ?? (await this.answer(request, body));
    if (typeof invocationId === 'string') this.responses.set(invocationId, answer);
    response.writeHead(answer.status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(answer.body) });
    response.end(answer.body);
  }

  private async answer(request: IncomingMessage, body: string): Promise<{ status: number; body: string }> {
    let service: Service = 'iam';
    try {
      const credential = parseSigV4(request.headers, scopeService(request.headers.authorization));
      service = credential.service as Service;
      const params = parseQueryBody(request, body, service);
      const caller = this.caller(credential.accessKeyId, credential.signedHeaders, request.headers['x-amz-security-token']);
      this.requests.push({ service, action: params.Action, accountId: caller.accountId, params });
      await this.applyFault(this.faultFor(caller.accountId, params.Action));
      return { status: 200, body: successResponse(service, params.Action, this.perform(service, caller, params)) };
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return { status: error.status, body: errorResponse(service, error) };
    }
  }

  private async applyFault(fault: Fault | undefined): Promise<void> {
    if (!fault) return;
    if (fault.kind === 'Latency') {
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 0));
      return;
    }
    if (fault.kind === 'AccessDenied') throw new AwsError(403, 'AccessDenied', 'Injected: not authorized to perform this action.');
    if (fault.kind === 'Throttling') throw new AwsError(400, 'Throttling', 'Injected: Rate exceeded');
    throw new AwsError(500, 'InternalFailure', 'Injected: internal failure.', 'Receiver');
  }

  /**
   * HTTP control endpoint for the standalone server: POST /_emulator/out-of-band with
   * {"accountId", "change", "args"} (a method of OutOfBand and its arguments), POST /_emulator/faults with a Fault,
   * DELETE /_emulator/faults, GET /_emulator/requests.
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
        const change = (this.outOfBand(input.accountId) as unknown as Record<string, (...args: unknown[]) => unknown>)[input.change];
        if (typeof change !== 'function') return reply(400, { error: `unknown change ${input.change}` });
        return reply(200, { result: change.apply(this.outOfBand(input.accountId), input.args ?? []) ?? null });
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
    const roleId = uniqueId('AROA');
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

  private caller(accessKeyId: string, signedHeaders: readonly string[], token: string | string[] | undefined): Caller {
    const session = this.sessions.get(accessKeyId);
    if (session) {
      if (token !== session.sessionToken || !signedHeaders.includes('x-amz-security-token')) {
        throw new AwsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
      }
      return session;
    }
    const credential = this.options.credentials.find((candidate) => candidate.accessKeyId === accessKeyId);
    if (!credential) throw new AwsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    const userName = credential.userName ?? 'terraform';
    return {
      accountId: credential.accountId,
      arn: `arn:aws:iam::${credential.accountId}:user/${userName}`,
      userId: `AIDA${credential.accountId}`,
      userName,
    };
  }
}

function scopeService(authorization: string | undefined): Service {
  const service = /\/(iam|sts)\/aws4_request/.exec(authorization ?? '')?.[1];
  return (service ?? 'iam') as Service;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
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
