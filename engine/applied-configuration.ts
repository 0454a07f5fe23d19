import pLimit from 'p-limit';
import { readAccountRecord, updateAccountRecord } from './account-record';
import { AwsAccess } from './aws/aws-access';
import { accountObjects } from './backend-objects';
import { ResolvedAccount } from './config';

/** The account record's section that says which configuration is in effect in the account (engine/account-record.ts). */
const SECTION = 'applied';

/**
 * The configuration last applied to an account: its effective configuration digest (engine/config-digest.ts), the
 * commit and run that applied it (or found it in effect), and when. Written after an apply succeeded, and after any
 * plan that found nothing to change; only after Terraform has written the state.
 */
export interface AppliedConfiguration {
  readonly config_digest: string;
  readonly commit?: string;
  readonly run_id: string;
  readonly at: string;
}

/** Accounts whose configuration differs from the one last applied to them, and what was last applied to each. */
export interface UnappliedAccounts {
  /** Account id -> why it is not applied yet. Accounts absent here have their configuration in effect. */
  readonly unapplied: ReadonlyMap<string, string>;
  /** Account id -> what its record says was last applied, where it says anything. */
  readonly applied: ReadonlyMap<string, AppliedConfiguration>;
}

/** Record reads at the same time: S3 GETs cost no CPU here. */
const READS_AT_ONCE = 32;

/**
 * Which accounts' effective configuration (`digests`, by account id) is not the one their record says was last
 * applied. An account without a record, or whose record cannot be read, counts as not applied: planning it once
 * too many is harmless, skipping a change is not.
 */
export async function unappliedAccounts(accounts: readonly ResolvedAccount[], digests: ReadonlyMap<string, string>, access: AwsAccess | undefined): Promise<UnappliedAccounts> {
  const unapplied = new Map<string, string>();
  const applied = new Map<string, AppliedConfiguration>();
  const limit = pLimit(READS_AT_ONCE);
  await Promise.all(
    accounts.map((account) =>
      limit(async () => {
        const last = await lastApplied(account, access);
        if (typeof last === 'string') unapplied.set(account.id, last);
        else {
          applied.set(account.id, last);
          if (last.config_digest !== digests.get(account.id)) unapplied.set(account.id, `its configuration changed since run ${last.run_id} applied it${last.commit ? ` at ${last.commit.slice(0, 12)}` : ''}`);
        }
      }),
    ),
  );
  return { unapplied, applied };
}

/** What the account's record says was last applied, or why nothing can be said. */
async function lastApplied(account: ResolvedAccount, access: AwsAccess | undefined): Promise<AppliedConfiguration | string> {
  try {
    const record = await readAccountRecord(accountObjects(account, access), account.id);
    const section = record?.[SECTION] as Partial<AppliedConfiguration> | undefined;
    if (typeof section?.config_digest !== 'string' || typeof section.run_id !== 'string') return 'no record of an apply';
    return section as AppliedConfiguration;
  } catch (error) {
    return `its record of what was applied cannot be read (${(error as Error).message.split('\n')[0]})`;
  }
}

/**
 * Records that `applied` is the configuration in effect in the account, keeping the record's other sections. A record
 * that already has this configuration keeps its run and commit: the first that saw it in effect.
 */
export async function recordApplied(account: ResolvedAccount, access: AwsAccess | undefined, applied: AppliedConfiguration): Promise<void> {
  await updateAccountRecord(accountObjects(account, access), account.id, SECTION, (current) =>
    (current as Partial<AppliedConfiguration> | undefined)?.config_digest === applied.config_digest ? current : applied,
  );
}
