import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { TerraformEnvironmentOptions, terraformEnvironment } from './terraform-environment';

/** Oldest Terraform the engine runs: S3-native state locking (`use_lockfile`) arrived in 1.10. */
export const MINIMUM_TERRAFORM_VERSION = '1.10.0';

/** The Terraform every account's run uses, and the environment it runs in. */
export interface TerraformSetup {
  readonly binary: string;
  readonly version: string;
  /** True when `terraform` on PATH is hashicorp/setup-terraform's wrapper and the real binary is used instead. */
  readonly bypassedWrapper: boolean;
  /** The allowlisted environment every Terraform process gets (see terraform-environment.ts). */
  readonly env: NodeJS.ProcessEnv;
  /** Text of the CLI config the engine wrote, if any: part of what decides whether a directory needs `init` again. */
  readonly cliConfig: string;
}

/**
 * Finds `terraform` on PATH. hashicorp/setup-terraform (with its default `terraform_wrapper: true`) puts a Node script
 * called `terraform` there that echoes the command and re-prints output, which corrupts `show -json`; the real
 * binary sits next to it as `terraform-bin`, and that is the one to run.
 */
export function findTerraform(env: NodeJS.ProcessEnv): { binary: string; bypassedWrapper: boolean } {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'terraform');
    if (!isExecutable(candidate)) continue;
    const real = join(dir, 'terraform-bin');
    return isExecutable(real) ? { binary: real, bypassedWrapper: true } : { binary: candidate, bypassedWrapper: false };
  }
  throw new Error('Terraform is not on PATH: install it (e.g. hashicorp/setup-terraform in a workflow) and try again.');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((version) => version.split(/[.-]/).slice(0, 3).map(Number));
  for (let i = 0; i < 3; i += 1) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/**
 * The Terraform environment for a run: only allowlisted variables of `baseEnv`, no prompts, no update checks, and
 * providers installed once for all accounts. With `TF_PROVIDER_MIRROR` (a folder holding `registry.terraform.io`),
 * providers come from that filesystem mirror through a CLI config the engine writes; otherwise from the user's usual
 * sources (CLI config, Terraform's implicit mirror directories, the registry) through a plugin cache shared by all
 * accounts.
 */
export async function prepareTerraform(workDir: string, baseEnv: NodeJS.ProcessEnv, options: TerraformEnvironmentOptions = {}): Promise<TerraformSetup> {
  const { binary, bypassedWrapper } = findTerraform(baseEnv);
  const allowed = terraformEnvironment(baseEnv, options);
  const { stdout } = await promisify(execFile)(binary, ['version', '-json'], { env: { ...allowed, CHECKPOINT_DISABLE: '1' } });
  const version = String(JSON.parse(stdout).terraform_version);
  if (compareVersions(version, MINIMUM_TERRAFORM_VERSION) < 0) {
    throw new Error(`Terraform ${version} is too old: session-manager-role needs ${MINIMUM_TERRAFORM_VERSION} or later (S3-native state locking).`);
  }
  const env: NodeJS.ProcessEnv = { ...allowed, TF_IN_AUTOMATION: '1', TF_INPUT: '0', CHECKPOINT_DISABLE: baseEnv.CHECKPOINT_DISABLE ?? '1' };
  let cliConfig = '';
  const mirror = providerMirror(baseEnv);
  if (mirror) {
    cliConfig = mirrorCliConfig(mirror);
    writeIfChanged(join(workDir, 'terraform.rc'), cliConfig);
    env.TF_CLI_CONFIG_FILE = join(workDir, 'terraform.rc');
  } else if (!env.TF_PLUGIN_CACHE_DIR) {
    env.TF_PLUGIN_CACHE_DIR = join(workDir, 'plugin-cache');
    mkdirSync(env.TF_PLUGIN_CACHE_DIR, { recursive: true });
  }
  return { binary, version, bypassedWrapper, env, cliConfig };
}

/**
 * Root of a filesystem mirror of registry.terraform.io providers, from `TF_PROVIDER_MIRROR`; undefined when unset
 * (Terraform then downloads providers as usual).
 */
export function providerMirror(env: NodeJS.ProcessEnv): string | undefined {
  const mirror = env.TF_PROVIDER_MIRROR;
  if (mirror && !existsSync(join(mirror, 'registry.terraform.io'))) {
    throw new Error(`TF_PROVIDER_MIRROR=${mirror} holds no registry.terraform.io folder: point it at the mirror's root.`);
  }
  return mirror || undefined;
}

/** A Terraform CLI configuration that installs registry providers from the mirror only. */
export function mirrorCliConfig(mirror: string): string {
  return [
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(mirror)}`,
    '    include = ["registry.terraform.io/*/*"]',
    '  }',
    '  direct {',
    '    exclude = ["registry.terraform.io/*/*"]',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Writes a file only when its content differs, so that an unchanged working directory stays unchanged. */
export function writeIfChanged(path: string, content: string): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false;
  writeFileSync(path, content);
  return true;
}
