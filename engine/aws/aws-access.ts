import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { ResolvedAccount, S3BackendSettings } from '../config';
import { STATE_SESSION_NAME } from '../root-module';
import { AwsEnvironment, CredentialProvider, NodeHttpHandlerOptions, awsEnvironment, clientSettings, httpHandlerOptions, s3Settings, serviceEndpoint } from './client-settings';
import { AssumedRole, BaseCredentials, RoleToAssume, SecretSink, assumeRole, baseCredentials } from './credentials';

/** The clients that read one account as its Terraform run does: the account's role, assumed with the run's session. */
export interface AccountClients {
  readonly iam: IAMClient;
  readonly sts: STSClient;
  /** The assumed session's ARN: names the account the credentials really belong to. */
  readonly sessionArn: () => Promise<string>;
}

/**
 * The engine's own access to AWS through the AWS SDK for JavaScript v3, with what Terraform would use: the same base
 * credentials, each account's `role_arn` and `external_id` assumed with the run's session name, the backend's own
 * role for the state bucket, the endpoints of the config (or of AWS_ENDPOINT_URL_*). Clients are built from the
 * environment given (the allowlisted one Terraform gets), never from process.env.
 */
export class AwsAccess {
  private readonly environment: AwsEnvironment;
  private readonly requestHandler: NodeHttpHandlerOptions;
  private readonly base: BaseCredentials;
  private readonly backends = new Map<string, S3Client>();
  private readonly baseSts = new Map<string, STSClient>();

  constructor(
    env: NodeJS.ProcessEnv,
    private readonly onSecret: SecretSink = () => undefined,
  ) {
    this.environment = awsEnvironment(env);
    this.requestHandler = httpHandlerOptions(this.environment);
    this.base = baseCredentials(env, this.environment, this.requestHandler, onSecret);
  }

  /** Why the engine cannot reach AWS itself, if it cannot: then only Terraform can. */
  get unavailable(): string | undefined {
    if (this.environment.proxy) return `the environment asks for a proxy (${this.environment.proxy}), which the engine's own AWS calls do not use`;
    return this.base.source === 'none' ? this.base.reason : undefined;
  }

  /** Clients for one account, under its role assumed with `sessionName` (a new session for every call). */
  account(account: ResolvedAccount, sessionName: string): AccountClients {
    const stsEndpoint = serviceEndpoint(this.environment, 'sts', account.endpoints?.sts);
    const role = this.assume({ roleArn: account.roleArn, externalId: account.externalId, sessionName, region: account.region, stsEndpoint });
    const settings = (endpoint: string | undefined) => clientSettings({ region: account.region, endpoint, credentials: role.credentials, requestHandler: this.requestHandler });
    return {
      iam: new IAMClient(settings(serviceEndpoint(this.environment, 'iam', account.endpoints?.iam))),
      sts: new STSClient(settings(stsEndpoint)),
      sessionArn: role.sessionArn,
    };
  }

  /**
   * An S3 client for a state bucket, as Terraform's S3 backend reaches it: its region and endpoints, path-style when
   * set, and its own role (with the backend's fixed session name) when it has one. One per backend role, shared by
   * the accounts whose state it holds.
   */
  backend(settings: S3BackendSettings): S3Client {
    const key = JSON.stringify([settings.role_arn, settings.external_id, settings.region, settings.endpoints, settings.use_path_style]);
    let client = this.backends.get(key);
    if (!client) {
      const credentials = settings.role_arn
        ? this.assume({
            roleArn: settings.role_arn,
            externalId: settings.external_id,
            sessionName: STATE_SESSION_NAME,
            region: settings.region,
            stsEndpoint: serviceEndpoint(this.environment, 'sts', settings.endpoints?.sts),
          }).credentials
        : this.baseProvider();
      const endpoint = serviceEndpoint(this.environment, 's3', settings.endpoints?.s3);
      client = new S3Client({ ...clientSettings({ region: settings.region, endpoint, credentials, requestHandler: this.requestHandler }), ...s3Settings(settings.use_path_style ?? false) });
      this.backends.set(key, client);
    }
    return client;
  }

  private assume(role: RoleToAssume): AssumedRole {
    return assumeRole(this.stsWithBase(role.region, role.stsEndpoint), role, { onSecret: this.onSecret });
  }

  /** One STS client with the base credentials per region and endpoint, shared by every assume-role of the run. */
  private stsWithBase(region: string, endpoint: string | undefined): STSClient {
    const key = `${region} ${endpoint ?? ''}`;
    let client = this.baseSts.get(key);
    if (!client) {
      client = new STSClient(clientSettings({ region, endpoint, credentials: this.baseProvider(), requestHandler: this.requestHandler }));
      this.baseSts.set(key, client);
    }
    return client;
  }

  private baseProvider(): CredentialProvider {
    if (this.base.source === 'none') throw new Error(this.base.reason);
    return this.base.provider;
  }
}
