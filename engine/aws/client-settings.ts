import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { IAMClientConfig } from '@aws-sdk/client-iam';

/** Credentials as SDK clients take them: a function that resolves them, and again when they are about to expire. */
export type CredentialProvider = Extract<IAMClientConfig['credentials'], (...args: never[]) => unknown>;
export type NodeHttpHandlerOptions = Exclude<Extract<IAMClientConfig['requestHandler'], { connectionTimeout?: number }>, undefined>;

/** What the engine's AWS SDK clients may read from the environment it is given (never from process.env). */
export interface AwsEnvironment {
  /** AWS_ENDPOINT_URL_<SERVICE> and AWS_ENDPOINT_URL, as Terraform's AWS provider and S3 backend honour them. */
  readonly endpointUrls: Readonly<Record<string, string>>;
  /** AWS_CA_BUNDLE: certificates to trust besides Node's own. */
  readonly caBundle?: string;
  /** A proxy the environment asks for (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY), which the SDK clients do not use. */
  readonly proxy?: string;
}

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

/** Reads the settings above from an environment (the allowlisted one Terraform gets). */
export function awsEnvironment(env: NodeJS.ProcessEnv): AwsEnvironment {
  const endpointUrls = Object.fromEntries(
    Object.entries(env)
      .filter((entry): entry is [string, string] => /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(entry[0]) && !!entry[1])
      .map(([name, value]) => [name, value]),
  );
  const proxy = PROXY_VARIABLES.map((name) => env[name]).find((value) => !!value);
  return { endpointUrls, caBundle: env.AWS_CA_BUNDLE || undefined, proxy };
}

/**
 * The endpoint of a service: the one the config names, else AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, else
 * AWS's own (undefined). The same order Terraform's AWS provider and S3 backend use, so that both read the same API.
 */
export function serviceEndpoint(environment: AwsEnvironment, service: 'iam' | 'sts' | 's3', configured?: string): string | undefined {
  return configured ?? environment.endpointUrls[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ?? environment.endpointUrls.AWS_ENDPOINT_URL;
}

/** Connections are reused across clients and accounts; a call that hangs fails, and is retried, instead of waiting. */
export function httpHandlerOptions(environment: AwsEnvironment): NodeHttpHandlerOptions {
  const ca = environment.caBundle ? readFileSync(environment.caBundle, 'utf8') : undefined;
  return {
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    throwOnRequestTimeout: true,
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64, ...(ca ? { ca } : {}) }),
  };
}

/** Attempts per call, throttling included: the SDK's standard retry mode backs off between them. */
export const MAX_ATTEMPTS = 5;

/**
 * Settings every SDK client is built with. Each one the SDK would otherwise look up in process.env or ~/.aws/config
 * is given here, so that a client sees only the values passed in.
 */
export function clientSettings(options: {
  readonly region: string;
  readonly endpoint?: string;
  /** Absent only for clients whose owner sets them (a profile's own STS client). */
  readonly credentials?: CredentialProvider;
  readonly requestHandler: NodeHttpHandlerOptions;
}) {
  return {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: options.requestHandler,
    maxAttempts: MAX_ATTEMPTS,
    retryMode: 'standard',
    defaultsMode: 'standard' as const,
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    ignoreConfiguredEndpointUrls: true,
    authSchemePreference: [] as string[],
    userAgentAppId: 'session-manager-role',
  };
}

/** The settings S3 clients add: path-style addresses when asked, checksums as S3 supports them, no S3 Express. */
export function s3Settings(forcePathStyle: boolean) {
  return {
    forcePathStyle,
    requestChecksumCalculation: 'WHEN_SUPPORTED' as const,
    responseChecksumValidation: 'WHEN_SUPPORTED' as const,
    disableS3ExpressSessionAuth: true,
    useArnRegion: false,
    sigv4aSigningRegionSet: [] as string[],
  };
}
