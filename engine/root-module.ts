import { relative, sep } from 'node:path';
import { MINIMUM_TERRAFORM_VERSION } from './terraform-setup';
import { ResolvedAccount, ResolvedBackend } from './config';

/** Name of the module block in every generated root configuration: part of every resource address. */
export const MODULE_BLOCK = 'session_manager_role';

/** Session name the backend uses for the state account: a backend block cannot take variables. */
export const STATE_SESSION_NAME = 'session-manager-role-state';

/** Module outputs the root configuration passes on: what a reader of a result wants to find. */
const ROOT_OUTPUTS = ['arn', 'name', 'instance_profile_name', 'policy_arn'];

/**
 * The root configuration (main.tf.json) of one account: the module call, the AWS provider that assumes the
 * account's role, and the backend. The run's assume-role session name is a variable, so that the file, and with it
 * `init`, stays the same from run to run.
 */
export function rootConfiguration(account: ResolvedAccount, workingDirectory: string): Record<string, unknown> {
  const inputs = Object.fromEntries(Object.entries(account.inputs).filter(([, value]) => value !== null));
  return {
    terraform: {
      required_version: `>= ${MINIMUM_TERRAFORM_VERSION}`,
      required_providers: { aws: { source: 'hashicorp/aws', ...(account.awsProviderVersion ? { version: account.awsProviderVersion } : {}) } },
      backend: backendBlock(account.backend),
    },
    variable: {
      session_name: { type: 'string', nullable: false, description: 'Name of the assume-role session: identifies the run in CloudTrail.' },
    },
    provider: { aws: [providerBlock(account)] },
    module: {
      [MODULE_BLOCK]: {
        source: moduleSource(account, workingDirectory),
        ...(account.module.version ? { version: account.module.version } : {}),
        ...inputs,
      },
    },
    output: Object.fromEntries(ROOT_OUTPUTS.map((name) => [name, { value: `\${module.${MODULE_BLOCK}.${name}}` }])),
  };
}

function providerBlock(account: ResolvedAccount): Record<string, unknown> {
  return {
    region: account.region,
    // The provider refuses to touch any other account, whatever the role turns out to be.
    allowed_account_ids: [account.id],
    assume_role: [
      {
        role_arn: account.roleArn,
        session_name: '${var.session_name}',
        ...(account.externalId ? { external_id: account.externalId } : {}),
      },
    ],
    ...(Object.keys(account.tags).length > 0 ? { default_tags: [{ tags: account.tags }] } : {}),
    ...(account.endpoints ? { endpoints: [account.endpoints] } : {}),
  };
}

function backendBlock(backend: ResolvedBackend): Record<string, unknown> {
  if (backend.type === 'local') return { local: { path: backend.path } };
  const { bucket, key, region, encrypt, kms_key_id, role_arn, external_id, endpoints, use_path_style } = backend.settings;
  return {
    s3: {
      bucket,
      key,
      region,
      encrypt,
      use_lockfile: true,
      ...(kms_key_id ? { kms_key_id } : {}),
      ...(use_path_style ? { use_path_style } : {}),
      ...(endpoints ? { endpoints } : {}),
      ...(role_arn ? { assume_role: { role_arn, session_name: STATE_SESSION_NAME, ...(external_id ? { external_id } : {}) } } : {}),
    },
  };
}

/** Local modules are referenced by a relative path, which Terraform reads in place (no copy, no `init` on change). */
function moduleSource(account: ResolvedAccount, workingDirectory: string): string {
  if (!account.module.localDirectory) return account.module.source;
  const path = relative(workingDirectory, account.module.localDirectory).split(sep).join('/');
  return path.startsWith('../') ? path : `./${path}`;
}
