import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AwsAccess } from './aws/aws-access';
import { ResolvedAccount, ResolvedBackend } from './config';

/**
 * The objects kept at an account's state: the state itself, Terraform's lock, and the engine's account record
 * (engine/account-record.ts). In the S3 backend they are `<key>`, `<key>.tflock` and `<key>.session-manager-role.json`
 * in the state bucket; in the local backend, the state file, the lock information Terraform writes beside it while it
 * holds the lock (`.<file>.lock.info`), and `<file>.session-manager-role.json`.
 */
export type BackendObjectName = 'state' | 'lock' | 'record';

/** Suffix of the account record's key or file name, after the state's. */
export const RECORD_SUFFIX = '.session-manager-role.json';

export interface StoredObject {
  readonly body: Buffer;
  /** Identifies this version of the object: S3's ETag, or the SHA-256 of a local file. */
  readonly etag: string;
}

export interface BackendObjects {
  /** Where an object is, for messages: `s3://bucket/key` or a path. */
  where(name: BackendObjectName): string;
  /** The object, or undefined when there is none. */
  read(name: BackendObjectName): Promise<StoredObject | undefined>;
  exists(name: BackendObjectName): Promise<boolean>;
  /**
   * Writes the object only if it is still the version read (`expected` its etag), or still absent (`expected`
   * undefined): false when someone else wrote it in between, so that a read-modify-write can start over.
   */
  write(name: BackendObjectName, body: string, expected: string | undefined): Promise<boolean>;
}

/** The objects beside one account's state; an S3 backend is reached with `s3` (see AwsAccess.backend). */
export function backendObjects(backend: ResolvedBackend, s3: () => S3Client): BackendObjects {
  return backend.type === 's3' ? new S3Objects(backend.settings, s3) : new LocalObjects(backend.path);
}

/**
 * The objects beside an account's state, an S3 bucket reached as Terraform's backend reaches it; without the engine's
 * own AWS access, reaching one is an error (a local state needs none).
 */
export function accountObjects(account: ResolvedAccount, aws: AwsAccess | undefined): BackendObjects {
  const { backend } = account;
  return backendObjects(backend, () => {
    if (backend.type !== 's3' || !aws) throw new Error('the engine has no AWS credentials of its own to reach the state bucket with');
    return aws.backend(backend.settings);
  });
}

class S3Objects implements BackendObjects {
  constructor(
    private readonly settings: Extract<ResolvedBackend, { type: 's3' }>['settings'],
    private readonly client: () => S3Client,
  ) {}

  private key(name: BackendObjectName): string {
    return { state: this.settings.key, lock: `${this.settings.key}.tflock`, record: `${this.settings.key}${RECORD_SUFFIX}` }[name];
  }

  where(name: BackendObjectName): string {
    return `s3://${this.settings.bucket}/${this.key(name)}`;
  }

  async read(name: BackendObjectName): Promise<StoredObject | undefined> {
    try {
      const answer = await this.client().send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key(name) }));
      return { body: Buffer.from(await answer.Body!.transformToByteArray()), etag: answer.ETag ?? '' };
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async exists(name: BackendObjectName): Promise<boolean> {
    try {
      await this.client().send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.key(name) }));
      return true;
    } catch (error) {
      if (isStatus(error, 404)) return false;
      throw error;
    }
  }

  async write(name: BackendObjectName, body: string, expected: string | undefined): Promise<boolean> {
    const { bucket, encrypt, kms_key_id } = this.settings;
    try {
      await this.client().send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: this.key(name),
          Body: body,
          ContentType: 'application/json',
          ...(expected === undefined ? { IfNoneMatch: '*' } : { IfMatch: expected }),
          // Encrypted as the backend encrypts the state.
          ...(encrypt ? (kms_key_id ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kms_key_id } : { ServerSideEncryption: 'AES256' }) : {}),
        }),
      );
      return true;
    } catch (error) {
      // 412: the object changed (or appeared) since it was read; 409: another conditional write was in progress.
      if (isStatus(error, 412) || isStatus(error, 409)) return false;
      throw error;
    }
  }
}

class LocalObjects implements BackendObjects {
  constructor(private readonly statePath: string) {}

  where(name: BackendObjectName): string {
    return { state: this.statePath, lock: join(dirname(this.statePath), `.${basename(this.statePath)}.lock.info`), record: `${this.statePath}${RECORD_SUFFIX}` }[name];
  }

  async read(name: BackendObjectName): Promise<StoredObject | undefined> {
    const path = this.where(name);
    if (!existsSync(path)) return undefined;
    const body = readFileSync(path);
    return { body, etag: sha256(body) };
  }

  async exists(name: BackendObjectName): Promise<boolean> {
    return existsSync(this.where(name));
  }

  async write(name: BackendObjectName, body: string, expected: string | undefined): Promise<boolean> {
    const current = await this.read(name);
    if (current?.etag !== expected) return false;
    // Renamed into place, so that a reader never sees half a file.
    const path = this.where(name);
    // Writing must not depend on Terraform having created the state's folder first.
    mkdirSync(dirname(path), { recursive: true });
    const partial = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(partial, body);
    renameSync(partial, path);
    return true;
  }
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Whether an SDK error is an HTTP answer with this status. */
export function isStatus(error: unknown, status: number): boolean {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === status;
}
