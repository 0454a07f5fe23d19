import { createHash } from 'node:crypto';
import { XmlValue } from './query-protocol';
import { CHECKSUM_ALGORITHMS, Checksum, checksumHeader } from './s3-checksums';
import { Payload, decodePayload, isStreamingUpload, verifyIntegrity } from './s3-payload';
import { S3Error, S3Request, S3Response, header, notImplemented, s3Response, s3XmlResponse } from './s3-protocol';

/** An object as S3 stores it. Buckets here are unversioned: one object per key. */
export interface S3Object {
  readonly body: Buffer;
  /** Quoted hex MD5 of the body, as S3 gives objects uploaded in one part. */
  readonly etag: string;
  /** Whole seconds, as HTTP dates carry them, so that conditional requests compare what clients saw. */
  readonly lastModified: Date;
  readonly contentType: string;
  readonly contentEncoding?: string;
  /** The additional checksum the uploader sent, returned to readers who ask for it. */
  readonly checksum?: Checksum;
  /** User metadata (`x-amz-meta-*`): lower-case names without the prefix. */
  readonly metadata: ReadonlyMap<string, string>;
}

/** What an upload sets besides the body. */
export interface ObjectAttributes {
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly checksum?: Checksum;
  readonly metadata?: ReadonlyMap<string, string>;
}

/** What S3 stores for an upload: S3's default content type when none is given. */
export function storedObject(body: Buffer, attributes: ObjectAttributes = {}): S3Object {
  return {
    body,
    etag: `"${createHash('md5').update(body).digest('hex')}"`,
    lastModified: new Date(Math.floor(Date.now() / 1000) * 1000),
    contentType: attributes.contentType ?? 'binary/octet-stream',
    contentEncoding: attributes.contentEncoding,
    checksum: attributes.checksum,
    metadata: attributes.metadata ?? new Map(),
  };
}

/** A general purpose bucket with S3's defaults: ACLs disabled (bucket owner enforced), SSE-S3, no versioning. */
export class S3Bucket {
  readonly objects = new Map<string, S3Object>();

  constructor(
    readonly name: string,
    readonly accountId: string,
    readonly region: string,
  ) {}

  object(key: string): S3Object {
    const object = this.objects.get(key);
    if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
    return object;
  }

  /** Keys under `prefix` in S3's order: ascending by their UTF-8 bytes. */
  sortedKeys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort(compareKeys);
  }
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Refuses a bucket name S3's naming rules would refuse, so that a test cannot rely on one. */
export function validateBucketName(name: string): string {
  if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw new Error(`Invalid S3 bucket name ${JSON.stringify(name)}: 3 to 63 lower-case letters, digits, dots and hyphens.`);
  }
  return name;
}

export type S3OperationName = 'HeadObject' | 'GetObject' | 'PutObject' | 'DeleteObject' | 'ListObjectsV2';

interface S3Context {
  readonly request: S3Request;
  readonly bucket: S3Bucket;
  readonly payload: Payload;
  /** Largest page a list returns, so that tests exercise continuation tokens. */
  readonly pageSize: number;
}

interface S3Operation {
  /** The IAM action S3 authorizes the request as. */
  readonly iamAction: string;
  /** Query parameters the operation takes, besides `x-id` (which SDKs add and S3 ignores). */
  readonly query: readonly string[];
  /** `x-amz-*` and conditional headers the operation takes besides COMMON_HEADERS; `*` ends a prefix. */
  readonly headers: readonly string[];
  readonly perform: (context: S3Context) => S3Response;
}

/** Headers any signed S3 request may carry. */
const COMMON_HEADERS = ['x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token', 'x-amz-user-agent', 'x-amz-expected-bucket-owner'];

/** Headers that change what S3 does: one the emulator does not implement for an operation is refused, not ignored. */
function isGoverned(name: string): boolean {
  return name.startsWith('x-amz-') || name.startsWith('if-');
}

