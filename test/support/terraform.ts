import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TESTED_AWS_PROVIDER_VERSION } from '../../emulator/matrix';
import { mirrorCliConfig, providerMirror } from '../../engine/terraform-setup';

let cliEnvironment: NodeJS.ProcessEnv | undefined;

/**
 * Environment for running Terraform in tests: a CLI config of our own (installing hashicorp/aws from the mirror when
 * there is one), no checkpoint calls, no prompts, and no AWS settings inherited from the machine.
 */
export function terraformEnvironment(): NodeJS.ProcessEnv {
  if (!cliEnvironment) {
    const dir = mkdtempSync(join(tmpdir(), 'smr-terraform-cli-'));
    // The engine's own mirror configuration (`.ci/run` finds a mirror on the machine).
    const mirror = providerMirror(process.env);
    writeFileSync(join(dir, 'terraform.rc'), mirror ? mirrorCliConfig(mirror) : '');
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
    cliEnvironment = {
      ...inherited,
      TF_CLI_CONFIG_FILE: join(dir, 'terraform.rc'),
      CHECKPOINT_DISABLE: '1',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
    };
  }
  return cliEnvironment;
}

export interface TerraformResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real Terraform CLI in `dir`; resolves with the exit code instead of throwing on failure. */
export function terraform(dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<TerraformResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'terraform',
      [...args],
      { cwd: dir, env: { ...terraformEnvironment(), ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(error);
          return;
        }
        resolve({ exitCode: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** Like `terraform`, but fails with Terraform's own output when the command fails. */
export async function terraformOk(dir: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const result = await terraform(dir, args, env);
  if (result.exitCode !== 0) {
    throw new Error(`terraform ${args.join(' ')} failed in ${dir} (exit ${result.exitCode}):\n${result.stderr}\n${result.stdout}`);
  }
  return result.stdout;
}

export { TESTED_AWS_PROVIDER_VERSION };

export interface AwsProviderOptions {
  /** Base URL of the local server every AWS API call goes to. */
  readonly endpoint: string;
  readonly region?: string;
  readonly accessKey?: string;
  readonly secretKey?: string;
  /** Provider alias, for configurations that reach several accounts. */
  readonly alias?: string;
  /** Role the provider assumes (sts:AssumeRole) before any other call. */
  readonly assumeRoleArn?: string;
}

/**
 * Writes `provider.tf.json` for the AWS provider: static test credentials, every IAM and STS call sent to the local
 * endpoint, and none of the provider's start-up lookups, so that a test controls every request the provider makes.
 */
export function writeAwsProvider(dir: string, ...providers: AwsProviderOptions[]): void {
  const provider = {
    terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: TESTED_AWS_PROVIDER_VERSION } } },
    provider: { aws: providers.map(awsProvider) },
  };
  writeFileSync(join(dir, 'provider.tf.json'), `${JSON.stringify(provider, null, 2)}\n`);
}

function awsProvider(options: AwsProviderOptions): Record<string, unknown> {
  return {
    ...(options.alias ? { alias: options.alias } : {}),
    region: options.region ?? 'us-east-1',
    access_key: options.accessKey ?? 'AKIAIOSFODNN7EXAMPLE',
    secret_key: options.secretKey ?? 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_region_validation: true,
    max_retries: 1,
    endpoints: [{ iam: options.endpoint, sts: options.endpoint }],
    ...(options.assumeRoleArn ? { assume_role: [{ role_arn: options.assumeRoleArn }] } : {}),
  };
}

/** Error diagnostics of a `terraform ... -json` run: summary and first line of detail. */
export function jsonDiagnostics(stdout: string): { summary: string; detail: string; filename?: string }[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .filter((message) => message.diagnostic?.severity === 'error')
    .map(({ diagnostic }) => ({
      summary: diagnostic.summary,
      detail: String(diagnostic.detail ?? '').split('\n')[0],
      filename: diagnostic.range?.filename,
    }));
}
