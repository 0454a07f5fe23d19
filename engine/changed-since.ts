import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { MatrixConfig, ResolvedAccount } from './config';
import { ConfigError, LoadOptions, parseConfig } from './config-loader';
import { canonicalJson } from './fingerprint';
import { rootConfiguration } from './root-module';

const git = async (cwd: string, args: string[]) => (await promisify(execFile)('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;

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
 * generates for it (module source and inputs, variant, provider settings, backend) and the content of the module it
 * uses, when that module is a folder of the same repository. A module outside the repository (the modules this
 * release ships, a registry or git source) counts as unchanged; its version is part of the root configuration.
 */
export async function changedAccounts(config: MatrixConfig, ref: string, options: LoadOptions): Promise<ChangedAccounts> {
  const configDir = dirname(config.path);
  const root = (await git(configDir, ['rev-parse', '--show-toplevel'])).trim();
  const commit = (await git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => '')).trim();
  if (!commit) throw new Error(`--changed-since: "${ref}" is not a commit of the repository at ${root} (in a shallow clone, fetch it first)`);

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
  // One fixed directory for both: relative module paths compare equal when the module folder is the same.
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

/** Whether the files of a module folder inside the repository differ between the commit and the working tree. */
async function moduleContentChanged(root: string, commit: string, directory: string): Promise<boolean> {
  const path = relative(root, directory);
  if (path.startsWith('..') || path === '') return false;
  const posixPath = path.split(sep).join('/');
  const committed = (await git(root, ['ls-tree', '-r', commit, '--', `${posixPath}/`]))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [meta, file] = line.split('\t');
      return `${file} ${meta.split(' ')[2]}`;
    });
  const files = listFiles(directory).map((file) => relative(root, file).split(sep).join('/'));
  const hashes = files.length === 0 ? [] : (await git(root, ['hash-object', '--', ...files])).split('\n').filter(Boolean);
  const current = files.map((file, index) => `${file} ${hashes[index]}`);
  return canonicalJson(committed.sort()) !== canonicalJson(current.sort());
}

/** Module files, as git would see them: no dot files (a local `.terraform/`). */
function listFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => {
      const path = join(directory, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}