const READ_HEADERS = ['x-amz-checksum-mode', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'];

const OPERATIONS: Record<S3OperationName, S3Operation> = {
  HeadObject: { iamAction: 's3:GetObject', query: [], headers: READ_HEADERS, perform: readObject },
  GetObject: { iamAction: 's3:GetObject', query: [], headers: READ_HEADERS, perform: readObject },
  PutObject: {
    iamAction: 's3:PutObject',
    query: [],
    headers: [
      ...CHECKSUM_ALGORITHMS.map(checksumHeader),
      'x-amz-sdk-checksum-algorithm',
      'x-amz-trailer',
      'x-amz-decoded-content-length',
      'x-amz-acl',
      'x-amz-server-side-encryption',
      'x-amz-meta-*',
      'if-match',
      'if-none-match',
    ],
    perform: putObject,
  },
  DeleteObject: { iamAction: 's3:DeleteObject', query: [], headers: [], perform: deleteObject },
  ListObjectsV2: {
    iamAction: 's3:ListBucket',
    query: ['list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'fetch-owner'],
    headers: [],
    perform: listObjectsV2,
  },
};

const OBJECT_OPERATIONS: Readonly<Record<string, S3OperationName>> = {
  HEAD: 'HeadObject',
  GET: 'GetObject',
  PUT: 'PutObject',
  DELETE: 'DeleteObject',
};

/**
 * The operation a path-style request asks for, from its method, path and query. Anything else S3 offers (other
 * operations, subresources, headers with a meaning) is refused with 501 rather than half-done.
 */
export function resolveS3Operation(request: S3Request): S3OperationName {
  const name = request.key ? OBJECT_OPERATIONS[request.method] : request.method === 'GET' && request.query.has('list-type') ? 'ListObjectsV2' : undefined;
  if (!request.bucket || !name) {
    const query = [...request.query.keys()].join('&');
    throw notImplemented(`${request.method} /${request.bucket}${request.key ? '/<key>' : ''}${query ? `?${query}` : ''}`);
  }
  const operation = OPERATIONS[name];
  const unknownQuery = [...request.query.keys()].find((parameter) => parameter !== 'x-id' && !operation.query.includes(parameter));
  if (unknownQuery) throw notImplemented(`the ${unknownQuery} parameter of ${name}`);
  const allowed = [...COMMON_HEADERS, ...operation.headers];
  const unknownHeader = Object.keys(request.headers).find(
    (headerName) => isGoverned(headerName) && !allowed.some((entry) => (entry.endsWith('*') ? headerName.startsWith(entry.slice(0, -1)) : headerName === entry)),
  );
  if (unknownHeader) throw notImplemented(`the ${unknownHeader} header of ${name}`, unknownHeader);
  return name;
}

/** Who signed a request, as S3 needs it for authorization. */
export interface S3Caller {
  readonly accountId: string;
  readonly arn: string;
}

/**
 * S3's checks between authentication and the operation: the bucket exists, the request was signed for its region,
 * and the caller's account owns it (no bucket policy grants other accounts anything).
 */
export function authorizeS3(name: S3OperationName, request: S3Request, bucket: S3Bucket | undefined, caller: S3Caller, region: string): S3Bucket {
  if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: request.bucket });
  if (region !== bucket.region) {
    throw new S3Error(400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; the region '${region}' is wrong; expecting '${bucket.region}'`, { Region: bucket.region }, { 'x-amz-bucket-region': bucket.region });
  }
  const expectedOwner = header(request, 'x-amz-expected-bucket-owner');
  if (expectedOwner !== undefined && expectedOwner !== bucket.accountId) throw new S3Error(403, 'AccessDenied', 'Access Denied');
  if (caller.accountId !== bucket.accountId) {
    const action = OPERATIONS[name].iamAction;
    const resource = name === 'ListObjectsV2' ? `arn:aws:s3:::${bucket.name}` : `arn:aws:s3:::${bucket.name}/${request.key}`;
    throw new S3Error(403, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: ${action} on resource: "${resource}" because no resource-based policy allows the ${action} action`);
  }
  return bucket;
}

export function performS3(name: S3OperationName, request: S3Request, bucket: S3Bucket, pageSize: number): S3Response {
  return OPERATIONS[name].perform({ request, bucket, payload: decodePayload(request), pageSize });
}

