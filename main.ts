import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App } from 'cdktf';
import { publishedSchemas } from './engine/schemas';
import { MODULE_VARIANTS, SessionManagerModuleStack, moduleFiles, writeModule } from './lib';

// Every stack is built (and every prop validated) before anything is written: bad input changes nothing.
// A reusable module has no provider block on purpose; cdktf's only check that applies here is provider presence.
const app = new App({ skipValidation: true });
const modules = MODULE_VARIANTS.map((variant) => new SessionManagerModuleStack(app, variant));
const files = modules.map((stack) => [stack.moduleName, moduleFiles(stack)] as const);
for (const [name, content] of files) writeModule(content, join(__dirname, 'modules', name));

// The config and result schemas come from the same input table as the modules' variables.
for (const [path, content] of publishedSchemas()) {
  mkdirSync(dirname(join(__dirname, path)), { recursive: true });
  writeFileSync(join(__dirname, path), content);
}

// `cdktf synth` reads the stacks from cdktf.out; `npm run synth` needs only modules/.
if (process.env.CDKTF_OUTDIR) app.synth();
