import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { MatrixConfig, ResolvedAccount } from './config';
import { canonicalJson } from './fingerprint';
import { rootConfiguration } from './root-module';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Folders inside a module folder that are Terraform's own working files, not module content. */
const NOT_CONTENT = new Set(['.terraform', '.git']);

/**
 * SHA-256 of a module folder's content: every file's path (relative, `/`-separated) and bytes, in path order. The
 * folder's place on disk does not count, so the same module installed elsewhere has the same digest.
 */
export function moduleContentDigest(directory: string): string {
  const hash = createHash('sha256');
  for (const file of filesBelow(directory)) {
    const path = relative(directory, file).split(sep).join('/');
    hash.update(`${path}\0${sha256(readFileSync(file))}\n`);
  }
  return hash.digest('hex');
}

function filesBelow(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => !NOT_CONTENT.has(entry.name))
    .flatMap((entry) => {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) return filesBelow(path);
      return entry.isFile() ? [path] : [];
    })
    .sort();
}

/**
 * Digests of what decides each account's plan apart from AWS and the state: the root configuration the engine
 * generates for it (module inputs, variant, provider settings, backend, a remote module's source and version) and,
 * for a local module, the module's content. Equal digests mean Terraform is given the same configuration. A remote
 * module is covered by its source and version only: pin a commit or an exact version for the digest to cover its
 * content. Module folders are read once, however many accounts share them.
 */
export class ConfigDigests {
  private readonly modules = new Map<string, string>();

  /** The effective configuration digest of one account. */
  account(account: ResolvedAccount): string {
    const local = account.module.localDirectory;
    // The root configuration names a local module by a path relative to the working directory: generated here
    // relative to the module's own parent, so the digest does not depend on where the module or the work dir sit.
    const configuration = rootConfiguration(account, dirname(local ?? '/'));
    const content = local === undefined ? null : this.module(local);
    return sha256(canonicalJson({ configuration, module_content: content }));
  }

  /**
   * The digest of a whole config: every account's id with its digest, in id order. Equal for every shard of one
   * config, whichever accounts a shard runs.
   */
  config(config: MatrixConfig): string {
    const lines = config.accounts.map((account) => `${account.id} ${this.account(account)}`).sort();
    return sha256(lines.join('\n'));
  }

  private module(directory: string): string {
    let digest = this.modules.get(directory);
    if (digest === undefined) {
      digest = moduleContentDigest(directory);
      this.modules.set(directory, digest);
    }
    return digest;
  }
}
