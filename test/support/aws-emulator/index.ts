import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { API_VERSIONS, AwsError, NAMESPACES, Service, XmlValue, errorResponse, successResponse } from './query-protocol';
import { parseSigV4 } from './sigv4';

/** A static access key and the account (and IAM user) it belongs to. */
export interface EmulatorCredential {
  readonly accessKeyId: string;
  readonly accountId: string;
  readonly userName?: string;
}

export interface AwsEmulatorOptions {
  readonly credentials: readonly EmulatorCredential[];
}

/** One request as the emulator understood it, for assertions. */
export interface LoggedRequest {
  readonly service: Service;
  readonly action: string;
  readonly accountId: string;
  readonly params: Readonly<Record<string, string>>;
}

interface Caller {
  readonly accountId: string;
  readonly credential: EmulatorCredential;
}

type Handler = (caller: Caller, params: Record<string, string>) => XmlValue;

const STS_ACTIONS: Record<string, Handler> = {
  GetCallerIdentity: ({ accountId, credential }) => {
    const userName = credential.userName ?? 'terraform';
    return {
      Arn: `arn:aws:iam::${accountId}:user/${userName}`,
      UserId: `AIDA${accountId}${userName.toUpperCase()}`.slice(0, 21),
      Account: accountId,
    };
  },
};

const HANDLERS: Record<Service, Record<string, Handler>> = { iam: {}, sts: STS_ACTIONS };

/**
 * A local AWS endpoint speaking the Query protocol strictly (POST, form-encoded body, API version, SigV4 header with
 * a known key), answering as AWS would, and logging every request. Listens on 127.0.0.1 with Nagle's algorithm off.
 */
export class AwsEmulator {
  readonly requests: LoggedRequest[] = [];
  /** Every HTTP request received, including those rejected before they reached an action. */
  received = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly options: AwsEmulatorOptions,
    private readonly server: ReturnType<typeof createServer>,
    readonly endpoint: string,
  ) {}

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
    let service: Service = 'iam';
    try {
      const credential = parseSigV4(request.headers, scopeService(request.headers.authorization));
      service = credential.service as Service;
      const params = parseQueryBody(request, body, service);
      const caller = this.caller(credential.accessKeyId);
      const handler = HANDLERS[service][params.Action];
      if (!handler) throw new AwsError(400, 'InvalidAction', `Could not find operation ${params.Action} for version ${params.Version}`);
      this.requests.push({ service, action: params.Action, accountId: caller.accountId, params });
      send(response, 200, successResponse(service, params.Action, handler(caller, params)));
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      send(response, error.status, errorResponse(service, error));
    }
  }

  private caller(accessKeyId: string): Caller {
    const credential = this.options.credentials.find((candidate) => candidate.accessKeyId === accessKeyId);
    if (!credential) throw new AwsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    return { accountId: credential.accountId, credential };
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

function send(response: ServerResponse, status: number, xml: string): void {
  response.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(xml) });
  response.end(xml);
}
