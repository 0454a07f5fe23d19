/**
 * The tree the release publishes as terraform-aws-session-manager-role, the repository the Terraform Registry reads:
 * it is what a fresh synth produces, it follows the registry's structure rules, its root module and every example
 * initialize and validate under the real Terraform CLI, and the root module plans exactly what the matching submodule
 * plans against the AWS emulator. Its permissions are proven in permissions.test.ts, with the submodules'.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { App } from 'cdktf';
import {
  MODULE_VARIANTS,
  REGISTRY_REPOSITORY_NAME,
  SessionManagerModuleStack,
  moduleName,
  readExamples,
  registryTreeFiles,
} from '../lib';
import { AwsEmulator } from '../emulator';
import { terraformOk, writeAwsProvider } from './support/terraform';

const REPO = join(__dirname, '..');
const TREE = join(REPO, REGISTRY_REPOSITORY_NAME);

/** Every file under `dir` by path relative to it (posix separators), dot files and folders left out. */
function filesUnder(dir: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of readdirSync(join(dir, prefix)).filter((entry) => !entry.startsWith('.'))) {
    const path = prefix ? `${prefix}/${name}` : name;
    if (statSync(join(dir, path)).isDirectory()) for (const [child, content] of filesUnder(dir, path)) files.set(child, content);
    else files.set(path, readFileSync(join(dir, path), 'utf8'));
  }
  return files;
}

const committed = filesUnder(TREE);
const isTerraform = (path: string) => /\.tf(\.json)?$/.test(path);
const folderOf = (path: string) => posix.dirname(path);
const terraformFolders = [...new Set([...committed.keys()].filter(isTerraform).map(folderOf))].sort();
const EXAMPLES = terraformFolders.filter((folder) => folder.startsWith('examples/'));

test(`the committed ${REGISTRY_REPOSITORY_NAME}/ is what a fresh synth produces (run \`npm run synth\`)`, () => {
  const app = new App();
  const fresh = registryTreeFiles({
    root: new SessionManagerModuleStack(app, 'root'),
    variants: MODULE_VARIANTS.map((variant) => new SessionManagerModuleStack(app, variant)),
    examples: readExamples(join(REPO, 'examples')),
    license: readFileSync(join(REPO, 'LICENSE'), 'utf8'),
  });
  expect(new Map([...committed].sort())).toEqual(new Map([...fresh].sort()));
});

describe('the registry\'s structure rules', () => {
  test('a root module with its README and the license at the top', () => {
    expect(terraformFolders[0]).toBe('.');
    const rootFiles = [...committed.keys()].filter((path) => !path.includes('/')).sort();
    expect(rootFiles).toEqual(['LICENSE', 'README.md', 'main.tf.json', 'outputs.tf.json', 'variables.tf.json', 'versions.tf.json']);
    expect(committed.get('LICENSE')).toBe(readFileSync(join(REPO, 'LICENSE'), 'utf8'));
    expect(committed.get('LICENSE')).toMatch(/Apache License\s+Version 2\.0/);
    expect(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).license).toBe('Apache-2.0');
  });

  test('Terraform only in the root, in modules/<name>/ and in examples/<name>/', () => {
    const misplaced = terraformFolders.filter((folder) => folder !== '.' && !/^(modules|examples)\/[^/]+$/.test(folder));
    expect(misplaced).toEqual([]);
    expect(terraformFolders.filter((folder) => folder.startsWith('modules/'))).toEqual(MODULE_VARIANTS.map((variant) => `modules/${moduleName(variant)}`).sort());
  });

  test('each submodule has its README and is this repository\'s module of the same name, file for file', () => {
    for (const variant of MODULE_VARIANTS) {
      const name = moduleName(variant);
      const inTree = new Map([...committed].filter(([path]) => folderOf(path) === `modules/${name}`).map(([path, content]) => [posix.basename(path), content]));
      expect(inTree.has('README.md')).toBe(true);
      expect(inTree).toEqual(filesUnder(join(REPO, 'modules', name)));
    }
  });

  test('no module configures a provider or a backend: the caller does', () => {
    for (const folder of terraformFolders.filter((candidate) => !candidate.startsWith('examples/'))) {
      const blocks = [...committed].filter(([path]) => folderOf(path) === folder && path.endsWith('.tf.json')).map(([, content]) => JSON.parse(content));
      expect(blocks.flatMap((block) => Object.keys(block)).filter((key) => !['terraform', 'variable', 'locals', 'data', 'resource', 'output'].includes(key))).toEqual([]);
      expect(blocks.flatMap((block) => Object.keys(block.terraform ?? {})).filter((key) => !['required_version', 'required_providers'].includes(key))).toEqual([]);
    }
  });

  test('the examples are this repository\'s, and call only modules inside the tree', () => {
    expect(EXAMPLES).toEqual(['examples/logging', 'examples/logging-cross-account-bucket', 'examples/minimal', 'examples/minimal-kms']);
    expect(EXAMPLES.map((folder) => folder.replace('examples/', ''))).toEqual([...readExamples(join(REPO, 'examples')).keys()]);
    const modules = new Set(['.', ...terraformFolders.filter((folder) => folder.startsWith('modules/'))]);
    for (const example of EXAMPLES) {
      const sources = [...committed.get(`${example}/main.tf`)!.matchAll(/^\s*source\s*=\s*"([^"]+)"/gm)].map((match) => match[1]);
      const moduleSources = sources.filter((source) => source !== 'hashicorp/aws');
      expect(moduleSources.length).toBeGreaterThan(0);
      for (const source of moduleSources) expect({ example, source, inTree: modules.has(posix.normalize(posix.join(example, source)).replace(/(.)\/$/, '$1')) }).toEqual({ example, source, inTree: true });
    }
    // The opinionated entry point is what most examples show.
    expect(EXAMPLES.filter((example) => committed.get(`${example}/main.tf`)!.includes('source = "../../"'))).toHaveLength(3);
  });
});

