import { createHash } from 'node:crypto';
import {
  CHECKSUM_ALGORITHMS,
  Checksum,
  ChecksumAlgorithm,
  checksumAlgorithmOfHeader,
  computeChecksum,
  isWellFormedChecksum,
} from './s3-checksums';
import { S3Error, S3Request, header } from './s3-protocol';

/** A request body after transfer decoding, with the trailing headers of an aws-chunked upload. */
export interface Payload {
  readonly body: Buffer;
  readonly trailers: ReadonlyMap<string, string>;
}

interface StreamingMode {
  /** Each chunk header carries `;chunk-signature=<hex>` (SigV4 streaming). */
  readonly signedChunks: boolean;
  /** Trailing headers follow the last chunk (for signed streams, then `x-amz-trailer-signature`). */
  readonly trailer: boolean;
}

/** The `x-amz-content-sha256` values that announce an aws-chunked body. */
const STREAMING_MODES: Readonly<Record<string, StreamingMode>> = {
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER': { signedChunks: false, trailer: true },
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD': { signedChunks: true, trailer: false },
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER': { signedChunks: true, trailer: true },
};

/** S3 refuses aws-chunked uploads whose chunks (all but the last) are smaller than this. */
const MIN_CHUNK_BYTES = 8192;

export function isStreamingUpload(request: S3Request): boolean {
  return STREAMING_MODES[header(request, 'x-amz-content-sha256') ?? ''] !== undefined;
}

/**
 * The body as the client meant it: checked against a hex `x-amz-content-sha256`, or taken out of its aws-chunked
 * framing. Chunk and trailer signatures are checked for form only, like the request signature.
 */
export function decodePayload(request: S3Request): Payload {
  const payload = decodeBody(request);
  checkDeclaredTrailers(request, payload.trailers);
  return payload;
}

function decodeBody(request: S3Request): Payload {
  const declared = header(request, 'x-amz-content-sha256') ?? '';
  if (/^[0-9a-f]{64}$/.test(declared)) {
    const computed = createHash('sha256').update(request.body).digest('hex');
    if (computed !== declared) {
      throw new S3Error(400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
        ClientComputedContentSHA256: declared,
        S3ComputedContentSHA256: computed,
      });
    }
    return { body: request.body, trailers: new Map() };
  }
  if (declared === 'UNSIGNED-PAYLOAD') return { body: request.body, trailers: new Map() };
  const mode = STREAMING_MODES[declared];
  if (!mode) {
    throw new S3Error(400, 'InvalidArgument', `x-amz-content-sha256 must be UNSIGNED-PAYLOAD, ${Object.keys(STREAMING_MODES).join(', ')} or a valid sha256 value.`, {
      ArgumentName: 'x-amz-content-sha256',
      ArgumentValue: declared,
    });
  }
  return decodeAwsChunked(request, mode);
}

function decodeAwsChunked(request: S3Request, mode: StreamingMode): Payload {
  const decodedLength = Number(header(request, 'x-amz-decoded-content-length') ?? NaN);
  if (!Number.isSafeInteger(decodedLength) || decodedLength < 0) {
    throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  const raw = request.body;
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', offset);
    const chunkHeader = lineEnd < 0 ? undefined : raw.toString('latin1', offset, lineEnd);
    const size = chunkSize(chunkHeader, mode);
    offset = lineEnd + 2;
    if (size === 0) break;
    if (raw.length < offset + size + 2 || raw.toString('latin1', offset + size, offset + size + 2) !== '\r\n') throw incompleteBody();
    chunks.push(raw.subarray(offset, offset + size));
    offset += size + 2;
  }
  checkChunkSizes(chunks);
  const body = Buffer.concat(chunks);
  if (body.length !== decodedLength) throw incompleteBody();
  return { body, trailers: parseTrailers(raw.toString('latin1', offset), mode) };
}

function chunkSize(chunkHeader: string | undefined, mode: StreamingMode): number {
  const form = mode.signedChunks ? /^([0-9a-f]+);chunk-signature=[0-9a-f]{64}$/i : /^([0-9a-f]+)$/i;
  const match = chunkHeader === undefined ? null : form.exec(chunkHeader);
  if (!match) throw incompleteBody();
  return parseInt(match[1], 16);
}

function checkChunkSizes(chunks: readonly Buffer[]): void {
  const small = chunks.findIndex((chunk, index) => index < chunks.length - 1 && chunk.length < MIN_CHUNK_BYTES);
  if (small >= 0) {
    throw new S3Error(400, 'InvalidChunkSizeError', `Only the last chunk is allowed to have a size less than ${MIN_CHUNK_BYTES} bytes`, {
      Chunk: String(small + 1),
      BadChunkSize: String(chunks[small].length),
    });
  }
}