const LOGGED_HEADERS: Readonly<Record<string, string>> = {
  'if-match': 'IfMatch',
  'if-none-match': 'IfNoneMatch',
  'if-modified-since': 'IfModifiedSince',
  'if-unmodified-since': 'IfUnmodifiedSince',
  range: 'Range',
  'content-type': 'ContentType',
  'content-md5': 'ContentMD5',
  'x-amz-sdk-checksum-algorithm': 'ChecksumAlgorithm',
  'x-amz-checksum-mode': 'ChecksumMode',
  'x-amz-acl': 'ACL',
  'x-amz-server-side-encryption': 'ServerSideEncryption',
  'x-amz-expected-bucket-owner': 'ExpectedBucketOwner',
  ...Object.fromEntries(CHECKSUM_ALGORITHMS.map((algorithm) => [checksumHeader(algorithm), `Checksum${algorithm}`])),
};

const LOGGED_QUERY: Readonly<Record<string, string>> = {
  prefix: 'Prefix',
  delimiter: 'Delimiter',
  'max-keys': 'MaxKeys',
  'continuation-token': 'ContinuationToken',
  'start-after': 'StartAfter',
  'fetch-owner': 'FetchOwner',
};

/** The request's members as the S3 API names them (Bucket, Key, IfNoneMatch, Range, Prefix ...), for the log. */
export function s3Params(request: S3Request): Record<string, string> {
  const params: Record<string, string> = { Bucket: request.bucket };
  if (request.key) params.Key = request.key;
  for (const [name, member] of Object.entries(LOGGED_HEADERS)) {
    const value = header(request, name);
    if (value !== undefined) params[member] = value;
  }
  for (const [name, member] of Object.entries(LOGGED_QUERY)) {
    const value = request.query.get(name);
    if (value !== null) params[member] = value;
  }
  return params;
}

function readObject({ request, bucket }: S3Context): S3Response {
  const object = bucket.object(request.key);
  if (notModified(request, object)) return s3Response(304, { ETag: object.etag, 'Last-Modified': object.lastModified.toUTCString() });
  const range = requestedRange(header(request, 'range'), object.body.length);
  const body = range ? object.body.subarray(range.start, range.end + 1) : object.body;
  // S3 returns the full object's checksum only with the full object: a part cannot be checked against it.
  const withChecksum = !range && header(request, 'x-amz-checksum-mode') === 'ENABLED';
  const headers = {
    ...objectHeaders(object, withChecksum),
    ...(range ? { 'Content-Range': `bytes ${range.start}-${range.end}/${object.body.length}` } : {}),
    'Content-Length': String(body.length),
  };
  return s3Response(range ? 206 : 200, headers, request.method === 'HEAD' ? Buffer.alloc(0) : body);
}

function objectHeaders(object: S3Object, withChecksum: boolean): Record<string, string> {
  return {
    'Content-Type': object.contentType,
    ...(object.contentEncoding ? { 'Content-Encoding': object.contentEncoding } : {}),
    ETag: object.etag,
    'Last-Modified': object.lastModified.toUTCString(),
    'Accept-Ranges': 'bytes',
    'x-amz-server-side-encryption': 'AES256',
    ...Object.fromEntries([...object.metadata].map(([name, value]) => [`x-amz-meta-${name}`, value])),
    ...(withChecksum && object.checksum ? checksumHeaders(object.checksum) : {}),
  };
}

function checksumHeaders(checksum: Checksum): Record<string, string> {
  return { [checksumHeader(checksum.algorithm)]: checksum.value, 'x-amz-checksum-type': 'FULL_OBJECT' };
}

function preconditionFailed(condition: string): S3Error {
  return new S3Error(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: condition });
}

function etagMatches(condition: string, etag: string): boolean {
  return condition.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag || `"${tag}"` === etag;
  });
}

/** HTTP's read preconditions in RFC 9110 order: a failed If-Match (or If-Unmodified-Since) is 412, a match of If-None-Match (or an unchanged If-Modified-Since) is 304. */
function notModified(request: S3Request, object: S3Object): boolean {
  const ifMatch = header(request, 'if-match');
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, object.etag)) throw preconditionFailed('If-Match');
  } else if (modifiedAfter(object, header(request, 'if-unmodified-since')) === true) {
    throw preconditionFailed('If-Unmodified-Since');
  }
  const ifNoneMatch = header(request, 'if-none-match');
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, object.etag);
  return modifiedAfter(object, header(request, 'if-modified-since')) === false;
}

