/**
 * The emulator's S3, driven by real clients: the AWS SDK for JavaScript v3 (path-style, real SigV4 signing and
 * checksums), and the Terraform CLI's S3 backend with `use_lockfile`, reaching a bucket of a separate state account
 * through the backend's own assume_role, the way users configure it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ClientConfig,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { CreateRoleCommand, GetRolePolicyCommand, IAMClient, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsEmulator, LoggedRequest } from '../emulator';
import { terraform, terraformEnvironment, terraformOk } from './support/terraform';

const CALLER_ACCOUNT = '111111111111';
const STATE_ACCOUNT = '999999999999';
const CALLER_KEY = 'AKIAIOSFODNN7EXAMPLE';
const STATE_ACCOUNT_KEY = 'AKIASTATEACCOUNTAAAA';
const BUCKET = 'org-tfstate';
const STATE_ROLE_ARN = `arn:aws:iam::${STATE_ACCOUNT}:role/state`;

const md5Etag = (body: string) => `"${createHash('md5').update(body).digest('hex')}"`;
const credentials = (accessKeyId: string, sessionToken?: string) => ({ accessKeyId, secretAccessKey: 'secret', sessionToken });

/** For a client whose failure is the point: the SDK warns about every failed streaming upload. */
const quietLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A middleware that changes the request after the SDK signed it (the deserialize step runs last before sending). */
type RequestEdit = (request: { headers: Record<string, string>; body: unknown }) => void;
function afterSigning(client: S3Client, edit: RequestEdit): S3Client {
  type Next = (args: { request: Parameters<RequestEdit>[0] }) => Promise<unknown>;
  const middleware = (next: Next) => (args: Parameters<Next>[0]) => {
    edit(args.request);
    return next(args);
  };
  client.middlewareStack.add(middleware as never, { step: 'deserialize', name: 'afterSigning' });
  return client;
}

