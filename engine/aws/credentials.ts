import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import type { AwsCredentialIdentity } from '@smithy/types';
import { AwsEnvironment, CredentialProvider, NodeHttpHandlerOptions, clientSettings, serviceEndpoint } from './client-settings';

/** Where the credentials every assume-role starts from come from, or why the engine's SDK clients have none. */
export type BaseCredentials =
  | { readonly source: 'environment' | 'profile'; readonly provider: CredentialProvider }
  | { readonly source: 'none'; readonly reason: string };

/** Shortest session STS grants: the engine's reads take seconds, and what it does not hold cannot leak. */
const SESSION_SECONDS = 900;

/** Temporary credentials are renewed this long before they expire, as the SDK's own providers do. */
const RENEW_BEFORE_MS = 5 * 60_000;

/** Receives every secret the engine obtains, for the adapters to mask (the action calls core.setSecret). */
export type SecretSink = (value: string) => void;

/**
 * The credentials Terraform's AWS provider would start from, as far as the engine reads them itself: the static keys
 * of the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: what
 * aws-actions/configure-aws-credentials exports), else a profile of the shared files (AWS_PROFILE, or `default`;
 * SSO, credential_process and role chains included). Web identity files, container and instance credentials are not
 * read: with those the engine has no credentials of its own, and Terraform does all the work.
 */
export function baseCredentials(env: NodeJS.ProcessEnv, environment: AwsEnvironment, requestHandler: NodeHttpHandlerOptions, onSecret: SecretSink): BaseCredentials {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    const identity = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
    return { source: 'environment', provider: async () => identity };
  }
  const home = env.HOME;
  const credentialsFile = env.AWS_SHARED_CREDENTIALS_FILE || (home ? join(home, '.aws', 'credentials') : undefined);
  const configFile = env.AWS_CONFIG_FILE || (home ? join(home, '.aws', 'config') : undefined);
  const files = [credentialsFile, configFile].filter((file): file is string => file !== undefined && existsSync(file));
  if (files.length === 0) {
    return {
      source: 'none',
      reason: `no AWS credentials in the environment (AWS_ACCESS_KEY_ID) or in shared files${env.AWS_PROFILE ? ` for profile ${env.AWS_PROFILE}` : ''}; web identity, container and instance credentials are left to Terraform`,
    };
  }
  // A profile may send calls elsewhere (endpoint_url, a services section), where the engine's clients would not follow.
  if (files.some((file) => /^\s*(endpoint_url|services)\s*=/m.test(readFileSync(file, 'utf8')))) {
    return { source: 'none', reason: `the shared AWS config sets endpoint_url or services (${files.join(', ')}), which the engine's own AWS calls do not follow` };
  }
  const profile = fromIni({
    profile: env.AWS_PROFILE || 'default',
    filepath: credentialsFile,
    configFilepath: configFile,
    // The clients a profile needs (STS for a role_arn, SSO) get the engine's settings, not the process's.
    clientConfig: clientSettings({ region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1', endpoint: serviceEndpoint(environment, 'sts'), requestHandler }),
  });
  return { source: 'profile', provider: renewing(async () => reportSecrets(await profile(), onSecret)) };
}

/** A provider that keeps what `obtain` gave until shortly before it expires (for good, when it does not). */
function renewing(obtain: () => Promise<AwsCredentialIdentity>): () => Promise<AwsCredentialIdentity> {
  let held: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    const current = held ? await held.catch(() => undefined) : undefined;
    if (!current || (current.expiration !== undefined && current.expiration.getTime() - Date.now() < RENEW_BEFORE_MS)) held = obtain();
    return held!;
  };
}

function reportSecrets(identity: AwsCredentialIdentity, onSecret: SecretSink): AwsCredentialIdentity {
  onSecret(identity.accessKeyId);
  onSecret(identity.secretAccessKey);
  if (identity.sessionToken) onSecret(identity.sessionToken);
  return identity;
}

/** A role to assume, as a provider's or backend's `assume_role` block names it. */
export interface RoleToAssume {
  readonly roleArn: string;
  readonly externalId?: string;
  readonly sessionName: string;
  /** Region of the STS endpoint, and the endpoint itself when it is not AWS's. */
  readonly region: string;
  readonly stsEndpoint?: string;
}

/** Assumed-role credentials, and the ARN of the session they belong to. */
export interface AssumedRole {
  readonly credentials: CredentialProvider;
  /** `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`, as AssumeRole returned it. */
  readonly sessionArn: () => Promise<string>;
}

/**
 * Credentials of a role assumed through `sts` (a client with the base credentials): obtained on first use, renewed
 * before they expire, each secret reported to `onSecret` as soon as it is obtained.
 */
export function assumeRole(sts: STSClient, role: RoleToAssume, options: { readonly onSecret: SecretSink }): AssumedRole {
  let arn = '';
  const session = renewing(async () => {
    const { Credentials, AssumedRoleUser } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: role.roleArn,
        RoleSessionName: role.sessionName,
        DurationSeconds: SESSION_SECONDS,
        ...(role.externalId ? { ExternalId: role.externalId } : {}),
      }),
    );
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey || !AssumedRoleUser?.Arn) throw new Error(`AssumeRole ${role.roleArn} returned no credentials`);
    arn = AssumedRoleUser.Arn;
    return reportSecrets(
      { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken, expiration: Credentials.Expiration },
      options.onSecret,
    );
  });
  return {
    credentials: session,
    sessionArn: async () => {
      await session();
      return arn;
    },
  };
}
