import { stringify } from 'yaml';
import { AccountEntry, MatrixConfigFile } from '../engine/config';
import { AwsEmulator, EmulatorAccount } from '.';

/**
 * The provider release the tests and the demo run: the one `@cdktf/provider-aws` is built on (docs/decisions.md),
 * pinned so that a machine that downloads providers runs what a machine with a mirror runs.
 */
export const TESTED_AWS_PROVIDER_VERSION = '5.100.0';

/** The static key every matrix run against the emulator starts from (account 111111111111). */
export const EMULATOR_KEY = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
export const STATE_ACCOUNT = '999999999999';
export const STATE_BUCKET = 'org-tfstate';

/**
 * An emulator set up as a matrix needs it: the key's own account, target accounts whose `terraform` role may be
 * assumed (others as given), and a state account whose `state` role owns the state bucket.
 */
export function startMatrixEmulator(targets: readonly string[], others: readonly EmulatorAccount[] = []): Promise<AwsEmulator> {
  return AwsEmulator.start({
    credentials: [{ accessKeyId: EMULATOR_KEY.AWS_ACCESS_KEY_ID, accountId: '111111111111' }],
    accounts: [...targets.map((id) => ({ id, assumableRoles: ['terraform'] })), ...others, { id: STATE_ACCOUNT, assumableRoles: ['state'] }],
    buckets: [{ name: STATE_BUCKET, accountId: STATE_ACCOUNT, region: 'eu-west-1' }],
  });
}

/**
 * A matrix config for the emulator: its endpoints, state in its bucket, the role names taken from the account names,
 * and the AWS provider version the tests were written against.
 */
export function emulatorMatrixConfig(endpoint: string, accounts: readonly AccountEntry[], tags?: Readonly<Record<string, string>>): string {
  const config: MatrixConfigFile = {
    version: 1,
    // The provider whose behaviour the expected plans and drift were recorded from, with or without a mirror.
    terraform: { aws_provider_version: TESTED_AWS_PROVIDER_VERSION },
    defaults: {
      region: 'eu-west-1',
      role_arn: 'arn:aws:iam::{account_id}:role/terraform',
      inputs: { role_name: 'ssm-{name}' },
      ...(tags ? { tags } : {}),
      endpoints: { iam: endpoint, sts: endpoint },
    },
    backend: {
      s3: {
        bucket: STATE_BUCKET,
        region: 'eu-west-1',
        role_arn: `arn:aws:iam::${STATE_ACCOUNT}:role/state`,
        use_path_style: true,
        endpoints: { s3: endpoint, sts: endpoint },
      },
    },
    accounts,
  };
  return stringify(config);
}
