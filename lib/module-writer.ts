import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SessionManagerModuleStack } from './session-manager-module';
import { moduleReadme } from './private/module-readme';
import { splitModule } from './private/terraform-json';

/** The files of one generated module, by file name: the `*.tf.json` files and the README. */
export function moduleFiles(stack: SessionManagerModuleStack): Map<string, string> {
  const files = splitModule(stack.toTerraform());
  files.set('README.md', moduleReadme(stack.kind));
  return files;
}

/** What only a project folder holds: a writer pointed at one by mistake must not empty it. */
const PROJECT_MARKERS = ['package.json', '.git'];

/**
 * Writes generated files into `directory`, by path relative to it (`modules/x/main.tf.json`), replacing what was
 * there: a file the generator no longer produces must not linger in a published module. Dot files and folders (a
 * local `.terraform/`, a lock file) are left alone at every depth. The folder must hold generated files only; one
 * that looks like a project (package.json, .git) is refused before anything is removed.
 */
export function writeModule(files: ReadonlyMap<string, string>, directory: string): void {
  const marker = PROJECT_MARKERS.find((name) => existsSync(join(directory, name)));
  if (marker) throw new Error(`Refusing to write generated files into ${directory}: it holds ${marker}, so it is not a generated folder.`);
  removeStale(directory, '', new Set(files.keys()));
  for (const [path, content] of files) {
    mkdirSync(dirname(join(directory, path)), { recursive: true });
    writeFileSync(join(directory, path), content);
  }
}

/** Removes what is under `directory/prefix` and is neither a generated path nor the folder of one. */
function removeStale(directory: string, prefix: string, generated: ReadonlySet<string>): void {
  const folder = join(directory, prefix);
  if (!existsSync(folder)) return;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    const holdsGenerated = entry.isDirectory() && [...generated].some((file) => file.startsWith(`${path}/`));
    if (holdsGenerated) removeStale(directory, path, generated);
    else if (!generated.has(path)) rmSync(join(directory, path), { recursive: true });
  }
}
