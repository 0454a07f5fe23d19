/**
 * The environment Terraform (and with it every provider and module download) runs in: an allowlist, never the whole
 * environment of the caller. In a GitHub Actions step that environment holds the workflow's token (`INPUT_GITHUB-TOKEN`),
 * the OIDC request token and URL, and the runtime token for artifacts and caches; none of them is Terraform's business.
 */

/** Names passed as they are: the basics of a process, proxies and certificate authorities. */
const PASSED_NAMES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'TMPDIR',
  'TMP',
  'TEMP',
  'LANG',
  'LC_ALL',
  'TZ',
  // Terraform's implicit provider mirrors live under the XDG data directory.
  'XDG_DATA_HOME',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  // Git module sources over SSH.
  'SSH_AUTH_SOCK',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'CHECKPOINT_DISABLE',
]);

/**
 * Terraform's own settings that a user may have for good reason: where its CLI config and plugin cache are, registry
 * timeouts. Not passed: `TF_LOG*` (only on request, see `terraformLog`), `TF_CLI_ARGS*` and `TF_VAR_*` (they would
 * change what the engine runs), `TF_DATA_DIR` and `TF_WORKSPACE` (the engine owns the working directories).
 */
const PASSED_TERRAFORM_NAMES = new Set([
  'TF_CLI_CONFIG_FILE',
  'TF_PLUGIN_CACHE_DIR',
  'TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE',
  'TF_REGISTRY_DISCOVERY_RETRY',
  'TF_REGISTRY_CLIENT_TIMEOUT',
]);

/** Credentials for private registries and module hosts (`TF_TOKEN_app_terraform_io`): passed, and masked. */
const TERRAFORM_HOST_TOKEN = /^TF_TOKEN_/;

/** Never passed, even when named with `passEnv`: the runner's and the workflow's credentials. */
const FORBIDDEN = [/^INPUT_/i, /^ACTIONS_/i, /^GITHUB_TOKEN$/i, /^GH_TOKEN$/i];

/** Log levels Terraform's `TF_LOG` takes. */
export const TERRAFORM_LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'json'] as const;
export type TerraformLogLevel = (typeof TERRAFORM_LOG_LEVELS)[number];

export interface TerraformEnvironmentOptions {
  /** Sets `TF_LOG` for every Terraform run. Provider debug logs can hold credentials. @default no Terraform log */
  readonly terraformLog?: TerraformLogLevel;
  /** Further variables to pass by name, e.g. for a credential helper of a module source. @default none */
  readonly passEnv?: readonly string[];
}

/** A variable `passEnv` may not name, with the reason; undefined when it may. */
export function forbiddenPassEnv(name: string): string | undefined {
  return FORBIDDEN.some((pattern) => pattern.test(name)) ? `${name} is a credential of the runner or the workflow and is never passed to Terraform` : undefined;
}

/**
 * What Terraform gets from `base`: AWS settings and credentials (`AWS_*`), the names above, `TF_TOKEN_*`, and the
 * names the user passed. Everything else, the runner's tokens included, stays out.
 */
export function terraformEnvironment(base: NodeJS.ProcessEnv, options: TerraformEnvironmentOptions = {}): NodeJS.ProcessEnv {
  const extra = new Set((options.passEnv ?? []).filter((name) => forbiddenPassEnv(name) === undefined));
  const passed = (name: string) =>
    name.startsWith('AWS_') || PASSED_NAMES.has(name) || PASSED_TERRAFORM_NAMES.has(name) || TERRAFORM_HOST_TOKEN.test(name) || extra.has(name);
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(base).filter(([name, value]) => value !== undefined && passed(name)));
  if (options.terraformLog) env.TF_LOG = options.terraformLog.toUpperCase();
  return env;
}

/** Values in the environment that are credentials: what an adapter masks in its logs. */
export function environmentSecrets(env: NodeJS.ProcessEnv): string[] {
  const secret = (name: string) => ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'].includes(name) || TERRAFORM_HOST_TOKEN.test(name);
  return Object.entries(env)
    .filter(([name, value]) => secret(name) && value !== undefined && value !== '')
    .map(([, value]) => value as string);
}
