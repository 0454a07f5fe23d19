/**
 * The pre-check's rules on their own: which reads a state calls for, what of an answer is compared, how differences
 * are named, and what makes it decline. The reads themselves are proven against real plans in drift-precheck.test.ts.
 */
import { ResolvedAccount } from '../engine/config';
import { formatAge, lockedProviderVersion, moduleContentKnown, readDifferences } from '../engine/drift-precheck';
import { parseDuration } from '../engine/duration';
import { RESPONSE_SHAPES, UnknownField, comparedPart } from '../engine/private/response-shapes';
import { ObservedRead, TerraformState, UnreadableState, refreshReads } from '../engine/refresh-reads';

const PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]';
const resource = (mode: string, type: string, attributes: Record<string, unknown>, provider = PROVIDER) => ({ module: 'module.session_manager_role', mode, type, name: 'this', provider, instances: [{ attributes }] });
const state = (resources: TerraformState['resources'], version = 4): TerraformState => ({ version, serial: 3, lineage: 'l', resources });

test("a state's objects call for the reads the provider's refresh makes, each once", () => {
  const reads = refreshReads(
    state([
      resource('data', 'aws_caller_identity', { account_id: '123456789012' }),
      resource('data', 'aws_partition', { partition: 'aws' }),
      resource('data', 'aws_iam_policy_document', { json: '{}' }),
      resource('managed', 'aws_iam_role', { name: 'ssm' }),
      resource('managed', 'aws_iam_policy', { arn: 'arn:aws:iam::123456789012:policy/ssm' }),
      resource('managed', 'aws_iam_role_policy_attachment', { role: 'ssm', policy_arn: 'arn:aws:iam::123456789012:policy/ssm' }),
      resource('managed', 'aws_iam_role_policy_attachments_exclusive', { role_name: 'ssm' }),
      resource('managed', 'aws_iam_role_policies_exclusive', { role_name: 'ssm' }),
      resource('managed', 'aws_iam_instance_profile', { name: 'ssm' }),
    ]),
  );
  expect(reads.map((read) => `${read.service}:${read.action} ${Object.values(read.params).join(' ')}`.trim())).toEqual([
    'iam:GetInstanceProfile ssm',
    'iam:GetPolicy arn:aws:iam::123456789012:policy/ssm',
    'iam:GetRole ssm',
    'iam:ListAttachedRolePolicies ssm',
    'iam:ListRolePolicies ssm',
    'sts:GetCallerIdentity',
  ]);
});

test('a state the pre-check cannot read as the refresh would sends the account to Terraform', () => {
  expect(() => refreshReads(state([resource('managed', 'aws_iam_user', { name: 'x' })]))).toThrow(new UnreadableState('the state holds aws_iam_user, which the pre-check does not read'));
  expect(() => refreshReads(state([resource('data', 'aws_iam_role', { name: 'x' })]))).toThrow('the state holds data source aws_iam_role');
  expect(() => refreshReads(state([resource('managed', 'aws_iam_role', { name: 'x' }, 'provider["example.com/other/aws"]')]))).toThrow('aws_iam_role.this belongs to provider["example.com/other/aws"]');
  expect(() => refreshReads(state([resource('managed', 'aws_iam_role', {})]))).toThrow('the state has no name for an object that needs one');
  expect(() => refreshReads(state([], 5))).toThrow('the state has format version 5; the pre-check reads version 4');
});