/** Waits for something the emulator will see; jest's timeout bounds it. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('with the AWS SDK for JavaScript v3', () => {
  let emulator: AwsEmulator;

  const s3 = (accessKeyId = STATE_ACCOUNT_KEY, sessionToken?: string, config: S3ClientConfig = {}) =>
    new S3Client({ endpoint: emulator.endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: credentials(accessKeyId, sessionToken), ...config });

  beforeAll(async () => {
    emulator = await AwsEmulator.start({
      credentials: [
        { accessKeyId: CALLER_KEY, accountId: CALLER_ACCOUNT },
        { accessKeyId: STATE_ACCOUNT_KEY, accountId: STATE_ACCOUNT },
      ],
      accounts: [{ id: STATE_ACCOUNT, assumableRoles: ['state'] }],
      buckets: [{ name: BUCKET, accountId: STATE_ACCOUNT }],
    });
  });

  afterAll(() => emulator.close());

  afterEach(() => emulator.clearFaults());

  test('an object round-trips: put, head, get, list and delete, with ETag, dates, type, metadata and checksum', async () => {
    const body = JSON.stringify({ hello: 'world' });
    const put = await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'round/trip.json', Body: body, ContentType: 'application/json', Metadata: { owner: 'me' } }));
    expect(put).toMatchObject({ ETag: md5Etag(body), ServerSideEncryption: 'AES256' });
    expect(put.ChecksumCRC32).toBeTruthy();

    const head = await s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'round/trip.json' }));
    expect(head).toMatchObject({ ContentLength: body.length, ContentType: 'application/json', ETag: md5Etag(body), Metadata: { owner: 'me' } });
    expect(head.LastModified).toBeInstanceOf(Date);

    const get = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'round/trip.json', ChecksumMode: 'ENABLED' }));
    expect(await get.Body!.transformToString()).toBe(body);
    expect(get.ChecksumCRC32).toBe(put.ChecksumCRC32);

    const list = await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'round/' }));
    expect(list).toMatchObject({ KeyCount: 1, IsTruncated: false, Contents: [{ Key: 'round/trip.json', Size: body.length, ETag: md5Etag(body), StorageClass: 'STANDARD' }] });

    await s3().send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'round/trip.json' }));
    await expect(s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'round/trip.json' }))).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  });

  test('a streamed upload (aws-chunked, trailing CRC32) is decoded and its checksum verified', async () => {
    const body = Buffer.alloc(20_000, 'terraform state ');
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'streamed', Body: Readable.from([body]), ContentLength: body.length }));
    expect(emulator.bucketOutOfBand(BUCKET).getObjectText('streamed')).toBe(body.toString());

    // The SDK frames the stream itself; corrupting the trailing checksum in flight must be caught.
    const corruptTrailer = new Transform({ transform: (chunk: Buffer, _encoding, done) => done(null, chunk.toString('latin1').replace(/(x-amz-checksum-crc32:)[^\r]+/, '$1AAAAAA==')) });
    const client = afterSigning(s3(STATE_ACCOUNT_KEY, undefined, { logger: quietLogger }), (request) => {
      request.body = (request.body as Readable).pipe(corruptTrailer);
    });
    await expect(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'streamed', Body: Readable.from([body]), ContentLength: body.length }))).rejects.toMatchObject({
      name: 'BadDigest',
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('Range reads answer 206 with Content-Range; an unsatisfiable range is InvalidRange 416', async () => {
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'ranged', Body: '0123456789' }));
    const middle = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ranged', Range: 'bytes=2-5' }));
    expect(middle).toMatchObject({ $metadata: { httpStatusCode: 206 }, ContentRange: 'bytes 2-5/10', ContentLength: 4 });
    expect(await middle.Body!.transformToString()).toBe('2345');
    // The download manager asks for a part larger than the object: S3 clips it.
    const clipped = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ranged', Range: 'bytes=0-5242879' }));
    expect(clipped.ContentRange).toBe('bytes 0-9/10');
    const suffix = await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ranged', Range: 'bytes=-3' }));
    expect(await suffix.Body!.transformToString()).toBe('789');
    await expect(s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ranged', Range: 'bytes=10-' }))).rejects.toMatchObject({ name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
  });

  test('conditional writes: If-None-Match: * creates only (412 once the key exists), If-Match needs the current ETag', async () => {
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock.tflock', Body: '{"ID":"first"}', IfNoneMatch: '*' }));
    await expect(s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock.tflock', Body: '{"ID":"second"}', IfNoneMatch: '*' }))).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect(emulator.bucketOutOfBand(BUCKET).getObjectJson('lock.tflock')).toEqual({ ID: 'first' });

    await expect(s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock.tflock', Body: 'x', IfMatch: '"0123456789abcdef0123456789abcdef"' }))).rejects.toMatchObject({ name: 'PreconditionFailed' });
    await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock.tflock', Body: 'replaced', IfMatch: md5Etag('{"ID":"first"}') }));
    await expect(s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'never-written', Body: 'x', IfMatch: md5Etag('x') }))).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });

    // Reads take the same conditions the HTTP way: 304 for an ETag the reader has, 412 for one it expected.
    await expect(s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'lock.tflock', IfNoneMatch: md5Etag('replaced') }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 304 } });
    await expect(s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'lock.tflock', IfMatch: md5Etag('first') }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
  });

  test('a conditional put re-sent with the same amz-sdk-invocation-id gets its first answer, not a 412', async () => {
    const client = s3();
    type Next = (args: { request: { headers: Record<string, string> } }) => Promise<unknown>;
    const fixedInvocationId = (next: Next) => (args: Parameters<Next>[0]) => {
      args.request.headers['amz-sdk-invocation-id'] = 'b2c3d4e5-replayed-put';
      return next(args);
    };
    client.middlewareStack.addRelativeTo(fixedInvocationId as never, { relation: 'after', toMiddleware: 'retryMiddleware', name: 'fixedInvocationId' });
    const first = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'replayed.tflock', Body: 'mine', IfNoneMatch: '*' }));
    const again = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'replayed.tflock', Body: 'mine', IfNoneMatch: '*' }));
    expect(again.ETag).toBe(first.ETag);
    await expect(s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'replayed.tflock', Body: 'mine', IfNoneMatch: '*' }))).rejects.toMatchObject({ name: 'PreconditionFailed' });
  });

  test('integrity: a wrong ChecksumCRC32 or Content-MD5 is BadDigest, a body that is not what was signed is XAmzContentSHA256Mismatch', async () => {
    await expect(s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'corrupt', Body: 'data', ChecksumCRC32: 'AAAAAA==' }))).rejects.toMatchObject({ name: 'BadDigest', $metadata: { httpStatusCode: 400 } });
    await expect(s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'corrupt', Body: 'data', ContentMD5: createHash('md5').update('other').digest('base64') }))).rejects.toMatchObject({ name: 'BadDigest' });

    const client = afterSigning(s3(), (request) => {
      request.body = 'DATA';
    });
    await expect(client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'corrupt', Body: 'data', ChecksumAlgorithm: 'SHA256' }))).rejects.toMatchObject({ name: 'XAmzContentSHA256Mismatch' });
    expect(emulator.bucketOutOfBand(BUCKET).listKeys('corrupt')).toEqual([]);
  });

  test('only the owning account gets in: another account is AccessDenied, a session assumed into the owner is not', async () => {
    await expect(s3(CALLER_KEY).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ranged' }))).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(s3(CALLER_KEY).send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(s3(CALLER_KEY).send(new PutObjectCommand({ Bucket: BUCKET, Key: 'intruder', Body: 'x' }))).rejects.toMatchObject({ name: 'AccessDenied' });

    const sts = new STSClient({ endpoint: emulator.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: credentials(CALLER_KEY) });
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: STATE_ROLE_ARN, RoleSessionName: 'state-session' }));
    const session = s3(Credentials!.AccessKeyId, Credentials!.SessionToken);
    await session.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'from-session', Body: 'x' }));
    expect(emulator.requests.at(-1)).toMatchObject({ service: 's3', action: 'PutObject', accountId: STATE_ACCOUNT });
    await expect(s3(Credentials!.AccessKeyId).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'from-session' }))).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(s3('AKIAUNKNOWNAAAAAAAAA').send(new GetObjectCommand({ Bucket: BUCKET, Key: 'from-session' }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
  });

  test('signing: every x-amz-* header must be signed, x-amz-content-sha256 is required, and unsigned requests are anonymous', async () => {
    const unsignedHeader = afterSigning(s3(), (request) => {
      request.headers['x-amz-meta-added-later'] = 'x';
    });
    await expect(unsignedHeader.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ranged' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'There were headers present in the request which were not signed',
      $metadata: { httpStatusCode: 403 },
    });
    const noPayloadHash = afterSigning(s3(), (request) => {
      delete request.headers['x-amz-content-sha256'];
    });
    await expect(noPayloadHash.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ranged' }))).rejects.toMatchObject({ name: 'InvalidRequest', $metadata: { httpStatusCode: 400 } });
    const anonymous = await fetch(`${emulator.endpoint}/${BUCKET}/ranged`);
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');
  });

  test('NoSuchBucket and NoSuchKey are 404s; HEAD of a missing key is a bare 404', async () => {
    await expect(s3().send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' }))).rejects.toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } });
    await expect(s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing' }))).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    await expect(s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing' }))).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  });

  test('ListObjectsV2 pages with MaxKeys and continuation tokens, and rolls keys up into common prefixes', async () => {
    const keys = ['paged/a', 'paged/b', 'paged/c/1', 'paged/c/2', 'paged/d'];
    for (const key of keys) await s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));

    const first = await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'paged/', MaxKeys: 2 }));
    expect(first).toMatchObject({ KeyCount: 2, MaxKeys: 2, IsTruncated: true, Contents: [{ Key: 'paged/a' }, { Key: 'paged/b' }] });
    const listed: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3(), pageSize: 2 }, { Bucket: BUCKET, Prefix: 'paged/' })) {
      listed.push(...(page.Contents ?? []).map((object) => object.Key!));
    }
    expect(listed).toEqual(keys);

    const rolledUp = await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'paged/', Delimiter: '/', MaxKeys: 3 }));
    expect(rolledUp).toMatchObject({ KeyCount: 3, IsTruncated: true, CommonPrefixes: [{ Prefix: 'paged/c/' }] });
    expect(rolledUp.Contents!.map((object) => object.Key)).toEqual(['paged/a', 'paged/b']);
    const rest = await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'paged/', Delimiter: '/', ContinuationToken: rolledUp.NextContinuationToken }));
    expect(rest).toMatchObject({ KeyCount: 1, IsTruncated: false, Contents: [{ Key: 'paged/d' }] });
    expect(rest.CommonPrefixes).toBeUndefined();
    await expect(s3().send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: 'not a token' }))).rejects.toMatchObject({ name: 'InvalidArgument' });
  });

  test('faults: an injected SlowDown is retried by the SDK; AccessDenied and InternalError answer with S3 codes', async () => {
    emulator.injectFault({ accountId: STATE_ACCOUNT, action: 'GetObject', key: 'ranged', kind: 'Throttling', nth: 1 });
    const retried = await s3(STATE_ACCOUNT_KEY, undefined, { maxAttempts: 3 }).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'ranged' }));
    expect(retried.$metadata.attempts).toBe(2);
    expect(await retried.Body!.transformToString()).toBe('0123456789');

    emulator.clearFaults();
    emulator.injectFault({ action: 'PutObject', kind: 'InternalError' });
    await expect(s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'faulty', Body: 'x' }))).rejects.toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    emulator.clearFaults();
    emulator.injectFault({ action: 'DeleteObject', kind: 'AccessDenied' });
    await expect(s3().send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'ranged' }))).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  });

  test('the request log names the S3 operation, bucket, key and conditional headers', async () => {
    await expect(s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lock.tflock', Body: '{}', IfNoneMatch: '*' }))).rejects.toMatchObject({ name: 'PreconditionFailed' });
    expect(emulator.requests.at(-1)).toEqual<LoggedRequest>({
      service: 's3',
      action: 'PutObject',
      accountId: STATE_ACCOUNT,
      params: expect.objectContaining({ Bucket: BUCKET, Key: 'lock.tflock', IfNoneMatch: '*', ChecksumCRC32: expect.any(String) }),
      userAgent: expect.stringMatching(/^aws-sdk-js\/3\./),
    });
  });

  test('what S3 has and the emulator lacks is refused with 501, and ACLs are disabled as in S3', async () => {
    await expect(s3().send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
    await expect(s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x', StorageClass: 'GLACIER' }))).rejects.toMatchObject({ name: 'NotImplemented' });
    await expect(s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'x', ACL: 'public-read' }))).rejects.toMatchObject({ name: 'AccessControlListNotSupported', $metadata: { httpStatusCode: 400 } });
  });

  test('out of band: objects are listed, read, planted and removed, in process and over the control endpoint', async () => {
    const bucket = emulator.bucketOutOfBand(BUCKET);
    const etag = bucket.putObject('planted/state.tflock', { ID: 'someone-else' });
    const head = await s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'planted/state.tflock' }));
    expect(head).toMatchObject({ ETag: etag, ContentType: 'application/json' });

    const control = (change: string, ...args: unknown[]) =>
      fetch(`${emulator.endpoint}/_emulator/out-of-band`, { method: 'POST', body: JSON.stringify({ bucket: BUCKET, change, args }) }).then((r) => r.json() as Promise<{ result: unknown }>);
    expect(await control('listKeys', 'planted/')).toEqual({ result: ['planted/state.tflock'] });
    expect(await control('getObjectJson', 'planted/state.tflock')).toEqual({ result: { ID: 'someone-else' } });
    await control('deleteObject', 'planted/state.tflock');
    expect(bucket.listKeys('planted/')).toEqual([]);
    expect(() => bucket.getObjectText('planted/state.tflock')).toThrow('The specified key does not exist.');
  });

  test('out of band: an inline role policy added and removed by hand', async () => {
    const iam = new IAMClient({ endpoint: emulator.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: credentials(STATE_ACCOUNT_KEY) });
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${CALLER_ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] };
    const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] };
    await iam.send(new CreateRoleCommand({ RoleName: 'state', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    emulator.outOfBand(STATE_ACCOUNT).putRolePolicy('state', 'read-state', policy);
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'state' }))).PolicyNames).toEqual(['read-state']);
    const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: 'state', PolicyName: 'read-state' }));
    expect(JSON.parse(decodeURIComponent(PolicyDocument!))).toEqual(policy);
    emulator.outOfBand(STATE_ACCOUNT).deleteRolePolicy('state', 'read-state');
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: 'state' }))).PolicyNames).toEqual([]);
    expect(() => emulator.outOfBand(STATE_ACCOUNT).deleteRolePolicy('state', 'read-state')).toThrow('cannot be found');
  });

  test('standalone: the state account, its assumable role and its bucket are there and announced', async () => {
    const child = spawn(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [join(__dirname, '..', 'emulator', 'cli.ts'), '--port', '0']);
    try {
      let printed = '';
      const endpoint = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          printed += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*bucket "org-tfstate"/.exec(printed);
          if (match) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
      });
      expect(printed).toContain(`role "state" in the state account ${STATE_ACCOUNT}`);
      const sts = new STSClient({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: credentials(CALLER_KEY) });
      const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: STATE_ROLE_ARN, RoleSessionName: 'standalone' }));
      const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1, credentials: credentials(Credentials!.AccessKeyId!, Credentials!.SessionToken) });
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'standalone', Body: 'x' }));
      const listed = await fetch(`${endpoint}/_emulator/out-of-band`, { method: 'POST', body: JSON.stringify({ bucket: BUCKET, change: 'listKeys' }) });
      expect(await listed.json()).toEqual({ result: ['standalone'] });
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('with the Terraform CLI: backend "s3" with use_lockfile, in a state account reached through assume_role', () => {
  const STATE_KEY = 'app/terraform.tfstate';
  const LOCK_KEY = `${STATE_KEY}.tflock`;
  /** The backend starts from a static key of another account, as on a CI runner. */
  const AWS_ENV = { AWS_ACCESS_KEY_ID: CALLER_KEY, AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
  let emulator: AwsEmulator;
  let dir: string;

  const run = (...args: string[]) => terraform(dir, [...args, '-no-color'], AWS_ENV);
  const runOk = (...args: string[]) => terraformOk(dir, [...args, '-no-color'], AWS_ENV);
  const bucket = () => emulator.bucketOutOfBand(BUCKET);
  const since = (start: number) => emulator.requests.slice(start).filter((request) => request.service === 's3');
  const isLockRequest = (action: string) => (request: LoggedRequest) => request.action === action && request.params.Key === LOCK_KEY;

  beforeAll(async () => {
    emulator = await AwsEmulator.start({
      credentials: [{ accessKeyId: CALLER_KEY, accountId: CALLER_ACCOUNT }],
      accounts: [{ id: STATE_ACCOUNT, assumableRoles: ['state'] }],
      buckets: [{ name: BUCKET, accountId: STATE_ACCOUNT }],
      // One key per ListObjectsV2 page, so that the workspace listing follows continuation tokens.
      pageSize: 1,
    });
    dir = mkdtempSync(join(tmpdir(), 'smr-s3-backend-'));
    // No skip_* settings: the emulator answers everything the backend asks (STS included).
    const backend = {
      bucket: BUCKET,
      key: STATE_KEY,
      region: 'us-east-1',
      use_lockfile: true,
      use_path_style: true,
      endpoints: { s3: emulator.endpoint, sts: emulator.endpoint },
      assume_role: { role_arn: STATE_ROLE_ARN },
    };
    const config = {
      terraform: { backend: { s3: backend } },
      variable: { revision: { type: 'string', default: '1' } },
      resource: { terraform_data: { app: { input: '${var.revision}' } } },
    };
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(config, null, 2));
    await runOk('init', '-input=false');
  });

  afterAll(async () => {
    await emulator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('apply writes the state to the bucket under a lock taken with a conditional write and released after', async () => {
    const start = emulator.requests.length;
    await runOk('apply', '-input=false', '-auto-approve');

    const state = bucket().getObjectJson(STATE_KEY) as { version: number; serial: number; resources: { type: string }[] };
    expect(state).toMatchObject({ version: 4, serial: 1, resources: [{ type: 'terraform_data' }] });
    expect(bucket().listKeys()).toEqual([STATE_KEY]);

    const requests = emulator.requests.slice(start);
    expect(requests.filter((request) => request.action === 'AssumeRole')[0]).toMatchObject({ accountId: CALLER_ACCOUNT, params: { RoleArn: STATE_ROLE_ARN } });
    const s3Requests = since(start);
    expect(s3Requests.every((request) => request.accountId === STATE_ACCOUNT)).toBe(true);
    const locked = s3Requests.findIndex(isLockRequest('PutObject'));
    const written = s3Requests.findIndex((request) => request.action === 'PutObject' && request.params.Key === STATE_KEY);
    const released = s3Requests.findIndex(isLockRequest('DeleteObject'));
    expect(s3Requests[locked].params).toMatchObject({ IfNoneMatch: '*', ContentType: 'application/json' });
    expect(locked).toBeLessThan(written);
    expect(written).toBeLessThan(released);
  });

  test("a lock left by another run stops plan with Terraform's lock error naming its ID; without it, plan succeeds", async () => {
    const lockId = '0b7b5e9e-5a3c-4f1e-9d2b-6c8e1f0a2b3c';
    bucket().putObject(LOCK_KEY, { ID: lockId, Operation: 'OperationTypeApply', Info: '', Who: 'ci@other-runner', Version: '1.11.4', Created: '2026-01-01T00:00:00Z', Path: `${BUCKET}/${STATE_KEY}` });

    const blocked = await run('plan', '-input=false');
    expect(blocked.exitCode).toBe(1);
    expect(blocked.stderr).toContain('Error acquiring the state lock');
    expect(blocked.stderr).toContain('PreconditionFailed');
    expect(blocked.stderr).toMatch(new RegExp(`ID:\\s+${lockId}`));
    expect(bucket().getObjectJson(LOCK_KEY)).toMatchObject({ ID: lockId });

    bucket().deleteObject(LOCK_KEY);
    expect((await run('plan', '-input=false', '-detailed-exitcode')).exitCode).toBe(0);
  });

  test('SIGTERM while the lock is held: the run stops, the state stays readable and the lock is released; a re-run converges', async () => {
    const before = bucket().getObjectJson(STATE_KEY) as { serial: number };
    // Reading the state happens under the lock; slowing it down gives the signal a lock to release.
    emulator.injectFault({ action: 'HeadObject', key: STATE_KEY, kind: 'Latency', delayMs: 2000 });
    const start = emulator.requests.length;
    const child = spawn('terraform', ['apply', '-input=false', '-auto-approve', '-no-color', '-var', 'revision=2'], { cwd: dir, env: { ...terraformEnvironment(), ...AWS_ENV } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await until(() => since(start).some((request) => request.action === 'HeadObject'));
    child.kill('SIGTERM');
    await exited;
    emulator.clearFaults();

    expect(since(start).some(isLockRequest('PutObject'))).toBe(true);
    expect(since(start).some(isLockRequest('DeleteObject'))).toBe(true);
    expect(bucket().listKeys()).toEqual([STATE_KEY]);
    expect(bucket().getObjectJson(STATE_KEY)).toMatchObject({ version: 4, serial: before.serial });

    await runOk('apply', '-input=false', '-auto-approve', '-var', 'revision=2');
    expect((await run('plan', '-input=false', '-detailed-exitcode', '-var', 'revision=2')).exitCode).toBe(0);
    expect(bucket().listKeys()).toEqual([STATE_KEY]);
  });

  test('workspaces live under env:/ and are listed from the bucket, page by page', async () => {
    await runOk('workspace', 'new', 'x');
    expect(bucket().listKeys('env:/')).toEqual([`env:/x/${STATE_KEY}`]);
    bucket().putObject(`env:/y/${STATE_KEY}`, bucket().getObjectJson(`env:/x/${STATE_KEY}`));

    const start = emulator.requests.length;
    const listed = await runOk('workspace', 'list');
    expect(listed.split('\n').map((line) => line.replace('*', '').trim()).filter(Boolean)).toEqual(['default', 'x', 'y']);
    const listings = since(start).filter((request) => request.action === 'ListObjectsV2');
    expect(listings[0].params).toMatchObject({ Bucket: BUCKET, Prefix: 'env:/', MaxKeys: '1000' });
    expect(listings.some((request) => request.params.ContinuationToken !== undefined)).toBe(true);
  });
});