/** Whether the object changed after an HTTP date; undefined without a valid date (which HTTP says to ignore). */
function modifiedAfter(object: S3Object, date: string | undefined): boolean | undefined {
  const time = date === undefined ? NaN : Date.parse(date);
  return Number.isNaN(time) ? undefined : object.lastModified.getTime() > time;
}

/** A single `bytes=` range, clipped to the object; S3 ignores a Range it cannot parse (and multiple ranges). */
function requestedRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = value === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [first, last] = [match[1], match[2]].map((bound) => (bound === '' ? undefined : Number(bound)));
  if (first !== undefined && last !== undefined && last < first) return undefined;
  const start = first ?? Math.max(0, size - (last ?? 0));
  const end = first === undefined || last === undefined ? size - 1 : Math.min(last, size - 1);
  if (start >= size || (first === undefined && last === 0)) {
    throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', { RangeRequested: value ?? '', ActualObjectSize: String(size) }, { 'Content-Range': `bytes */${size}` });
  }
  return { start, end };
}

function putObject({ request, bucket, payload }: S3Context): S3Response {
  if (request.headers['content-length'] === undefined && !isStreamingUpload(request)) {
    throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  const checksum = verifyIntegrity(request, payload);
  checkAcl(request);
  checkEncryption(request);
  checkWritePreconditions(request, bucket.objects.get(request.key));
  const object = storedObject(payload.body, {
    contentType: header(request, 'content-type'),
    contentEncoding: storedEncoding(request),
    checksum,
    metadata: userMetadata(request),
  });
  bucket.objects.set(request.key, object);
  return s3Response(200, { ETag: object.etag, 'x-amz-server-side-encryption': 'AES256', ...(checksum ? checksumHeaders(checksum) : {}) });
}

/** Conditional writes: `If-None-Match: *` creates only, `If-Match: <etag>` replaces only that version. */
function checkWritePreconditions(request: S3Request, existing: S3Object | undefined): void {
  const ifNoneMatch = header(request, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch !== '*') throw notImplemented('If-None-Match with an ETag on PutObject', 'If-None-Match');
  if (ifNoneMatch === '*' && existing) throw preconditionFailed('If-None-Match');
  const ifMatch = header(request, 'if-match');
  if (ifMatch === undefined) return;
  if (!existing) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: request.key });
  if (!etagMatches(ifMatch, existing.etag)) throw preconditionFailed('If-Match');
}

/** With ACLs disabled (S3's default), a PUT may name no ACL or only the one that gives the bucket owner everything. */
function checkAcl(request: S3Request): void {
  const acl = header(request, 'x-amz-acl');
  if (acl !== undefined && acl !== 'bucket-owner-full-control') throw new S3Error(400, 'AccessControlListNotSupported', 'The bucket does not allow ACLs');
}

/** SSE-S3 is what every object gets anyway; KMS keys are not emulated. */
function checkEncryption(request: S3Request): void {
  const encryption = header(request, 'x-amz-server-side-encryption');
  if (encryption === undefined || encryption === 'AES256') return;
  if (encryption.startsWith('aws:kms')) throw notImplemented('SSE-KMS', 'x-amz-server-side-encryption');
  throw new S3Error(400, 'InvalidArgument', 'The encryption method specified is not supported', { ArgumentName: 'x-amz-server-side-encryption', ArgumentValue: encryption });
}

/** Content-Encoding as stored: the client's own encodings, without the aws-chunked transfer framing. */
function storedEncoding(request: S3Request): string | undefined {
  const encodings = (header(request, 'content-encoding') ?? '').split(',').map((encoding) => encoding.trim());
  return encodings.filter((encoding) => encoding && encoding !== 'aws-chunked').join(',') || undefined;
}

function userMetadata(request: S3Request): Map<string, string> {
  const prefix = 'x-amz-meta-';
  return new Map(
    Object.keys(request.headers)
      .filter((name) => name.startsWith(prefix))
      .map((name) => [name.slice(prefix.length), header(request, name) ?? '']),
  );
}

