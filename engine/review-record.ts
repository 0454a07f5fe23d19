import { createHash } from 'node:crypto';
import Ajv from 'ajv';
import { MatrixResult } from './result';
import { TOOL_VERSION } from './version';

/** Version of the review record format; readers refuse others. */
export const REVIEW_RECORD_VERSION = 1;

/** One account as a reviewer saw its plan. */
export interface ReviewedAccount {
  readonly id: string;
  readonly name: string;
  /** The plan's fingerprint: an apply whose plan has it does exactly what was reviewed. */
  readonly fingerprint: string;
  /** The account's effective configuration when it was planned. */
  readonly config_digest?: string;
}

/**
 * What a plan run showed a reviewer, kept apart from the pull request comment (which anyone with write access can
 * edit): the fingerprint of every planned account, the commit and the config they came from, and the run. Its
 * SHA-256, named in the comment, ties the two together. It grows with the matrix; a workflow artifact holds any size.
 */
export interface ReviewRecord {
  readonly version: typeof REVIEW_RECORD_VERSION;
  readonly tool: { readonly name: 'session-manager-role'; readonly version: string };
  /** The config file, as the workflow names it. */
  readonly config: string;
  readonly config_digest?: string;
  /** The commit that was planned (a pull request's head). */
  readonly commit: string;
  /** The plan run's id (`gh-<run id>-<attempt>` in GitHub Actions). */
  readonly run: string;
  /** The matrix fingerprint of the plan. */
  readonly fingerprint: string;
  /** Every planned account, in the config's order. */
  readonly accounts: readonly ReviewedAccount[];
}

/** A review record that cannot be used; says why. */
export class ReviewRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReviewRecordError';
  }
}

const sha256Pattern = '^[0-9a-f]{64}$';

const validate = new Ajv({ allErrors: true, strict: false }).compile({
  type: 'object',
  additionalProperties: false,
  required: ['version', 'tool', 'config', 'commit', 'run', 'fingerprint', 'accounts'],
  properties: {
    version: { const: REVIEW_RECORD_VERSION },
    tool: { type: 'object', required: ['name', 'version'], properties: { name: { const: 'session-manager-role' }, version: { type: 'string' } } },
    config: { type: 'string', minLength: 1 },
    config_digest: { type: 'string', pattern: sha256Pattern },
    commit: { type: 'string', pattern: '^[0-9a-f]{40,64}$' },
    run: { type: 'string', minLength: 1 },
    fingerprint: { type: 'string', pattern: sha256Pattern },
    accounts: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'fingerprint'],
        properties: {
          id: { type: 'string', pattern: '^\\d{12}$' },
          name: { type: 'string' },
          fingerprint: { type: 'string', pattern: sha256Pattern },
          config_digest: { type: 'string', pattern: sha256Pattern },
        },
      },
    },
  },
});

/** The review record of a plan result, for the commit it planned. */
export function reviewRecord(result: MatrixResult, context: { readonly config: string; readonly commit: string }): ReviewRecord {
  if (result.command !== 'plan') throw new ReviewRecordError(`a review record is made from a plan, not from a ${result.command}`);
  return {
    version: REVIEW_RECORD_VERSION,
    tool: { name: 'session-manager-role', version: TOOL_VERSION },
    config: context.config,
    ...(result.run.config_digest ? { config_digest: result.run.config_digest } : {}),
    commit: context.commit,
    run: result.run.id,
    fingerprint: result.fingerprint,
    accounts: result.accounts.flatMap((account) =>
      account.fingerprint ? [{ id: account.id, name: account.name, fingerprint: account.fingerprint, ...(account.config_digest ? { config_digest: account.config_digest } : {}) }] : [],
    ),
  };
}

/** The record as its file holds it: one account per line, so that it reads and diffs well at any size. */
export function serializeReviewRecord(record: ReviewRecord): string {
  const { accounts, ...head } = record;
  const lines = accounts.map((account) => `    ${JSON.stringify(account)}`);
  const headText = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  return `${headText},\n  "accounts": [\n${lines.join(',\n')}${lines.length > 0 ? '\n' : ''}  ]\n}\n`;
}

/** SHA-256 of a record file's bytes: what the plan comment names. */
export function reviewRecordDigest(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Reads a record file's text; `source` names where it came from in errors. */
export function parseReviewRecord(text: string, source: string): ReviewRecord {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ReviewRecordError(`${source} is not JSON (${(error as Error).message})`);
  }
  const version = (document as { version?: unknown } | null)?.version;
  if (version !== REVIEW_RECORD_VERSION) throw new ReviewRecordError(`${source} is a review record of version ${JSON.stringify(version)}; this release reads version ${REVIEW_RECORD_VERSION}`);
  if (!validate(document)) {
    const problems = (validate.errors ?? []).map((error) => `${error.instancePath || '(record)'} ${error.message ?? 'is not valid'}`);
    throw new ReviewRecordError(`${source} is not a valid review record:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
  return document as ReviewRecord;
}

/** Where a reviewed fingerprint comes from, as a refusal names it (e.g. "pull request #12"). */
export interface ReviewedPlan {
  readonly fingerprint: string;
  readonly source: string;
}

/** Reviewed plans by account id: what an apply may apply. Several reviews may cover one account. */
export type ReviewedFingerprints = ReadonlyMap<string, readonly ReviewedPlan[]>;

/** The fingerprints of one or more records, each with the name of its review, by account id. */
export function reviewedFingerprints(records: readonly { readonly record: ReviewRecord; readonly source: string }[]): ReviewedFingerprints {
  const reviewed = new Map<string, ReviewedPlan[]>();
  for (const { record, source } of records) {
    for (const account of record.accounts) {
      const plans = reviewed.get(account.id) ?? [];
      plans.push({ fingerprint: account.fingerprint, source });
      reviewed.set(account.id, plans);
    }
  }
  return reviewed;
}
