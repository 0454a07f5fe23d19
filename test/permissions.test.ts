/**
 * Proves the permissions of the generated modules with an independent IAM policy evaluator: the policies are the
 * ones the real Terraform CLI renders from the modules (one plan for every option set, through the variant's
 * submodule and through the registry's root module), and every request the SSM agent makes is allowed while
 * neighbouring requests are denied. The same tables run against the policies of AWS's guide: the modules never allow
 * what the guide denies.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BUCKET_OWNER_FULL_CONTROL,
  crossAccountBucketPolicy,
  crossAccountKeyPolicyStatement,
  REGISTRY_REPOSITORY_NAME,
  moduleName,
  passRoleStatement,
  policyDocument,
} from '../lib';
import { AwsEmulator } from '../emulator';
import { IamRequest, decide, decideAssumeRole, guidePolicies } from './support/iam-evaluator';
import { terraformOk, writeAwsProvider } from './support/terraform';

const ROLE_ACCOUNT = '111111111111';
const OTHER_ACCOUNT = '222222222222';
const BUCKET_OWNER = '444455556666';
const ROLE_NAME = 'app-session-manager';
const ROLE_ARN = `arn:aws:iam::${ROLE_ACCOUNT}:role/${ROLE_NAME}`;
const SESSION_KEY = `arn:aws:kms:us-east-1:${ROLE_ACCOUNT}:key/11111111-2222-3333-4444-555555555555`;
const OTHER_KEY = `arn:aws:kms:us-east-1:${ROLE_ACCOUNT}:key/99999999-8888-7777-6666-555555555555`;
const BUCKET_KEY = `arn:aws:kms:us-east-1:${ROLE_ACCOUNT}:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`;
const OWNER_BUCKET_KEY = `arn:aws:kms:us-east-1:${BUCKET_OWNER}:key/mrk-0123456789abcdef0123456789abcdef`;
const BUCKET = 'example-session-logs';
const PREFIX = 'sessions';
const LOG_GROUP = '/ssm/sessions';
const INSTANCE_ID = 'i-0123456789abcdef0';

/** An option set of a module, as the module's inputs. */
interface OptionSet {
  readonly variant: 'minimal' | 'logging';
  readonly kms_key_arn?: string;
  readonly s3_bucket_name?: string;
  readonly s3_key_prefix?: string;
  readonly s3_bucket_owner_account_id?: string;
  readonly s3_kms_key_arn?: string;
  readonly cloudwatch_log_group_name?: string;
}

const OPTION_SETS: Record<string, OptionSet> = {
  minimal: { variant: 'minimal' },
  minimal_kms: { variant: 'minimal', kms_key_arn: SESSION_KEY },
  logging_s3: { variant: 'logging', s3_bucket_name: BUCKET, s3_key_prefix: `${PREFIX}/` },
  logging_cloudwatch: { variant: 'logging', cloudwatch_log_group_name: LOG_GROUP },
  logging_everything: {
    variant: 'logging',
    kms_key_arn: SESSION_KEY,
    s3_bucket_name: BUCKET,
    s3_key_prefix: PREFIX,
    s3_kms_key_arn: BUCKET_KEY,
    cloudwatch_log_group_name: LOG_GROUP,
  },
  logging_cross_account_bucket: {
    variant: 'logging',
    s3_bucket_name: BUCKET,
    s3_key_prefix: PREFIX,
    s3_bucket_owner_account_id: BUCKET_OWNER,
    s3_kms_key_arn: OWNER_BUCKET_KEY,
  },
};

