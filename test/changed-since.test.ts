/**
 * `--changed-since` without Terraform: a git repository of its own holds a config and a copy of the modules, and each
 * test changes one thing in the working tree against the commit.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangedAccounts, changedAccounts } from '../engine/changed-since';
import { loadConfig } from '../engine/config-loader';

const BUILT_IN_MODULES = join(__dirname, '..', 'modules');
const LOGGING_INPUTS = '{ s3_bucket_name: org-session-logs, cloudwatch_log_group_name: /ssm/sessions }';

let dir: string;
let commit: string;

function config(options: { module?: string; devRoleName?: string; extraAccount?: boolean; prodVariant?: string } = {}): string {
  return [
    'version: 1',
    ...(options.module === undefined ? [] : ['module:', `  source: ${options.module}`]),
    'defaults:',
    '  region: eu-west-1',
    '  role_arn: "arn:aws:iam::{account_id}:role/terraform"',
    '  inputs: { role_name: "ssm-{name}" }',
    'backend:',
    '  s3: { bucket: org-tfstate, region: eu-west-1 }',
    'accounts:',
    `  - { id: "222222222222", name: dev${options.devRoleName ? `, inputs: { role_name: ${options.devRoleName} }` : ''} }`,
    `  - { id: "333333333333", name: prod, variant: logging, inputs: ${LOGGING_INPUTS} }`,
    `  - { id: "444444444444", name: stage, variant: logging, inputs: ${LOGGING_INPUTS} }`,
    ...(options.extraAccount ? ['  - { id: "555555555555", name: sandbox }'] : []),
    '',
  ].join('\n');
}

const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' });

async function changes(file = 'accounts.yml', ref = 'HEAD'): Promise<Record<string, string>> {
  const result: ChangedAccounts = await changedAccounts(loadConfig(join(dir, file), { builtInModules: BUILT_IN_MODULES }), ref, { builtInModules: BUILT_IN_MODULES });
  expect(result.commit).toBe(commit);
  return Object.fromEntries(result.changed);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'smr-changed-'));
  cpSync(BUILT_IN_MODULES, join(dir, 'modules'), { recursive: true });
  writeFileSync(join(dir, 'accounts.yml'), config({ module: './modules' }));
  writeFileSync(join(dir, 'built-in.yml'), config());
  writeFileSync(join(dir, '.gitignore'), '.terraform/\n');
  git('init', '-q');
  git('add', '.');
  git('commit', '-q', '-m', 'accounts');
  commit = git('rev-parse', 'HEAD').trim();
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('nothing changed: no account to plan', async () => {
  expect(await changes()).toEqual({});
});

test('an input of one account: that account, named by what changed', async () => {
  writeFileSync(join(dir, 'accounts.yml'), config({ module: './modules', devRoleName: 'ssm-renamed' }));
  expect(await changes()).toEqual({ '222222222222': 'module inputs or source' });
});

test('a new account and a changed variant', async () => {
  writeFileSync(join(dir, 'accounts.yml'), config({ module: './modules', extraAccount: true }).replace('name: prod, variant: logging, inputs: ' + LOGGING_INPUTS, 'name: prod'));
  expect(await changes()).toEqual({ '333333333333': 'variant logging -> minimal, module inputs or source', '555555555555': 'new account' });
});

test('a file of the logging module: exactly the accounts that use it', async () => {
  appendFileSync(join(dir, 'modules', 'session-manager-role-logging', 'README.md'), '\nEdited.\n');
  expect(await changes()).toEqual({ '333333333333': 'module content', '444444444444': 'module content' });
});

test('a file added to a module folder counts, unless git ignores it; a deleted one counts', async () => {
  mkdirSync(join(dir, 'modules', 'session-manager-role-minimal', '.terraform'));
  writeFileSync(join(dir, 'modules', 'session-manager-role-minimal', '.terraform', 'modules.json'), '{}\n');
  expect(await changes()).toEqual({});
  writeFileSync(join(dir, 'modules', 'session-manager-role-minimal', 'extra.tf.json'), '{}\n');
  expect(await changes()).toEqual({ '222222222222': 'module content' });
  rmSync(join(dir, 'modules', 'session-manager-role-minimal', 'extra.tf.json'));
  rmSync(join(dir, 'modules', 'session-manager-role-logging', 'outputs.tf.json'));
  expect(await changes()).toEqual({ '333333333333': 'module content', '444444444444': 'module content' });
});

test('the modules shipped with the release sit outside the repository: they change only with the release', async () => {
  appendFileSync(join(dir, 'modules', 'session-manager-role-logging', 'README.md'), '\nEdited.\n');
  expect(await changes('built-in.yml')).toEqual({});
});

test('a config that did not exist, or was not valid, at the revision: every account', async () => {
  writeFileSync(join(dir, 'renamed.yml'), config({ module: './modules' }));
  expect(new Set(Object.values(await changes('renamed.yml')))).toEqual(new Set(['the config file did not exist at HEAD']));
  writeFileSync(join(dir, 'accounts.yml'), 'version: 1\naccounts: oops\n');
  git('commit', '-q', '-am', 'broken');
  commit = git('rev-parse', 'HEAD').trim();
  writeFileSync(join(dir, 'accounts.yml'), config({ module: './modules' }));
  expect(Object.keys(await changes())).toEqual(['222222222222', '333333333333', '444444444444']);
});

test('a revision that is not a commit is an error that says so', async () => {
  await expect(changedAccounts(loadConfig(join(dir, 'accounts.yml'), { builtInModules: BUILT_IN_MODULES }), 'no-such-ref', { builtInModules: BUILT_IN_MODULES })).rejects.toThrow(
    /changed since "no-such-ref": that is not a commit of the repository/,
  );
});
