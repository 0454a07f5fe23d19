/**
 * A whole lifecycle with the real Terraform CLI and AWS provider against the local IAM/STS emulator, every list
 * paged one item at a time: two accounts reached through assume_role, the minimal module in both and the logging
 * module in the second, created and destroyed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moduleName } from '../lib';
import { AwsEmulator } from '../emulator';
import { terraformOk, writeAwsProvider } from './support/terraform';

const MANAGEMENT = '111111111111';
const ACCOUNT_A = '222222222222';
const ACCOUNT_B = '333333333333';
const ROLE = 'app-session-manager';
const POLICY = `${ROLE}-session-manager`;

let emulator: AwsEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await AwsEmulator.start({
    credentials: [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', accountId: MANAGEMENT }],
    accounts: [
      { id: ACCOUNT_A, assumableRoles: ['terraform'] },
      { id: ACCOUNT_B, assumableRoles: ['terraform'] },
    ],
    // Small pages, so that the provider has to follow Marker.
    pageSize: 1,
  });
  dir = mkdtempSync(join(tmpdir(), 'smr-lifecycle-'));
  const module = (variant: 'minimal' | 'logging', provider: string, inputs: object) => ({
    source: join(__dirname, '..', 'modules', moduleName(variant)),
    providers: { aws: `aws.${provider}` },
    ...inputs,
  });
  writeFileSync(
    join(dir, 'main.tf.json'),
    JSON.stringify({
      module: {
        account_a: module('minimal', 'a', { role_name: ROLE, tags: { team: 'platform' } }),
        account_b: module('minimal', 'b', { role_name: ROLE, tags: { team: 'platform' } }),
        logging_b: module('logging', 'b', {
          role_name: 'logging-session-manager',
          s3_bucket_name: 'example-session-logs',
          s3_key_prefix: 'sessions',
          cloudwatch_log_group_name: '/ssm/sessions',
        }),
      },
    }),
  );
  writeAwsProvider(
    dir,
    { endpoint: emulator.endpoint, alias: 'a', assumeRoleArn: `arn:aws:iam::${ACCOUNT_A}:role/terraform` },
    { endpoint: emulator.endpoint, alias: 'b', assumeRoleArn: `arn:aws:iam::${ACCOUNT_B}:role/terraform` },
  );
  await terraformOk(dir, ['init', '-input=false', '-no-color']);
});

afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface ResourceChange {
  readonly address: string;
  readonly mode: 'managed' | 'data';
  readonly change: { readonly actions: readonly string[] };
}

/** Plans and returns the changes to managed resources (no-ops left out), keeping the plan file for apply. */
async function plan(): Promise<Map<string, string>> {
  await terraformOk(dir, ['plan', '-input=false', '-no-color', '-out', 'tfplan']);
  const shown = JSON.parse(await terraformOk(dir, ['show', '-json', 'tfplan']));
  const changes = (shown.resource_changes ?? []) as ResourceChange[];
  const changed = changes.filter((c) => c.mode === 'managed' && c.change.actions.join() !== 'no-op');
  return new Map(changed.map((c) => [c.address, c.change.actions.join()]));
}

const apply = () => terraformOk(dir, ['apply', '-input=false', '-no-color', 'tfplan']);

test('create in two accounts through assume_role, then destroy, even with a policy attached by hand', async () => {
  // Create: six resources per module call, nothing in the management account.
  const creation = await plan();
  expect(creation.size).toBe(18);
  expect([...creation.values()].every((actions) => actions === 'create')).toBe(true);
  await apply();
  for (const account of [ACCOUNT_A, ACCOUNT_B]) {
    const iam = emulator.account(account);
    expect(iam.role(ROLE).attachedPolicies).toEqual([`arn:aws:iam::${account}:policy/${POLICY}`]);
    expect(iam.instanceProfile(ROLE).roles).toEqual([ROLE]);
  }
  expect(emulator.account(ACCOUNT_B).roles.has('logging-session-manager')).toBe(true);
  expect(emulator.account(MANAGEMENT).roles.size).toBe(0);
  expect(emulator.requests.filter((r) => r.action === 'AssumeRole').length).toBeGreaterThan(0);

  // Someone attaches an admin policy by hand in account A. (Detecting and reverting such changes, with the engine,
  // is matrix-engine.test.ts.)
  const console = emulator.outOfBand(ACCOUNT_A);
  const admin = console.createPolicy('AdministratorAccess', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
  console.attachRolePolicy(ROLE, admin);

  // Destroy detaches it too, and leaves both accounts as they were (but for the policy made by hand).
  await terraformOk(dir, ['destroy', '-auto-approve', '-input=false', '-no-color']);
  for (const account of [ACCOUNT_A, ACCOUNT_B]) {
    const iam = emulator.account(account);
    expect(iam.roles.size).toBe(0);
    expect(iam.instanceProfiles.size).toBe(0);
    expect([...iam.policies.keys()]).toEqual(account === ACCOUNT_A ? [admin] : []);
  }
});
