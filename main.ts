import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App } from 'cdktf';
import { publishedSchemas } from './engine/schemas';
import {
  MODULE_VARIANTS,
  REGISTRY_REPOSITORY_NAME,
  SessionManagerModuleStack,
  moduleFiles,
  readExamples,
  registryTreeFiles,
  writeModule,
} from './lib';

// Every stack is built (and every prop validated) before anything is written: bad input changes nothing.
// A reusable module has no provider block on purpose; cdktf's only check that applies here is provider presence.
const app = new App({ skipValidation: true });
const variants = MODULE_VARIANTS.map((variant) => new SessionManagerModuleStack(app, variant));
const root = new SessionManagerModuleStack(app, 'root');
const modules = variants.map((stack) => [stack.moduleName, moduleFiles(stack)] as const);
const registryTree = registryTreeFiles({
  root,
  variants,
  examples: readExamples(join(__dirname, 'examples')),
  license: readFileSync(join(__dirname, 'LICENSE'), 'utf8'),
});

for (const [name, content] of modules) writeModule(content, join(__dirname, 'modules', name));
// The tree the release publishes as the registry's repository; its folder holds nothing else.
writeModule(registryTree, join(__dirname, REGISTRY_REPOSITORY_NAME));

// The config and result schemas come from the same input table as the modules' variables.
for (const [path, content] of publishedSchemas()) {
  mkdirSync(dirname(join(__dirname, path)), { recursive: true });
  writeFileSync(join(__dirname, path), content);
}

// `cdktf synth` reads the stacks from cdktf.out; `npm run synth` needs only modules/.
if (process.env.CDKTF_OUTDIR) app.synth();
