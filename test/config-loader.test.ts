/**
 * The matrix config: every bad config of the corpus is rejected with exactly the problems its `# expect:` lines
 * name (file:line:column, account, field, message), by the real command line, before any Terraform process starts;
 * good configs resolve to what each account's run needs.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { main } from '../cli/main';
import { ConfigError, loadConfig, parseConfig } from '../engine/config-loader';
import { captureIo } from './support/cli';

const REPO = join(__dirname, '..');
const CORPUS = join(__dirname, 'fixtures', 'bad-configs');
const BUILT_IN = { builtInModules: join(REPO, 'modules') };

let sandbox: string;
let marker: string;

beforeAll(() => {
  // A `terraform` first on PATH that leaves a mark: proof that validation failed before any Terraform process.
  sandbox = mkdtempSync(join(tmpdir(), 'smr-config-'));
  marker = join(sandbox, 'terraform-was-started');
  writeFileSync(join(sandbox, 'terraform'), `#!/bin/sh\ntouch ${JSON.stringify(marker)}\nexit 1\n`);
  chmodSync(join(sandbox, 'terraform'), 0o755);
});

afterAll(() => rmSync(sandbox, { recursive: true, force: true }));

const JSON_EXPECTATIONS = [
  '6:61: defaults.inputs.max_session_duration: max_session_duration must be a whole number of seconds from 3600 (1 hour) to 43200 (12 hours).',
  '11:13: account dev: accounts[1].id: id must be a quoted string; YAML reads the unquoted 210987654321 as a number; write id: "210987654321"',
];

function expectations(file: string): string[] {
  if (file.endsWith('.json')) return JSON_EXPECTATIONS;
  return readFileSync(join(CORPUS, file), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('# expect: '))
    .map((line) => line.slice('# expect: '.length));
}

const corpus = readdirSync(CORPUS).sort();

test('the corpus covers every kind of mistake the issue names', () => {
  expect(corpus).toEqual(
    expect.arrayContaining(['syntax-error.yml', 'unknown-keys.yml', 'account-ids.yml', 'duplicates.yml', 'variants.yml', 'placeholders.yml', 'arns-and-regions.yml', 'module-inputs.yml', 'json-config.json']),
  );
  for (const file of corpus) expect(expectations(file).length).toBeGreaterThan(0);
});

describe.each(corpus)('%s', (file) => {
  const path = relative(process.cwd(), join(CORPUS, file));
  const expected = expectations(file).map((line) => `${path}:${line}`);

  test.each(['validate', 'plan', 'apply', 'drift'])('%s lists every problem and starts no Terraform', async (command) => {
    const io = captureIo({ PATH: `${sandbox}:${process.env.PATH}` });
    const run = command === 'validate' ? [] : ['--work-dir', join(sandbox, 'work')];
    const args = [command, ...(command === 'apply' ? ['--auto-approve'] : []), '-c', path, ...run];
    const code = await main(args, io);
    expect(code).toBe(1);
    expect(io.stderrLines().slice(0, -1)).toEqual(expected);
    expect(io.stderrLines().at(-1)).toBe(`${expected.length} problem${expected.length === 1 ? '' : 's'} in the config; nothing was run.`);
    expect(io.stdoutText()).toBe('');
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(sandbox, 'work'))).toBe(false);
  });
});

const GOOD = `
version: 1
defaults:
  region: eu-west-1
  variant: minimal
  role_arn: arn:aws:iam::{account_id}:role/terraform
  inputs: { role_name: "ssm-{name}", s3_bucket_name: org-session-logs }
  tags: { owner: platform, account: "{name}" }
backend:
  s3: { bucket: org-tfstate, region: eu-west-1, key: "ssm/{region}/{account_id}.tfstate", role_arn: "arn:aws:iam::999999999999:role/state" }
accounts:
  - { id: "123456789012", name: prod-eu, variant: logging, inputs: { s3_key_prefix: "{name}/" } }
  - { id: "210987654321", region: us-east-1, tags: { owner: dev-team }, inputs: { role_name: custom } }
`;

test('defaults, merges and templates resolve per account', () => {
  const config = parseConfig(GOOD, join(sandbox, 'matrix.yml'), BUILT_IN);
  const [prod, dev] = config.accounts;
  expect(prod).toMatchObject({
    name: 'prod-eu',
    variant: 'logging',
    region: 'eu-west-1',
    roleArn: 'arn:aws:iam::123456789012:role/terraform',
    inputs: { role_name: 'ssm-prod-eu', s3_bucket_name: 'org-session-logs', s3_key_prefix: 'prod-eu/' },
    tags: { owner: 'platform', account: 'prod-eu' },
    module: { source: join(REPO, 'modules', 'session-manager-role-logging') },
    backend: { type: 's3', settings: { bucket: 'org-tfstate', key: 'ssm/eu-west-1/123456789012.tfstate', role_arn: 'arn:aws:iam::999999999999:role/state', encrypt: true } },
  });
  // The minimal account takes no logging input from the defaults; its name defaults to its id.
  expect(dev).toMatchObject({
    name: '210987654321',
    variant: 'minimal',
    region: 'us-east-1',
    inputs: { role_name: 'custom' },
    tags: { owner: 'dev-team', account: '210987654321' },
    backend: { settings: { key: 'ssm/us-east-1/210987654321.tfstate' } },
  });
  expect(dev.inputs).not.toHaveProperty('s3_bucket_name');
});

test.each([
  ['git::https://example.com/acme/ssm.git//modules?ref=v1.2.0', undefined, 'git::https://example.com/acme/ssm.git//modules/session-manager-role-minimal?ref=v1.2.0'],
  ['git::https://example.com/acme/ssm.git?ref=v1.2.0', undefined, 'git::https://example.com/acme/ssm.git//session-manager-role-minimal?ref=v1.2.0'],
  ['acme/session-manager-role/aws//modules', '~> 1.2', 'acme/session-manager-role/aws//modules/session-manager-role-minimal'],
])('module source %s resolves to the variant folder', (source, version, expected) => {
  const text = GOOD.replace('version: 1\n', `version: 1\nmodule: { source: "${source}"${version ? `, version: "${version}"` : ''} }\n`);
  const config = parseConfig(text, join(sandbox, 'matrix.yml'), BUILT_IN);
  expect(config.accounts[1].module).toEqual({ source: expected, ...(version ? { version } : {}) });
});

test('a registry source without the modules folder is refused', () => {
  const text = GOOD.replace('version: 1\n', 'version: 1\nmodule: { source: acme/session-manager-role/aws, version: "1.2.0" }\n');
  expect(() => parseConfig(text, join(sandbox, 'matrix.yml'), BUILT_IN)).toThrow(/a registry source must name the folder of the variant modules, e\.g\. acme\/session-manager-role\/aws\/\/modules/);
});

test('a missing config file is one clear problem', () => {
  expect(() => loadConfig(join(sandbox, 'absent.yml'), BUILT_IN)).toThrow(ConfigError);
  expect(() => loadConfig(join(sandbox, 'absent.yml'), BUILT_IN)).toThrow(/absent\.yml:1:1: \(file\): the config file does not exist/);
});

test('the config CI\'s action job plans with is valid', () => {
  const config = loadConfig(join(__dirname, 'fixtures', 'emulator-matrix.yml'), BUILT_IN);
  expect(config.accounts.map((account) => [account.name, account.variant])).toEqual([
    ['dev', 'minimal'],
    ['prod', 'logging'],
  ]);
});

test('the README\'s config example is valid, as written', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const example = /## Config reference\n\n```yaml\n([\s\S]*?)```/.exec(readme)![1];
  const config = parseConfig(example, join(REPO, 'session-manager-role.yml'), BUILT_IN);
  expect(config.accounts.map((account) => [account.name, account.variant, account.inputs])).toEqual([
    ['prod-eu', 'logging', { role_name: 'ssm-instance', s3_bucket_name: 'org-session-logs' }],
    ['dev', 'minimal', { role_name: 'ssm-instance' }],
  ]);
});
