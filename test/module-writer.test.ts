import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'cdktf';
import { MODULE_VARIANTS, SessionManagerModuleStack, moduleFiles, writeModule } from '../lib';
import { splitModule } from '../lib/private/terraform-json';

const REPO = join(__dirname, '..');

test.each(MODULE_VARIANTS)('the committed %s module is what a fresh synth produces (run `npm run synth`)', (variant) => {
  const stack = new SessionManagerModuleStack(new App(), variant);
  const dir = join(REPO, 'modules', stack.moduleName);
  const committed = new Map(readdirSync(dir).filter((name) => !name.startsWith('.')).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
  expect(committed).toEqual(moduleFiles(stack));
});

test('writing a module replaces stale files and leaves a local .terraform alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smr-writer-'));
  try {
    writeFileSync(join(dir, 'old.tf.json'), '{}');
    mkdirSync(join(dir, '.terraform'));
    writeModule(new Map([['main.tf.json', '{}\n']]), dir);
    expect(readdirSync(dir).sort()).toEqual(['.terraform', 'main.tf.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writing a tree replaces stale files and folders at every depth, and leaves dot folders alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smr-writer-'));
  try {
    mkdirSync(join(dir, 'examples', 'gone'), { recursive: true });
    mkdirSync(join(dir, 'examples', 'kept', '.terraform'), { recursive: true });
    writeFileSync(join(dir, 'examples', 'gone', 'main.tf'), '');
    writeFileSync(join(dir, 'examples', 'kept', 'old.tf'), '');
    writeModule(new Map([['main.tf.json', '{}\n'], ['examples/kept/main.tf', '# kept\n']]), dir);
    expect(readdirSync(dir, { recursive: true }).map(String).sort()).toEqual(['examples', 'examples/kept', 'examples/kept/.terraform', 'examples/kept/main.tf', 'main.tf.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the writer refuses a folder that holds a project, before removing anything', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smr-writer-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{}');
    writeFileSync(join(dir, 'main.ts'), '');
    expect(() => writeModule(new Map([['main.tf.json', '{}\n']]), dir)).toThrow(/Refusing to write generated files into .*: it holds package\.json/);
    expect(readdirSync(dir).sort()).toEqual(['main.ts', 'package.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stack carrying a provider or a backend is refused, not silently cleaned', () => {
  expect(() => splitModule({ provider: { aws: [{}] }, resource: {} })).toThrow(/must not contain provider/);
  expect(() => splitModule({ terraform: { backend: { local: {} } } })).toThrow(/must not contain backend/);
});

test('a CDKTF app with bad construct input fails naming the prop and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smr-bad-app-'));
  try {
    const app = join(dir, 'app.ts');
    writeFileSync(
      app,
      [
        `import { App, TerraformStack } from ${JSON.stringify(require.resolve('cdktf'))};`,
        `import { SessionManagerRole } from ${JSON.stringify(join(REPO, 'lib'))};`,
        `const app = new App({ outdir: ${JSON.stringify(join(dir, 'cdktf.out'))} });`,
        "new SessionManagerRole(new TerraformStack(app, 'stack'), 'ssm', { roleName: '' });",
        'app.synth();',
      ].join('\n'),
    );
    const run = promisify(execFile)(join(REPO, 'node_modules', '.bin', 'tsx'), [app], { cwd: REPO });
    await expect(run).rejects.toMatchObject({ stderr: expect.stringContaining('roleName must be 1 to 64 characters') });
    // cdktf's App creates its (empty) output folders up front; no file may be written into them.
    const outdir = join(dir, 'cdktf.out');
    const written = existsSync(outdir) ? readdirSync(outdir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()) : [];
    expect(written).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
