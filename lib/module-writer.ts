import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SessionManagerModuleStack } from './session-manager-module';
import { moduleReadme } from './private/module-readme';
import { splitModule } from './private/terraform-json';

/** The files of one generated module, by file name: the `*.tf.json` files and the README. */
export function moduleFiles(stack: SessionManagerModuleStack): Map<string, string> {
  const files = splitModule(stack.toTerraform());
  files.set('README.md', moduleReadme(stack.variant));
  return files;
}

/**
 * Writes the module into `directory`, replacing what was there: a file the generator no longer produces must not
 * linger in a published module. Dot files (a local `.terraform/`) are left alone.
 */
export function writeModule(files: ReadonlyMap<string, string>, directory: string): void {
  mkdirSync(directory, { recursive: true });
  for (const stale of readdirSync(directory).filter((name) => !files.has(name) && !name.startsWith('.'))) {
    rmSync(join(directory, stale), { recursive: true });
  }
  for (const [name, content] of files) writeFileSync(join(directory, name), content);
}
