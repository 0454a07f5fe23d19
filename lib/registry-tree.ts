import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY_REPOSITORY_NAME } from './module-inputs';
import { moduleFiles } from './module-writer';
import { SessionManagerModuleStack } from './session-manager-module';

/** What the registry tree is made of, besides the modules it generates. */
export interface RegistryTreeSources {
  /** The root module's stack. */
  readonly root: SessionManagerModuleStack;
  /** The variants' stacks: the submodules under modules/. */
  readonly variants: readonly SessionManagerModuleStack[];
  /** Terraform examples by folder name, their files by name, as this repository holds them (see readExamples). */
  readonly examples: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Text of the license the tree is published under. */
  readonly license: string;
}

/** How an example of this repository refers to the root module: the tree's folder, next to examples/. */
const ROOT_SOURCE_IN_REPOSITORY = `"../../${REGISTRY_REPOSITORY_NAME}"`;
/** ...and how it does in the tree, where the root module is the repository root. */
const ROOT_SOURCE_IN_TREE = '"../../"';

/**
 * The files of the repository the Terraform Registry publishes, by path: the root module and its README at the top,
 * LICENSE, the variants under modules/ (the same files as this repository's modules/), and the examples, whose
 * `source = "../../terraform-aws-session-manager-role"` becomes `"../../"`.
 */
export function registryTreeFiles(sources: RegistryTreeSources): Map<string, string> {
  const tree = new Map<string, string>();
  for (const [name, content] of moduleFiles(sources.root)) tree.set(name, content);
  tree.set('LICENSE', sources.license);
  for (const stack of sources.variants) {
    for (const [name, content] of moduleFiles(stack)) tree.set(`modules/${stack.moduleName}/${name}`, content);
  }
  for (const [example, files] of [...sources.examples].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [name, content] of files) tree.set(`examples/${example}/${name}`, content.split(ROOT_SOURCE_IN_REPOSITORY).join(ROOT_SOURCE_IN_TREE));
  }
  return tree;
}

/**
 * The Terraform examples under `directory`: folders holding a main.tf, with their `.tf` and `.md` files (never local
 * state, lock files or `.terraform/`). Other folders (workflows to copy) are not Terraform and stay out.
 */
export function readExamples(directory: string): Map<string, Map<string, string>> {
  const examples = new Map<string, Map<string, string>>();
  for (const name of readdirSync(directory).sort()) {
    const folder = join(directory, name);
    if (!existsSync(join(folder, 'main.tf'))) continue;
    const files = readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isFile() && /\.(tf|md)$/.test(entry.name))
      .map((entry) => entry.name)
      .sort();
    examples.set(name, new Map(files.map((file) => [file, readFileSync(join(folder, file), 'utf8')])));
  }
  return examples;
}
