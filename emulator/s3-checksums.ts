import { createHash } from 'node:crypto';

/** The additional checksums S3 accepts on upload (`x-amz-checksum-<name>` in lower case). */
export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;

export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** A checksum as S3 stores and returns it: the algorithm and the base64 of the digest. */
export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  readonly value: string;
}

/** A reflected CRC of `width` bits (the form all three S3 CRCs take): table, initial value and final XOR all ones. */
function reflectedCrc(width: 32 | 64, polynomial: bigint): (data: Buffer) => Buffer {
  const mask = (1n << BigInt(width)) - 1n;
  const table = Array.from({ length: 256 }, (_, byte) => {
    let crc = BigInt(byte);
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1n ? (crc >> 1n) ^ polynomial : crc >> 1n;
    return crc;
  });
  return (data) => {
    let crc = mask;
    for (const byte of data) crc = table[Number((crc ^ BigInt(byte)) & 0xffn)] ^ (crc >> 8n);
    const digest = Buffer.alloc(width / 8);
    if (width === 32) digest.writeUInt32BE(Number(crc ^ mask));
    else digest.writeBigUInt64BE(crc ^ mask);
    return digest;
  };
}

const DIGESTS: Record<ChecksumAlgorithm, (data: Buffer) => Buffer> = {
  CRC32: reflectedCrc(32, 0xedb88320n),
  CRC32C: reflectedCrc(32, 0x82f63b78n),
  CRC64NVME: reflectedCrc(64, 0x9a6c9329ac4bc9b5n),
  SHA1: (data) => createHash('sha1').update(data).digest(),
  SHA256: (data) => createHash('sha256').update(data).digest(),
};

/** Digest sizes in bytes, to tell a malformed checksum value from a wrong one. */
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

export function computeChecksum(algorithm: ChecksumAlgorithm, data: Buffer): string {
  return DIGESTS[algorithm](data).toString('base64');
}

/** Whether `value` is the canonical base64 of a digest of the algorithm's size. */
export function isWellFormedChecksum(algorithm: ChecksumAlgorithm, value: string): boolean {
  const digest = Buffer.from(value, 'base64');
  return digest.length === DIGEST_BYTES[algorithm] && digest.toString('base64') === value;
}

/** `x-amz-checksum-crc32` -> `CRC32`; undefined for any other header name. */
export function checksumAlgorithmOfHeader(header: string): ChecksumAlgorithm | undefined {
  const name = /^x-amz-checksum-([a-z0-9]+)$/.exec(header)?.[1]?.toUpperCase();
  return CHECKSUM_ALGORITHMS.find((algorithm) => algorithm === name);
}

export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}
