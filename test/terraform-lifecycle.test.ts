/**
 * A whole lifecycle with the real Terraform CLI and AWS provider against the local IAM/STS emulator, every list
 * paged one item at a time: an account reached through assume_role, with both modules in it, created and destroyed.
 * (Many accounts at once, with the engine, is matrix-engine.test.ts.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moduleName } from '../lib';
import { AwsEmulator } from '../emulator';
import { terraformOk, writeAwsProvider } from './support/terraform';

const MANAGEMENT = '111111111111';
const ACCOUNT_A = '222222222222';
const ROLE = 'app-session-manager';
const POLICY = `${ROLE}-session-manager`;

let emulator: AwsEmulator;
let dir: string;

beforeAll(async () => {
  emulator = await AwsEmulator.start({
    credentials: [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', accountId: MANAGEMENT }],
    accounts: [
      { id: ACCOUNT_A, assumableRoles: ['terraform'] },
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
        minimal: module('minimal', 'a', { role_name: ROLE, tags: { team: 'platform' } }),
        logging: module('logging', 'a', {
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

test('create in an account through assume_role, then destroy, even with a policy attached by hand', async () => {
  // Create: six resources per module call, nothing in the management account.
  const creation = await plan();
  expect(creation.size).toBe(12);
  expect([...creation.values()].every((actions) => actions === 'create')).toBe(true);
  await apply();
  const iam = emulator.account(ACCOUNT_A);
  expect(iam.role(ROLE).attachedPolicies).toEqual([`arn:aws:iam::${ACCOUNT_A}:policy/${POLICY}`]);
  expect(iam.instanceProfile(ROLE).roles).toEqual([ROLE]);
  expect(iam.role('logging-session-manager').attachedPolicies).toEqual([`arn:aws:iam::${ACCOUNT_A}:policy/logging-session-manager-session-manager`]);
  expect(emulator.account(MANAGEMENT).roles.size).toBe(0);
  expect(emulator.requests.filter((r) => r.action === 'AssumeRole').length).toBeGreaterThan(0);

  // Someone attaches an admin policy by hand in account A. (Detecting and reverting such changes, with the engine,
  // is matrix-engine.test.ts.)
  const console = emulator.outOfBand(ACCOUNT_A);
  const admin = console.createPolicy('AdministratorAccess', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
  console.attachRolePolicy(ROLE, admin);

  // Destroy detaches it too, and leaves the account as it was (but for the policy made by hand).
  await terraformOk(dir, ['destroy', '-auto-approve', '-input=false', '-no-color']);
  expect(iam.roles.size).toBe(0);
  expect(iam.instanceProfiles.size).toBe(0);
  expect([...iam.policies.keys()]).toEqual([admin]);
});