// Resource policies, as their owners would write them.
const keyAccount = (keyArn: string) => keyArn.split(':')[4];
/** AWS's default key policy: the key's account decides through IAM. */
const defaultKeyPolicy = (keyArn: string) => ({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'EnableIAMPolicies', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${keyAccount(keyArn)}:root` }, Action: 'kms:*', Resource: '*' },
  ],
});
/** The owner's bucket key, with the statement the module README tells the owner to add. */
const ownerBucketKeyPolicy = {
  ...defaultKeyPolicy(OWNER_BUCKET_KEY),
  Statement: [
    ...defaultKeyPolicy(OWNER_BUCKET_KEY).Statement,
    crossAccountKeyPolicyStatement({ partition: 'aws', roleArn: ROLE_ARN, actions: ['kms:GenerateDataKey'], dnsSuffix: 'amazonaws.com', viaS3: true }),
  ],
};
/** The owner's bucket policy as the module README gives it. */
const ownerBucketPolicy = crossAccountBucketPolicy({ partition: 'aws', roleArn: ROLE_ARN, bucketName: BUCKET, keyPrefix: PREFIX });
/** A bucket of the same name re-created by a stranger, open to anyone's writes. */
const strangerBucketPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:PutObject', 's3:GetEncryptionConfiguration'], Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] }],
};

const VIA_S3 = { 'kms:ViaService': 's3.us-east-1.amazonaws.com' };
const instance = (account: string) => `arn:aws:ec2:us-east-1:${account}:instance/${INSTANCE_ID}`;
const logStream = (group: string, account = ROLE_ACCOUNT) =>
  `arn:aws:logs:us-east-1:${account}:log-group:${group}:log-stream:${INSTANCE_ID}-session`;

function kms(description: string, action: string, key: string, context?: Record<string, string>, keyPolicy?: object): IamRequest {
  return { description, action, resource: key, resourceAccount: keyAccount(key), context, resourcePolicy: keyPolicy ?? defaultKeyPolicy(key) };
}

function s3Object(description: string, action: string, key: string, owner: string, options: { bucket?: string; acl?: string; policy?: object } = {}): IamRequest {
  const context: Record<string, string> = { 's3:ResourceAccount': owner };
  if (options.acl) context['s3:x-amz-acl'] = options.acl;
  return {
    description,
    action,
    resource: `arn:aws:s3:::${options.bucket ?? BUCKET}/${key}`,
    resourceAccount: owner,
    context,
    resourcePolicy: options.policy,
  };
}

/** What the SSM agent on an instance with this role does, for this option set. */
function agentRequests(set: OptionSet): IamRequest[] {
  const requests: IamRequest[] = [
    ...['CreateControlChannel', 'CreateDataChannel', 'OpenControlChannel', 'OpenDataChannel'].map((action) => ({
      description: `ssmmessages:${action}`,
      action: `ssmmessages:${action}`,
      resource: '*',
      resourceAccount: ROLE_ACCOUNT,
    })),
    { description: 'register its own instance', action: 'ssm:UpdateInstanceInformation', resource: instance(ROLE_ACCOUNT), resourceAccount: ROLE_ACCOUNT },
  ];
  if (set.kms_key_arn) requests.push(kms('decrypt session data with the session key', 'kms:Decrypt', set.kms_key_arn));
  if (set.s3_bucket_name) {
    const owner = set.s3_bucket_owner_account_id ?? ROLE_ACCOUNT;
    const policy = set.s3_bucket_owner_account_id ? ownerBucketPolicy : undefined;
    requests.push(
      s3Object('upload a session log', 's3:PutObject', `${PREFIX}/${INSTANCE_ID}-session.log`, owner, { policy }),
      { description: 'check the bucket encryption', action: 's3:GetEncryptionConfiguration', resource: `arn:aws:s3:::${BUCKET}`, resourceAccount: owner, context: { 's3:ResourceAccount': owner }, resourcePolicy: policy },
    );
    if (set.s3_bucket_owner_account_id) {
      requests.push(s3Object('hand the log to the bucket owner', 's3:PutObjectAcl', `${PREFIX}/${INSTANCE_ID}-session.log`, owner, { acl: BUCKET_OWNER_FULL_CONTROL, policy }));
    }
  }
  if (set.s3_kms_key_arn) {
    const keyPolicy = set.s3_bucket_owner_account_id ? ownerBucketKeyPolicy : undefined;
    requests.push(kms('encrypt the log upload (through S3)', 'kms:GenerateDataKey', set.s3_kms_key_arn, VIA_S3, keyPolicy));
  }
  if (set.cloudwatch_log_group_name) {
    const group = `arn:aws:logs:us-east-1:${ROLE_ACCOUNT}:log-group:${LOG_GROUP}`;
    requests.push(
      { description: 'create its log stream', action: 'logs:CreateLogStream', resource: logStream(LOG_GROUP), resourceAccount: ROLE_ACCOUNT },
      { description: 'send session output', action: 'logs:PutLogEvents', resource: logStream(LOG_GROUP), resourceAccount: ROLE_ACCOUNT },
      { description: 'look up its log streams', action: 'logs:DescribeLogStreams', resource: group, resourceAccount: ROLE_ACCOUNT },
      { description: 'find the log group', action: 'logs:DescribeLogGroups', resource: '*', resourceAccount: ROLE_ACCOUNT },
    );
  }
  return requests;
}

/** Requests next to the agent's that the role must not be able to make. */
function neighbourRequests(set: OptionSet): IamRequest[] {
  const owner = set.s3_bucket_owner_account_id ?? ROLE_ACCOUNT;
  const policy = set.s3_bucket_owner_account_id ? ownerBucketPolicy : undefined;
  const logKey = `${PREFIX}/${INSTANCE_ID}-session.log`;
  const requests: IamRequest[] = [
    { description: 'register an instance of another account', action: 'ssm:UpdateInstanceInformation', resource: instance(OTHER_ACCOUNT), resourceAccount: OTHER_ACCOUNT },
    { description: 'read a parameter', action: 'ssm:GetParameter', resource: `arn:aws:ssm:us-east-1:${ROLE_ACCOUNT}:parameter/db-password`, resourceAccount: ROLE_ACCOUNT },
    { description: 'run a command on an instance', action: 'ssm:SendCommand', resource: instance(ROLE_ACCOUNT), resourceAccount: ROLE_ACCOUNT },
    { description: 'pass a role', action: 'iam:PassRole', resource: ROLE_ARN, resourceAccount: ROLE_ACCOUNT },
    { description: 'attach a policy to its own role', action: 'iam:AttachRolePolicy', resource: ROLE_ARN, resourceAccount: ROLE_ACCOUNT },
    { description: 'create a user', action: 'iam:CreateUser', resource: `arn:aws:iam::${ROLE_ACCOUNT}:user/intruder`, resourceAccount: ROLE_ACCOUNT },
    kms('decrypt with another key', 'kms:Decrypt', OTHER_KEY),
    kms('encrypt with the session key', 'kms:Encrypt', SESSION_KEY),
    s3Object('read a session log', 's3:GetObject', logKey, owner, { policy }),
    s3Object('delete a session log', 's3:DeleteObject', logKey, owner, { policy }),
    s3Object('upload to another bucket', 's3:PutObject', `${PREFIX}/x.log`, ROLE_ACCOUNT, { bucket: 'other-bucket' }),
    s3Object('make a log public', 's3:PutObjectAcl', logKey, owner, { acl: 'public-read', policy }),
    { description: 'read another bucket\'s encryption', action: 's3:GetEncryptionConfiguration', resource: 'arn:aws:s3:::other-bucket', resourceAccount: ROLE_ACCOUNT, context: { 's3:ResourceAccount': ROLE_ACCOUNT } },
    { description: 'write to another log group', action: 'logs:PutLogEvents', resource: logStream('/other/group'), resourceAccount: ROLE_ACCOUNT },
    { description: 'write to the log group of another account', action: 'logs:PutLogEvents', resource: logStream(LOG_GROUP, OTHER_ACCOUNT), resourceAccount: OTHER_ACCOUNT },
    { description: 'create a log group', action: 'logs:CreateLogGroup', resource: `arn:aws:logs:us-east-1:${ROLE_ACCOUNT}:log-group:/ssm/new`, resourceAccount: ROLE_ACCOUNT },
    { description: 'delete the log group', action: 'logs:DeleteLogGroup', resource: `arn:aws:logs:us-east-1:${ROLE_ACCOUNT}:log-group:${LOG_GROUP}`, resourceAccount: ROLE_ACCOUNT },
    { description: 'list the streams of another log group', action: 'logs:DescribeLogStreams', resource: `arn:aws:logs:us-east-1:${ROLE_ACCOUNT}:log-group:/other/group`, resourceAccount: ROLE_ACCOUNT },
  ];
  if (!set.kms_key_arn) requests.push(kms('decrypt with the session key when none is configured', 'kms:Decrypt', SESSION_KEY));
  if (set.s3_bucket_name) {
    requests.push(
      s3Object('upload outside the prefix', 's3:PutObject', 'other/x.log', owner, { policy }),
      s3Object('upload to a sibling of the prefix', 's3:PutObject', `${PREFIX}-archive/x.log`, owner, { policy }),
      s3Object('upload to a same-name bucket of a stranger', 's3:PutObject', logKey, OTHER_ACCOUNT, { policy: strangerBucketPolicy }),
    );
    if (!set.s3_bucket_owner_account_id) {
      requests.push(s3Object('set an ACL in its own account\'s bucket', 's3:PutObjectAcl', logKey, ROLE_ACCOUNT, { acl: BUCKET_OWNER_FULL_CONTROL }));
    }
  } else {
    requests.push(s3Object('upload a session log when S3 logging is off', 's3:PutObject', logKey, ROLE_ACCOUNT));
  }
  if (set.s3_kms_key_arn) {
    const keyPolicy = set.s3_bucket_owner_account_id ? ownerBucketKeyPolicy : undefined;
    requests.push(
      kms('use the bucket key outside S3', 'kms:GenerateDataKey', set.s3_kms_key_arn, undefined, keyPolicy),
      kms('use another key through S3', 'kms:GenerateDataKey', OTHER_KEY, VIA_S3),
    );
  } else {
    requests.push(kms('use a key through S3 when none is configured', 'kms:GenerateDataKey', BUCKET_KEY, VIA_S3));
  }
  if (!set.cloudwatch_log_group_name) {
    requests.push({ description: 'send session output when CloudWatch logging is off', action: 'logs:PutLogEvents', resource: logStream(LOG_GROUP), resourceAccount: ROLE_ACCOUNT });
  }
  return requests;
}

/** The guide's policy for an option set, its placeholders filled with the same values. */
function guidePolicyFor(set: OptionSet): object {
  const guide = guidePolicies();
  let policy: { Statement: object[] };
  if (set.variant === 'minimal') {
    // The guide's minimal policy, without its kms:Decrypt statement unless KMS encryption is used.
    policy = set.kms_key_arn ? guide.minimal : { ...guide.minimal, Statement: guide.minimal.Statement.slice(0, 1) };
  } else {
    policy = guide.logging;
    if (set.s3_bucket_owner_account_id) {
      // The guide's note for a bucket of another account: add s3:PutObjectAcl.
      policy = { ...policy, Statement: [...policy.Statement, { Effect: 'Allow', Action: ['s3:PutObjectAcl'], Resource: 'arn:aws:s3:::DOC-EXAMPLE-BUCKET/s3-bucket-prefix/*' }] };
    }
  }
  return JSON.parse(
    JSON.stringify(policy)
      .replace(/"key-name"/g, JSON.stringify(SESSION_KEY))
      .replace(/DOC-EXAMPLE-BUCKET/g, BUCKET)
      .replace(/s3-bucket-prefix/g, PREFIX),
  );
}

/** Where a module call gets the module: the variant's own module, or the root module that serves both variants. */
const MODULE_SOURCES = {
  submodule: (set: OptionSet) => join(__dirname, '..', 'modules', moduleName(set.variant)),
  'root module': () => join(__dirname, '..', REGISTRY_REPOSITORY_NAME),
};
type ModuleSource = keyof typeof MODULE_SOURCES;
/** Module call names (Terraform identifiers) for each option set and source. */
const CALLS = Object.keys(OPTION_SETS).flatMap((setName) =>
  (Object.keys(MODULE_SOURCES) as ModuleSource[]).map((source) => ({ setName, source, call: `${setName}__${source.replace(' ', '_')}` })),
);

let policies: Record<string, object>;
let trustPolicies: Record<string, object>;

beforeAll(async () => {
  const emulator = await AwsEmulator.start({ credentials: [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', accountId: ROLE_ACCOUNT }] });
  const dir = mkdtempSync(join(tmpdir(), 'smr-permissions-'));
  try {
    const modules = Object.fromEntries(
      CALLS.map(({ setName, source, call }) => {
        const inputs = Object.fromEntries(Object.entries(OPTION_SETS[setName]).filter(([name]) => name !== 'variant'));
        return [call, { source: MODULE_SOURCES[source](OPTION_SETS[setName]), role_name: ROLE_NAME, ...inputs }];
      }),
    );
    const outputs = Object.fromEntries(CALLS.map(({ call }) => [call, { value: `\${module.${call}.policy_json}` }]));
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify({ module: modules, output: outputs }));
    writeAwsProvider(dir, { endpoint: emulator.endpoint });
    await terraformOk(dir, ['init', '-backend=false', '-input=false', '-no-color']);
    await terraformOk(dir, ['plan', '-input=false', '-lock=false', '-no-color', '-out', 'plan.tfplan']);
    const plan = JSON.parse(await terraformOk(dir, ['show', '-json', 'plan.tfplan']));
    policies = Object.fromEntries(CALLS.map(({ call }) => [call, JSON.parse(plan.planned_values.outputs[call].value)]));
    trustPolicies = Object.fromEntries(
      plan.planned_values.root_module.child_modules.map((child: { address: string; resources: { address: string; values: { assume_role_policy: string } }[] }) => [
        child.address.replace('module.', ''),
        JSON.parse(child.resources.find((resource) => resource.address.endsWith('aws_iam_role.this'))!.values.assume_role_policy),
      ]),
    );
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // One plan of twelve module calls (six option sets, each through the submodule and through the root module).
}, 300_000);

describe.each(CALLS.map(({ setName, source, call }) => [`${setName} (${source})`, setName, call] as const))('%s', (_, setName, call) => {
  const set = OPTION_SETS[setName];

  test.each(agentRequests(set).map((request) => [request.description, request] as const))('allows: %s', async (_, request) => {
    expect(await decide(ROLE_ARN, policies[call], request)).toBe('Allowed');
  });

  test.each(neighbourRequests(set).map((request) => [request.description, request] as const))('denies: %s', async (_, request) => {
    expect(await decide(ROLE_ARN, policies[call], request)).not.toBe('Allowed');
  });

  test('never allows what the guide\'s policy denies, and the guide allows what the agent needs', async () => {
    const guide = guidePolicyFor(set);
    const widerThanGuide: string[] = [];
    for (const request of [...agentRequests(set), ...neighbourRequests(set)]) {
      const module = await decide(ROLE_ARN, policies[call], request);
      const guideDecision = await decide(ROLE_ARN, guide, request);
      if (module === 'Allowed' && guideDecision !== 'Allowed') widerThanGuide.push(request.description);
    }
    expect(widerThanGuide).toEqual([]);
    for (const request of agentRequests(set)) expect(await decide(ROLE_ARN, guide, request)).toBe('Allowed');
  });

  test('only EC2 may assume the role', async () => {
    expect(await decideAssumeRole(trustPolicies[call], 'ec2.amazonaws.com', ROLE_ARN)).toBe('Allowed');
    expect(await decideAssumeRole(trustPolicies[call], 'lambda.amazonaws.com', ROLE_ARN)).not.toBe('Allowed');
  });
});

test('the tables show where the modules are tighter than the guide', async () => {
  // Neighbours the guide allows but the module denies: the README's "Compared with AWS's guide" in action.
  const set = OPTION_SETS.logging_everything;
  const tighter: string[] = [];
  for (const request of neighbourRequests(set)) {
    if ((await decide(ROLE_ARN, guidePolicyFor(set), request)) === 'Allowed') tighter.push(request.description);
  }
  expect(tighter).toEqual(
    expect.arrayContaining([
      'upload to a same-name bucket of a stranger',
      'list the streams of another log group',
      'read another bucket\'s encryption',
      'write to another log group',
      'use the bucket key outside S3',
      'use another key through S3',
    ]),
  );
});

test('the pass-role policy lets launchers pass this role to EC2 and nothing else', async () => {
  const passRole = policyDocument([passRoleStatement({ partition: 'aws', accountId: ROLE_ACCOUNT, dnsSuffix: 'amazonaws.com' }, ROLE_ARN)]);
  const launcher = `arn:aws:iam::${ROLE_ACCOUNT}:role/launcher`;
  const pass = (role: string, service: string): IamRequest => ({
    description: `pass ${role} to ${service}`,
    action: 'iam:PassRole',
    resource: role,
    resourceAccount: ROLE_ACCOUNT,
    context: { 'iam:PassedToService': service },
  });
  expect(await decide(launcher, passRole, pass(ROLE_ARN, 'ec2.amazonaws.com'))).toBe('Allowed');
  expect(await decide(launcher, passRole, pass(ROLE_ARN, 'lambda.amazonaws.com'))).not.toBe('Allowed');
  expect(await decide(launcher, passRole, pass(`arn:aws:iam::${ROLE_ACCOUNT}:role/admin`, 'ec2.amazonaws.com'))).not.toBe('Allowed');
});