/** `name:value` lines after the zero-length chunk, then an empty line; signed streams end with the trailer signature. */
function parseTrailers(text: string, mode: StreamingMode): Map<string, string> {
  if (text !== '\r\n' && !text.endsWith('\r\n\r\n')) throw malformedTrailer();
  const lines = text === '\r\n' ? [] : text.slice(0, -4).split('\r\n');
  const trailers = new Map<string, string>();
  for (const line of lines) {
    const match = /^([a-z0-9-]+):(.*)$/i.exec(line);
    if (!match) throw malformedTrailer();
    trailers.set(match[1].toLowerCase(), match[2].trim());
  }
  const signature = trailers.get('x-amz-trailer-signature');
  trailers.delete('x-amz-trailer-signature');
  const signed = mode.signedChunks && mode.trailer;
  if (signed !== (signature !== undefined) || (signature !== undefined && !/^[0-9a-f]{64}$/.test(signature))) throw malformedTrailer();
  if (!mode.trailer && trailers.size > 0) throw malformedTrailer();
  return trailers;
}

/** The trailers must be exactly those `x-amz-trailer` announced, and S3 takes only a checksum there. */
function checkDeclaredTrailers(request: S3Request, trailers: ReadonlyMap<string, string>): void {
  const declared = (header(request, 'x-amz-trailer') ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  const unsupported = declared.find((name) => !checksumAlgorithmOfHeader(name));
  if (unsupported) throw new S3Error(400, 'InvalidRequest', `The value specified in the x-amz-trailer header is not supported: ${unsupported}`);
  if (declared.length !== trailers.size || declared.some((name) => !trailers.has(name))) throw malformedTrailer();
}

function incompleteBody(): S3Error {
  return new S3Error(400, 'IncompleteBody', 'The request body terminated unexpectedly');
}

function malformedTrailer(): S3Error {
  return new S3Error(400, 'MalformedTrailerError', 'The request contained trailing data that was not well-formed or did not conform to our published schema.');
}

/**
 * Verifies what the client said about the body, as S3 does on upload: Content-MD5, and the one additional checksum
 * (header or trailer) that `x-amz-sdk-checksum-algorithm` must agree with. Returns the checksum to store.
 */
export function verifyIntegrity(request: S3Request, payload: Payload): Checksum | undefined {
  verifyContentMd5(request, payload.body);
  const provided = providedChecksums(request, payload);
  if (provided.length > 1) {
    throw new S3Error(400, 'InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  const [checksum] = provided;
  checkSdkAlgorithm(request, checksum);
  if (!checksum) return undefined;
  if (!isWellFormedChecksum(checksum.algorithm, checksum.value)) {
    throw new S3Error(400, 'InvalidRequest', `Value for x-amz-checksum-${checksum.algorithm.toLowerCase()} header is invalid.`);
  }
  if (computeChecksum(checksum.algorithm, payload.body) !== checksum.value) {
    throw new S3Error(400, 'BadDigest', `The ${checksum.algorithm} you specified did not match the calculated checksum.`);
  }
  return checksum;
}

function verifyContentMd5(request: S3Request, body: Buffer): void {
  const contentMd5 = header(request, 'content-md5');
  if (contentMd5 === undefined) return;
  const digest = Buffer.from(contentMd5, 'base64');
  if (digest.length !== 16 || digest.toString('base64') !== contentMd5) {
    throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', { 'Content-MD5': contentMd5 });
  }
  const calculated = createHash('md5').update(body).digest('base64');
  if (calculated !== contentMd5) {
    throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.', {
      ExpectedDigest: digest.toString('hex'),
      CalculatedDigest: calculated,
    });
  }
}

function providedChecksums(request: S3Request, payload: Payload): Checksum[] {
  const headerEntries = Object.entries(request.headers).map(([name, value]) => [name, String(value)] as const);
  return [...headerEntries, ...payload.trailers]
    .map(([name, value]) => ({ algorithm: checksumAlgorithmOfHeader(name), value }))
    .filter((entry): entry is Checksum => entry.algorithm !== undefined);
}

function checkSdkAlgorithm(request: S3Request, checksum: Checksum | undefined): void {
  const named = header(request, 'x-amz-sdk-checksum-algorithm');
  if (named === undefined) return;
  if (!CHECKSUM_ALGORITHMS.includes(named.toUpperCase() as ChecksumAlgorithm)) {
    throw new S3Error(400, 'InvalidRequest', `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [${CHECKSUM_ALGORITHMS.join(', ')}]`);
  }
  if (!checksum) {
    throw new S3Error(400, 'InvalidRequest', 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
  }
  if (named.toUpperCase() !== checksum.algorithm) {
    throw new S3Error(400, 'InvalidRequest', 'Value for x-amz-sdk-checksum-algorithm header is invalid.');
  }
}