describe('under Terraform', () => {
  let workdir: string;
  let emulator: AwsEmulator;

  beforeAll(async () => {
    // The tree as the registry (or a git source) hands it to Terraform: a folder of its own.
    workdir = mkdtempSync(join(tmpdir(), 'smr-registry-'));
    cpSync(TREE, join(workdir, REGISTRY_REPOSITORY_NAME), { recursive: true });
    emulator = await AwsEmulator.start({ credentials: [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', accountId: '111111111111' }] });
  });

  afterAll(async () => {
    await emulator?.close();
    if (workdir) rmSync(workdir, { recursive: true, force: true });
  });

  // Validating an example validates the root module and the submodules it calls with it.
  test.each(EXAMPLES)('%s initializes and validates', async (folder) => {
    const dir = join(workdir, REGISTRY_REPOSITORY_NAME, folder);
    await terraformOk(dir, ['init', '-backend=false', '-input=false', '-no-color']);
    const validation = JSON.parse(await terraformOk(dir, ['validate', '-json', '-no-color']));
    expect(validation).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
  });

  test('the root module plans what the matching submodule plans, with and without log destinations', async () => {
    const tree = join(workdir, REGISTRY_REPOSITORY_NAME);
    const minimalInputs = { role_name: 'app-session-manager', kms_key_arn: 'arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555', tags: { team: 'platform' } };
    const loggingInputs = {
      ...minimalInputs,
      s3_bucket_name: 'example-session-logs',
      s3_key_prefix: 'sessions/',
      s3_bucket_owner_account_id: '444455556666',
      s3_kms_key_arn: 'arn:aws:kms:us-east-1:444455556666:key/mrk-0123456789abcdef0123456789abcdef',
      cloudwatch_log_group_name: '/ssm/sessions',
    };
    const calls = {
      root_minimal: { source: tree, ...minimalInputs },
      minimal: { source: join(tree, 'modules', moduleName('minimal')), ...minimalInputs },
      root_logging: { source: tree, ...loggingInputs },
      logging: { source: join(tree, 'modules', moduleName('logging')), ...loggingInputs },
    };
    const dir = join(workdir, 'plan');
    mkdirSync(dir);
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ module: calls }, null, 2));
    writeAwsProvider(dir, { endpoint: emulator.endpoint });
    await terraformOk(dir, ['init', '-backend=false', '-input=false', '-no-color']);
    await terraformOk(dir, ['plan', '-input=false', '-lock=false', '-no-color', '-out', 'plan.tfplan']);
    const plan = JSON.parse(await terraformOk(dir, ['show', '-json', 'plan.tfplan']));

    interface Change { address: string; module_address: string; change: Record<string, unknown> }
    /** What a module call plans, by address inside the module. */
    const planned = (call: string) =>
      Object.fromEntries(
        (plan.resource_changes as Change[])
          .filter((change) => change.module_address === `module.${call}`)
          .map((change) => [change.address.replace(`module.${call}.`, ''), change.change]),
      );
    expect(Object.keys(planned('minimal')).sort()).toEqual([
      'aws_iam_instance_profile.this[0]',
      'aws_iam_policy.this',
      'aws_iam_role.this',
      'aws_iam_role_policies_exclusive.this',
      'aws_iam_role_policy_attachment.this',
      'aws_iam_role_policy_attachments_exclusive.this',
      'data.aws_iam_policy_document.pass_role',
    ]);
    expect(planned('root_minimal')).toEqual(planned('minimal'));
    expect(planned('root_logging')).toEqual(planned('logging'));

    // The two variants differ exactly by the logging statements, so the comparisons above compared something.
    const sids = (call: string) => JSON.parse((planned(call)['aws_iam_policy.this'].after as { policy: string }).policy).Statement.map((statement: { Sid: string }) => statement.Sid);
    expect(sids('root_minimal')).toEqual(['SessionManagerChannels', 'RegisterInstance', 'DecryptSessionData']);
    expect(sids('root_logging')).toEqual(expect.arrayContaining(['WriteSessionLogsToS3', 'GrantLogObjectsToBucketOwner', 'WriteSessionLogsToCloudWatch']));
  });
});
