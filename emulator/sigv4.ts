import { AwsError, Service } from './query-protocol';

/** Services whose credential scope the emulator accepts: the Query-protocol ones and S3. */
export type SignedService = Service | 's3';

export interface SigV4Credential {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: SignedService;
  readonly signedHeaders: readonly string[];
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Checks that the request carries a well-formed SigV4 Authorization header for `service`, signing at least the
 * headers AWS requires, and returns its credential scope. The signature itself is not recomputed.
 */
export function parseSigV4(headers: Record<string, string | string[] | undefined>, service: SignedService): SigV4Credential {
  const header = headers.authorization;
  if (typeof header !== 'string') {
    throw new AwsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  }
  const match = AUTHORIZATION.exec(header);
  if (!match) throw new AwsError(403, 'IncompleteSignature', `Authorization header is not a valid SigV4 header: ${header}`);
  const [, accessKeyId, date, region, scopeService, signedHeaderList] = match;
  if (scopeService !== service) {
    throw new AwsError(403, 'SignatureDoesNotMatch', `Credential should be scoped to correct service: '${service}'.`);
  }
  const signedHeaders = signedHeaderList.split(';');
  for (const required of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) {
      throw new AwsError(403, 'IncompleteSignature', `'${required}' must be a signed header.`);
    }
  }
  const amzDate = headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !amzDate.startsWith(date)) {
    throw new AwsError(403, 'IncompleteSignature', 'X-Amz-Date is missing or does not match the credential scope date.');
  }
  return { accessKeyId, date, region, service, signedHeaders };
}
