/**
 * The generated modules under the real Terraform CLI and AWS provider (from the mirror, offline): they initialize and
 * validate, and Terraform rejects bad input with the module's own messages before any API call. The examples are
 * validated where users get them, in the registry tree (registry-module.test.ts).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODULE_VARIANTS, moduleName } from '../lib';
import { AwsEmulator } from '../emulator';
import { badInputRounds, expectedMessage } from './support/bad-inputs';
import { jsonDiagnostics, terraform, terraformOk, writeAwsProvider } from './support/terraform';

const REPO = join(__dirname, '..');
const ACCOUNT = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', accountId: '111111111111' };

let workdir: string;
let emulator: AwsEmulator;

beforeAll(async () => {
  workdir = mkdtempSync(join(tmpdir(), 'smr-modules-'));
  cpSync(join(REPO, 'modules'), join(workdir, 'modules'), { recursive: true });
  emulator = await AwsEmulator.start({ credentials: [ACCOUNT] });
});

afterAll(async () => {
  await emulator?.close();
  rmSync(workdir, { recursive: true, force: true });
});

const configurations = MODULE_VARIANTS.map((variant) => join('modules', moduleName(variant)));

test.each(configurations)('%s initializes and validates', async (configuration) => {
  const dir = join(workdir, configuration);
  await terraformOk(dir, ['init', '-backend=false', '-input=false', '-no-color']);
  const validation = JSON.parse(await terraformOk(dir, ['validate', '-json', '-no-color']));
  expect(validation).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
});

/** Plans a root configuration in a fresh directory of the copy; counts the API calls the plan makes. */
async function plan(root: string, config: object, vars: readonly string[] = []) {
  const dir = join(workdir, root);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(config, null, 2));
  writeAwsProvider(dir, { endpoint: emulator.endpoint, accessKey: ACCOUNT.accessKeyId });
  await terraformOk(dir, ['init', '-backend=false', '-input=false', '-no-color']);
  const received = emulator.received;
  const result = await terraform(dir, ['plan', '-json', '-input=false', '-lock=false', ...vars]);
  return { ...result, apiCalls: emulator.received - received, errors: jsonDiagnostics(result.stdout) };
}

const CROSS_INPUT_ERRORS = [
  's3_bucket_owner_account_id is set but s3_bucket_name is not: set s3_bucket_name, or leave s3_bucket_owner_account_id null.',
  's3_key_prefix is set but s3_bucket_name is not: set s3_bucket_name, or leave s3_key_prefix null.',
  's3_kms_key_arn is set but s3_bucket_name is not: set s3_bucket_name, or leave s3_kms_key_arn null.',
  'Set at least one of s3_bucket_name, cloudwatch_log_group_name: session logs need a destination.',
];

test('every bad value is rejected with the module\'s own message, all in one plan, before any API call', async () => {
  // One module call per round of bad values: one plan reports them all.
  const calls: Record<string, object> = {};
  const expected: string[] = [];
  for (const variant of MODULE_VARIANTS) {
    badInputRounds(variant).forEach((round, index) => {
      calls[`${variant}_round_${index + 1}`] = {
        source: `../modules/${moduleName(variant)}`,
        role_name: 'ok-role',
        ...Object.fromEntries([...round].map(([input, bad]) => [input.name, bad.value])),
      };
      expected.push(...[...round].map(([input, bad]) => expectedMessage(input, bad)));
    });
  }
  const result = await plan('bad-inputs', { module: calls });
  expect(result.exitCode).toBe(1);
  expect(result.errors.map((error) => error.detail).sort()).toEqual(expected.sort());
  expect(result.errors.every((error) => error.summary === 'Invalid value for variable')).toBe(true);
  expect(result.apiCalls).toBe(0);
});

test('logging module: inputs that need a bucket, and a missing destination, all fail before any API call', async () => {
  // Rules comparing inputs run once every input is valid on its own, so they get a plan of their own.
  const module = {
    source: `../modules/${moduleName('logging')}`,
    role_name: 'ok-role',
    s3_key_prefix: 'sessions',
    s3_bucket_owner_account_id: '444455556666',
    s3_kms_key_arn: 'arn:aws:kms:us-east-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  };
  const result = await plan('cross-input', { module: { ssm_role: module } });
  expect(result.exitCode).toBe(1);
  expect(result.errors.map((error) => error.detail).sort()).toEqual([...CROSS_INPUT_ERRORS].sort());
  expect(result.errors.every((error) => error.summary === 'Resource precondition failed')).toBe(true);
  expect(result.apiCalls).toBe(0);
});

test('a missing role_name is reported without any API call', async () => {
  const result = await plan('missing-role-name', { module: { ssm_role: { source: `../modules/${moduleName('minimal')}` } } });
  expect(result.exitCode).toBe(1);
  expect(result.errors).toEqual([
    expect.objectContaining({ summary: 'Missing required argument', detail: expect.stringContaining('"role_name" is required') }),
  ]);
  expect(result.apiCalls).toBe(0);
});
