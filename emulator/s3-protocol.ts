import { randomBytes } from 'node:crypto';
import { IncomingHttpHeaders } from 'node:http';
import { AwsError, XmlValue, escapeXml } from './query-protocol';
import { SigV4Credential, parseSigV4 } from './sigv4';

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** An S3 error: besides code and message, the extra elements S3 puts in its body and any headers it adds. */
export class S3Error extends AwsError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly details: Readonly<Record<string, string>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(status, code, message);
  }
}

/** A path-style S3 request: `/<bucket>/<key>` with the key percent-decoded; an empty key addresses the bucket. */
export interface S3Request {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The body as received (for aws-chunked uploads: still encoded). */
  readonly body: Buffer;
}

export interface S3Response {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

const MAX_KEY_BYTES = 1024;

export function parseS3Request(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): S3Request {
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  const query = new URLSearchParams(queryStart < 0 ? '' : url.slice(queryStart + 1));
  const keyStart = path.indexOf('/', 1);
  const bucket = decodePathPart(path.slice(1, keyStart < 0 ? undefined : keyStart));
  const key = keyStart < 0 ? '' : decodePathPart(path.slice(keyStart + 1));
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new S3Error(400, 'KeyTooLongError', 'Your key is too long', { Size: String(Buffer.byteLength(key)), MaxSizeAllowed: String(MAX_KEY_BYTES) });
  }
  return { method, bucket, key, query, headers, body };
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
  }
}

/** A request header as one string (Node joins repeated headers), or undefined. */
export function header(request: S3Request, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Checks the SigV4 header as S3 does: the Query-protocol checks (worded as S3 words them), then S3's own rules:
 * `x-amz-content-sha256` is required, and every `x-amz-*` header the request carries must be signed.
 */
export function parseS3SigV4(headers: IncomingHttpHeaders): SigV4Credential {
  let credential: SigV4Credential;
  try {
    credential = parseSigV4(headers, 's3');
  } catch (error) {
    throw error instanceof AwsError ? s3AuthError(error) : error;
  }
  if (headers['x-amz-content-sha256'] === undefined) {
    throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  }
  const unsigned = Object.keys(headers).filter((name) => name.startsWith('x-amz-') && !credential.signedHeaders.includes(name));
  if (unsigned.length > 0) {
    throw new S3Error(403, 'AccessDenied', 'There were headers present in the request which were not signed', { HeadersNotSigned: unsigned.join(', ') });
  }
  return credential;
}

/** S3 answers an unsigned request as an anonymous one, and a malformed signature as a malformed header. */
function s3AuthError(error: AwsError): S3Error {
  if (error.code === 'MissingAuthenticationToken') return new S3Error(403, 'AccessDenied', 'Access Denied');
  return new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; ${error.message}`);
}

/** Serializes a value as S3 REST XML: objects become elements, arrays repeat their element (S3 lists are flat). */
export function s3Xml(value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map(s3Xml).join('');
  if (typeof value !== 'object') return escapeXml(String(value));
  return Object.entries(value)
    .flatMap(([element, child]) => (Array.isArray(child) ? child : [child]).filter((item) => item !== undefined).map((item) => [element, item] as const))
    .map(([element, child]) => `<${element}>${s3Xml(child)}</${element}>`)
    .join('');
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** A response with the headers S3 puts on every answer; Content-Length is the body's unless `headers` sets it. */
export function s3Response(status: number, headers: Readonly<Record<string, string>>, body: Buffer = Buffer.alloc(0), requestId = newRequestId()): S3Response {
  const bodyless = status === 204 || status === 304;
  return {
    status,
    headers: {
      'x-amz-request-id': requestId,
      'x-amz-id-2': randomBytes(48).toString('base64'),
      Server: 'AmazonS3',
      ...(bodyless ? {} : { 'Content-Length': String(body.length) }),
      ...headers,
    },
    body: bodyless ? Buffer.alloc(0) : body,
  };
}

/** An XML document answer, e.g. `ListBucketResult`. */
export function s3XmlResponse(root: string, value: XmlValue): S3Response {
  const xml = `${XML_DECLARATION}<${root} xmlns="${S3_NAMESPACE}">${s3Xml(value)}</${root}>`;
  return s3Response(200, { 'Content-Type': 'application/xml' }, Buffer.from(xml));
}

/** An error answer; HEAD gets the status and headers only, as HTTP requires and S3 does. */
export function s3ErrorResponse(error: AwsError, method: string | undefined): S3Response {
  const requestId = newRequestId();
  const details = error instanceof S3Error ? error.details : {};
  const headers = error instanceof S3Error ? error.headers : {};
  const xml =
    `${XML_DECLARATION}<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>` +
    `${s3Xml(details)}<RequestId>${requestId}</RequestId><HostId>${randomBytes(48).toString('base64')}</HostId></Error>`;
  const body = method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(xml);
  return s3Response(error.status, { 'Content-Type': 'application/xml', ...headers }, body, requestId);
}

function newRequestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

/**
 * S3's answer to a feature it lacks (501), used for what S3 has and the emulator does not: S3's own wording for an
 * unsupported header, and the feature named for anything else.
 */
export function notImplemented(feature: string, headerName?: string): S3Error {
  if (headerName) {
    return new S3Error(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented', { Header: headerName });
  }
  return new S3Error(501, 'NotImplemented', `The emulator does not implement ${feature}.`);
}
