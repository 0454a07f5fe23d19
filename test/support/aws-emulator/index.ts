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

  static async start(options: AwsEmulatorOptions): Promise<AwsEmulator> {
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const emulator = new AwsEmulator(options, server, `http://127.0.0.1:${port}`);
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
    const invocationId = request.headers['amz-sdk-invocation-id'];
    const replay = typeof invocationId === 'string' ? this.responses.get(invocationId) : undefined;
    const answer = replay ?? this.answer(request, body);
    if (typeof invocationId === 'string') this.responses.set(invocationId, answer);
    response.writeHead(answer.status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(answer.body) });
    response.end(answer.body);
  }

  private answer(request: IncomingMessage, body: string): { status: number; body: string } {
    let service: Service = 'iam';
    try {
      const credential = parseSigV4(request.headers, scopeService(request.headers.authorization));
      service = credential.service as Service;
      const params = parseQueryBody(request, body, service);
      const caller = this.caller(credential.accessKeyId, credential.signedHeaders, request.headers['x-amz-security-token']);
      this.requests.push({ service, action: params.Action, accountId: caller.accountId, params });
      return { status: 200, body: successResponse(service, params.Action, this.perform(service, caller, params)) };
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return { status: error.status, body: errorResponse(service, error) };
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
