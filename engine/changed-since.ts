import { dirname, relative, sep } from 'node:path';
import { MatrixConfig, ResolvedAccount } from './config';
import { ConfigError, LoadOptions, parseConfig } from './config-loader';
import { canonicalJson } from './fingerprint';
import { git } from './git';
import { rootConfiguration } from './root-module';

/** Which accounts differ from a git revision, and why; the rest can be skipped by a plan. */
export interface ChangedAccounts {
  readonly ref: string;
  /** The commit the ref named. */
  readonly commit: string;
  /** Account id -> what changed. Accounts absent here are unchanged. */
  readonly changed: ReadonlyMap<string, string>;
}

/**
 * Compares every account's effective configuration with the one it had at `ref`: the root configuration the engine
 * generates for it (module inputs, variant, provider settings, backend, a remote source and its version) and the
 * content of its module folder when that folder is inside the repository (this repository's own `modules/`, or a
 * local `module.source`). A module folder outside the repository (the modules shipped with an installed release)
 * counts as unchanged: it changes only with the release.
 */
export async function changedAccounts(config: MatrixConfig, ref: string, options: LoadOptions): Promise<ChangedAccounts> {
  const configDir = dirname(config.path);
  const root = (await git(configDir, ['rev-parse', '--show-toplevel'])).trim();
  const commit = (await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => '')).trim();
  if (!commit) throw new Error(`changed since "${ref}": that is not a commit of the repository at ${root} (in a shallow clone, fetch it first)`);

  const everything = (reason: string) => ({ ref, commit, changed: new Map(config.accounts.map((account) => [account.id, reason])) });
  const configPath = relative(root, config.path).split(sep).join('/');
  const oldText = await git(root, ['show', `${commit}:${configPath}`]).catch(() => undefined);
  if (oldText === undefined) return everything(`the config file did not exist at ${ref}`);
  let old: MatrixConfig;
  try {
    old = parseConfig(oldText, config.path, options);
  } catch (error) {
    if (error instanceof ConfigError) return everything(`the config at ${ref} was not valid`);
    throw error;
  }

  const oldById = new Map(old.accounts.map((account) => [account.id, account]));
  const moduleChanged = new Map<string, Promise<boolean>>();
  const contentChanged = (directory: string) => {
    if (!moduleChanged.has(directory)) moduleChanged.set(directory, moduleContentChanged(root, commit, directory));
    return moduleChanged.get(directory)!;
  };
  const changed = new Map<string, string>();
  for (const account of config.accounts) {
    const before = oldById.get(account.id);
    const reasons = before ? differences(before, account) : ['new account'];
    if (account.module.localDirectory && (await contentChanged(account.module.localDirectory))) reasons.push('module content');
    if (reasons.length > 0) changed.set(account.id, reasons.join(', '));
  }
  return { ref, commit, changed };
}

/** The accounts a run can skip, each with the reason the result gives: unchanged since the revision. */
export function unchangedAccounts(config: MatrixConfig, changes: ChangedAccounts): Map<string, string> {
  const reason = `unchanged since ${changes.ref} (${changes.commit.slice(0, 7)})`;
  return new Map(config.accounts.filter((account) => !changes.changed.has(account.id)).map((account) => [account.id, reason]));
}

/** The parts of an account's root configuration that differ, named as a reader of a plan comment would. */
function differences(before: ResolvedAccount, after: ResolvedAccount): string[] {
  // Each side relative to its own module folder, so a local module compares equal wherever it sits: a local
  // module's content is compared on its own (moduleContentChanged), and a moved folder shows there.
  const a = rootConfiguration(before, dirname(before.module.localDirectory ?? '/'));
  const b = rootConfiguration(after, dirname(after.module.localDirectory ?? '/'));
  const parts: [string, (configuration: Record<string, unknown>) => unknown][] = [
    ['module inputs or source', (configuration) => configuration.module],
    ['provider settings', (configuration) => configuration.provider],
    ['backend or Terraform settings', (configuration) => configuration.terraform],
  ];
  const reasons = parts.filter(([, part]) => canonicalJson(part(a)) !== canonicalJson(part(b))).map(([reason]) => reason);
  if (before.variant !== after.variant) reasons.unshift(`variant ${before.variant} -> ${after.variant}`);
  return reasons;
}

/**
 * Whether a module folder inside the repository differs between the commit and the working tree, as git sees it:
 * tracked files changed or deleted, or files git does not ignore added (a local `.terraform/` is ignored).
 */
async function moduleContentChanged(root: string, commit: string, directory: string): Promise<boolean> {
  const path = relative(root, directory);
  if (path.startsWith('..') || path === '') return false;
  const pathspec = path.split(sep).join('/');
  // Exit 1 is a difference; any other failure also counts as one, since planning an account too many is harmless.
  const differs = await git(root, ['diff', '--quiet', commit, '--', pathspec]).then(() => false, () => true);
  return differs || (await git(root, ['ls-files', '--others', '--exclude-standard', '--', pathspec])).trim() !== '';
}
