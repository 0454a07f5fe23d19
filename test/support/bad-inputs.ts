import { MODULE_INPUTS, ModuleInput, ModuleVariant, moduleInputs } from '../../lib';

export type InputValue = string | number | Record<string, string>;

/** A value that breaks exactly one rule of an input: `rule` is its index in the input's rules. */
export interface BadInput {
  readonly value: InputValue;
  readonly rule: number;
}

/** Bad values for every input that has rules; a test checks that none is missing. */
export const BAD_INPUTS: Readonly<Record<string, readonly BadInput[]>> = {
  role_name: [
    { value: 'bad name!', rule: 0 },
    { value: '', rule: 0 },
    { value: 'r'.repeat(65), rule: 0 },
  ],
  path: [
    { value: 'no-slashes', rule: 0 },
    { value: '/with space/', rule: 0 },
  ],
  description: [{ value: 'rocket \u{1F680}', rule: 0 }],
  permissions_boundary: [{ value: 'arn:aws:iam::123456789012:role/boundary', rule: 0 }],
  max_session_duration: [
    { value: 100, rule: 0 },
    { value: 3600.5, rule: 0 },
    { value: 50000, rule: 0 },
  ],
  tags: [
    { value: { 'aws:team': 'platform' }, rule: 0 },
    { value: { team: 'v'.repeat(257) }, rule: 0 },
    { value: { owner: '<platform>' }, rule: 0 },
    { value: { 'cost`centre': '42' }, rule: 0 },
  ],
  policy_name: [{ value: 'bad name', rule: 0 }],
  kms_key_arn: [
    { value: 'alias/sessions', rule: 0 },
    { value: 'arn:aws:kms:us-east-1:111122223333:alias/sessions', rule: 0 },
    { value: '1234abcd-12ab-34cd-56ef-1234567890ab', rule: 0 },
  ],
  s3_bucket_name: [
    { value: 'Bad_Bucket', rule: 0 },
    { value: 'logs..bucket', rule: 1 },
    { value: '192.168.1.10', rule: 2 },
    { value: 'xn--session-logs', rule: 3 },
  ],
  s3_key_prefix: [
    { value: '/sessions', rule: 0 },
    { value: 'sessions*', rule: 1 },
    { value: 'p'.repeat(901), rule: 2 },
  ],
  s3_bucket_owner_account_id: [{ value: '12345', rule: 0 }],
  s3_kms_key_arn: [{ value: 'alias/session-logs', rule: 0 }],
  cloudwatch_log_group_name: [{ value: 'bad group!', rule: 0 }],
};

export function expectedMessage(input: ModuleInput, bad: BadInput): string {
  return `${input.name} must ${input.rules![bad.rule].requirement}.`;
}

/**
 * Groups the bad values of a variant into rounds: round k holds the k-th bad value of every input that has one, so a
 * single `terraform plan` checks one rule of many inputs at once.
 */
export function badInputRounds(variant: ModuleVariant): Map<ModuleInput, BadInput>[] {
  const inputs = moduleInputs(variant).filter((input) => BAD_INPUTS[input.name]);
  const rounds = Math.max(...inputs.map((input) => BAD_INPUTS[input.name].length));
  return Array.from({ length: rounds }, (_, round) => {
    const entries = inputs
      .filter((input) => BAD_INPUTS[input.name][round])
      .map((input) => [input, BAD_INPUTS[input.name][round]] as const);
    return new Map(entries);
  });
}

export const INPUTS_WITH_RULES = MODULE_INPUTS.filter((input) => (input.rules ?? []).length > 0);
