/**
 * Effective configuration digests, without Terraform: what changes an account's digest (inputs, provider and backend
 * settings, module content) and what does not (where the module or the config sit, Terraform's own files).
 */
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigDigests } from '../engine/config-digest';
import { loadConfig } from '../engine/config-loader';

const BUILT_IN_MODULES = join(__dirname, '..', 'modules');

let dir: string;

function config(options: { module?: string; devRoleName?: string; region?: string; bucket?: string } = {}): string {
  return [
    'version: 1',
    ...(options.module === undefined ? [] : ['module:', `  source: ${options.module}`]),
    'defaults:',
    `  region: ${options.region ?? 'eu-west-1'}`,
    '  role_arn: "arn:aws:iam::{account_id}:role/terraform"',
    '  inputs: { role_name: "ssm-{name}" }',
    'backend:',
    `  s3: { bucket: ${options.bucket ?? 'org-tfstate'}, region: eu-west-1 }`,
    'accounts:',
    `  - { id: "222222222222", name: dev${options.devRoleName ? `, inputs: { role_name: ${options.devRoleName} }` : ''} }`,
    '  - { id: "333333333333", name: prod, variant: logging, inputs: { s3_bucket_name: org-session-logs } }',
    '',
  ].join('\n');
}

/** Digests by account name, and of the whole config, for a config written to `file`. */
function digests(file: string, text: string): { accounts: Record<string, string>; config: string } {
  writeFileSync(join(dir, file), text);
  const loaded = loadConfig(join(dir, file), { builtInModules: BUILT_IN_MODULES });
  const digester = new ConfigDigests();
  return { accounts: Object.fromEntries(loaded.accounts.map((account) => [account.name, digester.account(account)])), config: digester.config(loaded) };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smr-digest-'));
  cpSync(BUILT_IN_MODULES, join(dir, 'modules'), { recursive: true });
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('the same configuration gives the same digests wherever the config and its module folder are', () => {
  const here = digests('a.yml', config({ module: './modules' }));
  mkdirSync(join(dir, 'elsewhere'));
  cpSync(join(dir, 'modules'), join(dir, 'elsewhere', 'copy'), { recursive: true });
  const there = digests('elsewhere/b.yml', config({ module: './copy' }));
  expect(there).toEqual(here);
  expect(Object.values(here.accounts)).toHaveLength(2);
  expect(here.accounts.dev).not.toBe(here.accounts.prod);
  for (const digest of [...Object.values(here.accounts), here.config]) expect(digest).toMatch(/^[0-9a-f]{64}$/);
});

test('an input, a provider setting or a backend setting changes the digest of the accounts it reaches', () => {
  const base = digests('a.yml', config({ module: './modules' }));
  const renamed = digests('a.yml', config({ module: './modules', devRoleName: 'other' }));
  expect(renamed.accounts.dev).not.toBe(base.accounts.dev);
  expect(renamed.accounts.prod).toBe(base.accounts.prod);
  expect(renamed.config).not.toBe(base.config);
  const region = digests('a.yml', config({ module: './modules', region: 'eu-central-1' }));
  expect(region.accounts.dev).not.toBe(base.accounts.dev);
  expect(region.accounts.prod).not.toBe(base.accounts.prod);
  const bucket = digests('a.yml', config({ module: './modules', bucket: 'other-tfstate' }));
  expect(bucket.accounts.dev).not.toBe(base.accounts.dev);
});

test('module content counts, for the accounts of that variant only; Terraform\'s working files do not', () => {
  const base = digests('a.yml', config({ module: './modules' }));
  mkdirSync(join(dir, 'modules', 'session-manager-role-minimal', '.terraform'));
  writeFileSync(join(dir, 'modules', 'session-manager-role-minimal', '.terraform', 'modules.json'), '{}');
  expect(digests('a.yml', config({ module: './modules' }))).toEqual(base);

  appendFileSync(join(dir, 'modules', 'session-manager-role-minimal', 'main.tf.json'), '\n');
  const edited = digests('a.yml', config({ module: './modules' }));
  expect(edited.accounts.dev).not.toBe(base.accounts.dev);
  expect(edited.accounts.prod).toBe(base.accounts.prod);
});