test('an answer is compared without what changes by itself, and a field nobody named makes it unreadable', () => {
  const role = { RoleName: 'ssm', Path: '/', CreateDate: new Date('2026-01-02T03:04:05Z'), RoleLastUsed: { LastUsedDate: new Date(), Region: 'eu-west-1' }, Tags: [{ Key: 'a', Value: 'b' }], Description: undefined };
  expect(comparedPart({ $metadata: { requestId: 'x' }, Role: role }, RESPONSE_SHAPES.GetRole, 'GetRole')).toEqual({ Role: { RoleName: 'ssm', Path: '/', CreateDate: '2026-01-02T03:04:05.000Z', Tags: [{ Key: 'a', Value: 'b' }] } });
  expect(() => comparedPart({ Role: { ...role, RoleColour: 'blue' } }, RESPONSE_SHAPES.GetRole, 'GetRole')).toThrow(new UnknownField('GetRole.Role.RoleColour'));
  expect(() => comparedPart({ Role: { ...role, Tags: 'a=b' } }, RESPONSE_SHAPES.GetRole, 'GetRole')).toThrow('GetRole.Role.Tags (not a list)');
  expect(() => comparedPart({ Policy: { Tags: [{ Key: 'a', Value: 'b', Extra: 1 }] } }, RESPONSE_SHAPES.GetPolicy, 'GetPolicy')).toThrow('GetPolicy.Policy.Tags[0].Extra');
});

test('differences name the read and the fields, and reads on one side only', () => {
  const read = (action: string, params: Record<string, string>, answer: Partial<ObservedRead>): ObservedRead => ({ service: 'iam', action, params, ...answer });
  const recorded = [
    read('GetRole', { RoleName: 'ssm' }, { response: { Role: { Description: 'a', MaxSessionDuration: 3600, Path: '/' } } }),
    read('GetInstanceProfile', { InstanceProfileName: 'ssm' }, { response: { InstanceProfile: { Path: '/' } } }),
    read('GetPolicyVersion', { PolicyArn: 'arn:p', VersionId: 'v1' }, { response: { PolicyVersion: { Document: 'x' } } }),
  ];
  const observed = [
    read('GetRole', { RoleName: 'ssm' }, { response: { Role: { Description: 'b', MaxSessionDuration: 7200, Path: '/' } } }),
    read('GetInstanceProfile', { InstanceProfileName: 'ssm' }, { error: 'NoSuchEntity' }),
    read('GetPolicyVersion', { PolicyArn: 'arn:p', VersionId: 'v2' }, { response: { PolicyVersion: { Document: 'y' } } }),
  ];
  expect(readDifferences(recorded, observed)).toEqual([
    'GetInstanceProfile ssm (was found, now NoSuchEntity)',
    'GetPolicyVersion arn:p v1 (no longer read)',
    'GetPolicyVersion arn:p v2 (not read when it converged)',
    'GetRole ssm (Description, MaxSessionDuration)',
  ]);
  expect(readDifferences(recorded, recorded)).toEqual([]);
});

test('module content is known for local folders and git commits only; the provider version comes from the lock file', () => {
  const account = (source: string, localDirectory?: string) => ({ module: { source, localDirectory } }) as ResolvedAccount;
  expect(moduleContentKnown(account('/repo/modules/x', '/repo/modules/x'))).toBe(true);
  expect(moduleContentKnown(account(`git::https://example.com/m.git//modules/x?ref=${'a1'.repeat(20)}`))).toBe(true);
  expect(moduleContentKnown(account('git::https://example.com/m.git//modules/x?ref=v1.2.0'))).toBe(false);
  expect(moduleContentKnown(account('acme/ssm/aws//modules/x'))).toBe(false);
  const lock = '# This file is maintained automatically by "terraform init".\n\nprovider "registry.terraform.io/hashicorp/aws" {\n  version     = "5.100.0"\n  constraints = ">= 5.72.0"\n  hashes = [\n    "h1:abc=",\n  ]\n}\n';
  expect(lockedProviderVersion(lock)).toBe('5.100.0');
  expect(lockedProviderVersion('')).toBeUndefined();
});

test('--max-age takes days; ages read as a person says them', () => {
  expect(parseDuration('7d')).toBe(7 * 86_400_000);
  expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
  expect(parseDuration('d')).toBeUndefined();
  expect([formatAge(8 * 86_400_000 + 5), formatAge(3_600_000), formatAge(90_000), formatAge(1500)]).toEqual(['8 days', '1 hour', '1 minute', '2 seconds']);
});
