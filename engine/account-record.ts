import { BackendObjects } from './backend-objects';

/** Version of the account record's format; a record of another version is neither trusted nor overwritten. */
export const ACCOUNT_RECORD_VERSION = 1;

/**
 * What the engine keeps about one account beside its state (engine/backend-objects.ts): the format version, the
 * account it belongs to, and named sections, each owned by one part of the engine: `converged` (what a Terraform plan
 * last proved converged, engine/drift-precheck.ts), `applied` (what was last applied). A write changes one section
 * and keeps the others as stored, including sections this release does not know.
 */
export interface AccountRecord {
  readonly version: typeof ACCOUNT_RECORD_VERSION;
  readonly account_id: string;
  readonly [section: string]: unknown;
}

/** A record that exists but cannot be used: another format version, another account, or not a record at all. */
export class AccountRecordError extends Error {}

interface ReadRecord {
  readonly record: AccountRecord;
  /** The stored version, for a conditional write. */
  readonly etag: string;
}

/** The account's record; undefined when there is none. Throws AccountRecordError for a record it cannot use. */
export async function readAccountRecord(objects: BackendObjects, accountId: string): Promise<AccountRecord | undefined> {
  return (await readStored(objects, accountId))?.record;
}

async function readStored(objects: BackendObjects, accountId: string): Promise<ReadRecord | undefined> {
  const stored = await objects.read('record');
  if (!stored) return undefined;
  const where = objects.where('record');
  let record: unknown;
  try {
    record = JSON.parse(stored.body.toString('utf8'));
  } catch {
    throw new AccountRecordError(`${where} is not JSON`);
  }
  const { version, account_id: id } = (typeof record === 'object' && record !== null ? record : {}) as Partial<AccountRecord>;
  if (version !== ACCOUNT_RECORD_VERSION) throw new AccountRecordError(`${where} has format version ${JSON.stringify(version)}; this release reads version ${ACCOUNT_RECORD_VERSION}`);
  if (id !== accountId) throw new AccountRecordError(`${where} is the record of account ${JSON.stringify(id)}, not ${accountId}`);
  return { record: record as AccountRecord, etag: stored.etag };
}

/** How many times a write that lost a race with another writer starts over. */
const ATTEMPTS = 5;

/**
 * Sets one section of the account's record to what `change` makes of its stored value (undefined removes it; the
 * stored value itself leaves the record as it is), keeping every other section as stored. The object is written only if nobody wrote it since it was read (S3
 * conditional writes); otherwise it is read and changed again. Returns the record as written.
 */
export async function updateAccountRecord(
  objects: BackendObjects,
  accountId: string,
  section: string,
  change: (current: unknown) => unknown,
): Promise<AccountRecord> {
  if (section === 'version' || section === 'account_id') throw new Error(`"${section}" is not a section of the account record`);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    const stored = await readStored(objects, accountId);
    const { [section]: current, ...others } = stored?.record ?? { version: ACCOUNT_RECORD_VERSION, account_id: accountId };
    const value = change(current);
    // Nothing to change: nothing written (and no record created just to hold nothing).
    if (value === current) return stored?.record ?? { version: ACCOUNT_RECORD_VERSION, account_id: accountId };
    const record = { ...others, ...(value === undefined ? {} : { [section]: value }) } as AccountRecord;
    if (await objects.write('record', `${JSON.stringify(record, null, 2)}\n`, stored?.etag)) return record;
  }
  throw new Error(`${objects.where('record')}: other runs kept writing it; gave up after ${ATTEMPTS} attempts`);
}
