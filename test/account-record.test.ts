/**
 * The account record beside each state (engine/account-record.ts), in both backends: a file beside a local state, an
 * object beside the state key in S3 (the emulator's bucket, reached as Terraform's backend reaches it: the state
 * role assumed with the base credentials). One section is written at a time and the others are kept, also when
 * another writer changes the record in between.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountRecordError, readAccountRecord, updateAccountRecord } from '../engine/account-record';
import { AwsAccess } from '../engine/aws/aws-access';
import { BackendObjects, backendObjects } from '../engine/backend-objects';
import { ResolvedBackend } from '../engine/config';
import { AwsEmulator } from '../emulator';
import { EMULATOR_KEY, STATE_ACCOUNT, STATE_BUCKET, startMatrixEmulator } from '../emulator/matrix';

const ACCOUNT = '280000000001';
let emulator: AwsEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await startMatrixEmulator([]);
  dir = mkdtempSync(join(tmpdir(), 'smr-record-'));
});

afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => emulator.clearFaults());

const s3Backend = (): ResolvedBackend => ({
  type: 's3',
  settings: {
    bucket: STATE_BUCKET,
    key: `session-manager-role/${ACCOUNT}.tfstate`,
    region: 'eu-west-1',
    encrypt: true,
    role_arn: `arn:aws:iam::${STATE_ACCOUNT}:role/state`,
    use_path_style: true,
    endpoints: { s3: emulator.endpoint, sts: emulator.endpoint },
  },
});

const stores: [string, () => { objects: BackendObjects; raw: () => string; replace: (text: string) => void }][] = [
  [
    'local',
    () => {
      const state = join(dir, `${ACCOUNT}.tfstate`);
      return { objects: backendObjects({ type: 'local', path: state }, () => undefined as never), raw: () => readFileSync(`${state}.session-manager-role.json`, 'utf8'), replace: (text) => writeFileSync(`${state}.session-manager-role.json`, text) };
    },
  ],
  [
    's3',
    () => {
      const aws = new AwsAccess({ ...EMULATOR_KEY });
      const backend = s3Backend();
      const key = `session-manager-role/${ACCOUNT}.tfstate.session-manager-role.json`;
      const bucket = emulator.bucketOutOfBand(STATE_BUCKET);
      return {
        objects: backendObjects(backend, () => aws.backend((backend as Extract<ResolvedBackend, { type: 's3' }>).settings)),
        raw: () => bucket.getObjectText(key),
        replace: (text) => void bucket.putObject(key, text, 'application/json'),
      };
    },
  ],
];

describe.each(stores)('the record beside a %s state', (kind, store) => {
  test('is absent at first, then holds each section written, keeping the others', async () => {
    const { objects, raw } = store();
    expect(objects.where('record')).toMatch(kind === 's3' ? /^s3:\/\/org-tfstate\/session-manager-role\/280000000001\.tfstate\.session-manager-role\.json$/ : /280000000001\.tfstate\.session-manager-role\.json$/);
    expect(await readAccountRecord(objects, ACCOUNT)).toBeUndefined();
    // Clearing a section of no record writes nothing.
    await updateAccountRecord(objects, ACCOUNT, 'converged', () => undefined);
    expect(await readAccountRecord(objects, ACCOUNT)).toBeUndefined();
    await updateAccountRecord(objects, ACCOUNT, 'applied', () => ({ config_digest: 'a'.repeat(64) }));
    await updateAccountRecord(objects, ACCOUNT, 'converged', (current) => ({ previous: current ?? null, since: '2026-01-01T00:00:00Z' }));
    expect(JSON.parse(raw())).toEqual({ version: 1, account_id: ACCOUNT, applied: { config_digest: 'a'.repeat(64) }, converged: { previous: null, since: '2026-01-01T00:00:00Z' } });
    // A section set to undefined is removed; the others stay.
    await updateAccountRecord(objects, ACCOUNT, 'converged', () => undefined);
    expect(await readAccountRecord(objects, ACCOUNT)).toEqual({ version: 1, account_id: ACCOUNT, applied: { config_digest: 'a'.repeat(64) } });
  });

  test('a write that another writer overtook starts over from what that writer left', async () => {
    const { objects, raw, replace } = store();
    let attempts = 0;
    await updateAccountRecord(objects, ACCOUNT, 'converged', (current) => {
      attempts += 1;
      // Between this read and the write, another run writes its own section.
      if (attempts === 1) replace(JSON.stringify({ version: 1, account_id: ACCOUNT, applied: { config_digest: 'b'.repeat(64) }, later: true }));
      return { seen: current ?? null };
    });
    expect(attempts).toBe(2);
    expect(JSON.parse(raw())).toEqual({ version: 1, account_id: ACCOUNT, applied: { config_digest: 'b'.repeat(64) }, later: true, converged: { seen: null } });
  });

  test('a record of another format version or account is neither trusted nor overwritten', async () => {
    const { objects, raw, replace } = store();
    replace(JSON.stringify({ version: 2, account_id: ACCOUNT, converged: {} }));
    await expect(readAccountRecord(objects, ACCOUNT)).rejects.toThrow(new AccountRecordError(`${objects.where('record')} has format version 2; this release reads version 1`));
    await expect(updateAccountRecord(objects, ACCOUNT, 'converged', () => ({}))).rejects.toThrow(AccountRecordError);
    expect(JSON.parse(raw()).version).toBe(2);
    replace(JSON.stringify({ version: 1, account_id: '280000000002' }));
    await expect(readAccountRecord(objects, ACCOUNT)).rejects.toThrow(`is the record of account "280000000002", not ${ACCOUNT}`);
    replace('{ not json');
    await expect(readAccountRecord(objects, ACCOUNT)).rejects.toThrow(`${objects.where('record')} is not JSON`);
  });
});

test('in S3 the record is written with a conditional write, encrypted as the state is, by the state role', async () => {
  const aws = new AwsAccess({ ...EMULATOR_KEY });
  const backend = s3Backend();
  const objects = backendObjects(backend, () => aws.backend((backend as Extract<ResolvedBackend, { type: 's3' }>).settings));
  emulator.bucketOutOfBand(STATE_BUCKET).deleteObject(`session-manager-role/${ACCOUNT}.tfstate.session-manager-role.json`);
  const from = emulator.requests.length;
  await updateAccountRecord(objects, ACCOUNT, 'converged', () => ({ first: true }));
  await updateAccountRecord(objects, ACCOUNT, 'converged', () => ({ second: true }));
  const puts = emulator.requests.slice(from).filter((request) => request.action === 'PutObject');
  expect(puts.map((request) => [request.accountId, request.params.IfNoneMatch, request.params.IfMatch?.startsWith('"'), request.params.ServerSideEncryption])).toEqual([
    [STATE_ACCOUNT, '*', undefined, 'AES256'],
    [STATE_ACCOUNT, undefined, true, 'AES256'],
  ]);
  expect(emulator.requests.slice(from).find((request) => request.action === 'AssumeRole')?.params).toMatchObject({ RoleArn: `arn:aws:iam::${STATE_ACCOUNT}:role/state`, RoleSessionName: 'session-manager-role-state' });
  // A write S3 refuses for another reason than a race is an error, not a retry.
  emulator.injectFault({ action: 'PutObject', kind: 'AccessDenied' });
  await expect(updateAccountRecord(objects, ACCOUNT, 'converged', () => ({ third: true }))).rejects.toMatchObject({ name: 'AccessDenied' });
});