function deleteObject({ request, bucket }: S3Context): S3Response {
  bucket.objects.delete(request.key);
  return s3Response(204, {});
}

const MAX_KEYS = 1000;

/** One item of a listing: a key, or a common prefix standing for every key under it. `lastKey` is the last key it covers: a continuation token resumes after it. */
type ListEntry = { readonly key: string; readonly lastKey: string } | { readonly commonPrefix: string; readonly lastKey: string };

function listObjectsV2({ request, bucket, pageSize }: S3Context): S3Response {
  const { query } = request;
  if (query.get('list-type') !== '2') throw invalidArgument('list-type', query.get('list-type') ?? '', 'Invalid list type');
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = parseMaxKeys(query.get('max-keys'));
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after');
  const entries = listEntries(bucket, prefix, delimiter, token === null ? (startAfter ?? '') : decodeContinuationToken(token));
  const page = entries.slice(0, Math.min(maxKeys, MAX_KEYS, pageSize));
  const resumeAfter = entries.length > page.length ? page.at(-1)?.lastKey : undefined;
  const owner = query.get('fetch-owner') === 'true' ? { ID: canonicalUserId(bucket.accountId) } : undefined;
  return s3XmlResponse('ListBucketResult', {
    Name: bucket.name,
    Prefix: prefix,
    ContinuationToken: token ?? undefined,
    StartAfter: startAfter ?? undefined,
    KeyCount: page.length,
    MaxKeys: maxKeys,
    Delimiter: delimiter || undefined,
    IsTruncated: resumeAfter !== undefined,
    NextContinuationToken: resumeAfter === undefined ? undefined : Buffer.from(resumeAfter).toString('base64'),
    Contents: page.flatMap((entry) => ('key' in entry ? [contentsXml(entry.key, bucket.object(entry.key), owner)] : [])),
    CommonPrefixes: page.flatMap((entry) => ('commonPrefix' in entry ? [{ Prefix: entry.commonPrefix }] : [])),
  });
}

/** Keys after `after` under `prefix`, those that go on past `delimiter` rolled up into one common prefix each. */
function listEntries(bucket: S3Bucket, prefix: string, delimiter: string, after: string): ListEntry[] {
  const entries: ListEntry[] = [];
  for (const key of bucket.sortedKeys(prefix)) {
    if (compareKeys(key, after) <= 0) continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut < 0) {
      entries.push({ key, lastKey: key });
      continue;
    }
    const commonPrefix = key.slice(0, cut + delimiter.length);
    const previous = entries.at(-1);
    if (previous && 'commonPrefix' in previous && previous.commonPrefix === commonPrefix) entries.pop();
    entries.push({ commonPrefix, lastKey: key });
  }
  return entries;
}

function contentsXml(key: string, object: S3Object, owner: XmlValue): XmlValue {
  return {
    Key: key,
    LastModified: object.lastModified.toISOString(),
    ETag: object.etag,
    ChecksumAlgorithm: object.checksum?.algorithm,
    ChecksumType: object.checksum ? 'FULL_OBJECT' : undefined,
    Size: object.body.length,
    Owner: owner,
    StorageClass: 'STANDARD',
  };
}

function parseMaxKeys(value: string | null): number {
  if (value === null) return MAX_KEYS;
  if (!/^\d{1,9}$/.test(value)) throw invalidArgument('max-keys', value, 'Provided max-keys not an integer or within integer range');
  return Number(value);
}

function decodeContinuationToken(token: string): string {
  const after = Buffer.from(token, 'base64').toString('utf8');
  if (!after || Buffer.from(after).toString('base64') !== token) {
    throw invalidArgument('continuation-token', token, 'The continuation token provided is incorrect');
  }
  return after;
}

function invalidArgument(name: string, value: string, message: string): S3Error {
  return new S3Error(400, 'InvalidArgument', message, { ArgumentName: name, ArgumentValue: value });
}

/** The 64-hex canonical user id S3 shows as an account's owner id (derived from the account id, stable). */
function canonicalUserId(accountId: string): string {
  return createHash('sha256').update(`canonical-user:${accountId}`).digest('hex');
}
