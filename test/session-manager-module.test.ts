import { App } from 'cdktf';
import {
  MODULE_INPUTS,
  MODULE_OUTPUTS,
  MODULE_VARIANTS,
  ModuleKind,
  ModuleVariant,
  REQUIRED_AWS_PROVIDER_VERSION,
  SessionManagerModuleStack,
  moduleFiles,
  moduleInputs,
} from '../lib';

type TfJson = Record<string, Record<string, Record<string, Record<string, unknown>>>>;

function files(variant: ModuleKind): Map<string, string> {
  return moduleFiles(new SessionManagerModuleStack(new App(), variant));
}

function parsed(variant: ModuleKind, file: string): TfJson {
  return JSON.parse(files(variant).get(file)!);
}

describe.each<ModuleKind>([...MODULE_VARIANTS, 'root'])('%s module', (variant) => {
  test('is split like a hand-written module', () => {
    expect([...files(variant).keys()].sort()).toEqual(
      ['README.md', 'main.tf.json', 'outputs.tf.json', 'variables.tf.json', 'versions.tf.json'].sort(),
    );
  });

  test('has no backend, no provider configuration and no "//" metadata', () => {
    const all = [...files(variant).entries()].filter(([name]) => name.endsWith('.json')).map(([, content]) => content).join('\n');
    expect(all).not.toMatch(/"\/\/"/);
    expect(all).not.toMatch(/"backend"|"provider"|"cloud"/);
  });

  test('constrains Terraform and the AWS provider with lower bounds only', () => {
    expect(parsed(variant, 'versions.tf.json')).toEqual({
      terraform: {
        required_version: '>= 1.3.0',
        required_providers: { aws: { source: 'hashicorp/aws', version: REQUIRED_AWS_PROVIDER_VERSION } },
      },
    });
    expect(REQUIRED_AWS_PROVIDER_VERSION).toBe('>= 5.72.0');
  });

  test('uses stable addresses that consumers\' state depends on', () => {
    const main = parsed(variant, 'main.tf.json');
    const addresses = (block: string) => Object.entries(main[block]).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
    expect(addresses('resource').sort()).toEqual([
      'aws_iam_instance_profile.this',
      'aws_iam_policy.this',
      'aws_iam_role.this',
      'aws_iam_role_policies_exclusive.this',
      'aws_iam_role_policy_attachment.this',
      'aws_iam_role_policy_attachments_exclusive.this',
    ]);
    expect(addresses('data').sort()).toEqual([
      'aws_caller_identity.current',
      'aws_iam_policy_document.assume_role',
      'aws_iam_policy_document.pass_role',
      'aws_iam_policy_document.this',
      'aws_partition.current',
    ]);
  });

  test('two synths are byte-identical', () => {
    expect(files(variant)).toEqual(files(variant));
  });

  test('declares every input of the variant, typed, described and validated', () => {
    const variables = parsed(variant, 'variables.tf.json').variable;
    expect(Object.keys(variables)).toEqual(moduleInputs(variant).map((input) => input.name));
    for (const input of moduleInputs(variant)) {
      const variable = variables[input.name];
      expect(variable.type).toBe(input.type);
      expect(variable.description).toBe(input.description);
      expect(variable.nullable).toBe(input.default === null);
      if ('default' in input) expect(variable.default).toEqual(input.default);
      else expect(variable).not.toHaveProperty('default');
      expect(variable.validation ?? []).toHaveLength(input.rules?.length ?? 0);
    }
  });

  test('declares the outputs', () => {
    expect(Object.keys(parsed(variant, 'outputs.tf.json').output)).toEqual(MODULE_OUTPUTS.map((output) => output.name));
  });

  test('creates the instance profile only when create_instance_profile is true', () => {
    expect(parsed(variant, 'main.tf.json').resource.aws_iam_instance_profile.this.count).toBe('${var.create_instance_profile ? 1 : 0}');
    expect(parsed(variant, 'outputs.tf.json').output.instance_profile_name.value).toBe('${one(aws_iam_instance_profile.this[*].name)}');
  });

  test('derives the policy name from the role name unless one is given', () => {
    expect(parsed(variant, 'main.tf.json').resource.aws_iam_policy.this.name).toBe(
      '${coalesce(var.policy_name, "${var.role_name}-session-manager")}',
    );
  });

  test('reads the account only once every input has been validated', () => {
    const preconditions = parsed(variant, 'main.tf.json').data.aws_caller_identity.current.lifecycle as { precondition: { condition: string }[] };
    const gate = preconditions.precondition.at(-1)!.condition;
    for (const input of moduleInputs(variant)) expect(gate).toContain(`var.${input.name}`);
  });
});

test('inputs of each variant: the logging variant adds the destinations', () => {
  const names = (variant: ModuleVariant) => moduleInputs(variant).map((input) => input.name);
  expect(names('logging').filter((name) => !names('minimal').includes(name))).toEqual([
    's3_bucket_name',
    's3_key_prefix',
    's3_bucket_owner_account_id',
    's3_kms_key_arn',
    'cloudwatch_log_group_name',
  ]);
  expect(MODULE_INPUTS.every((input) => /^[a-z0-9_]+$/.test(input.name))).toBe(true);
});

test('the root module has every input and is the logging module without its need for a destination', () => {
  expect(moduleInputs('root')).toEqual(MODULE_INPUTS);
  const preconditions = (kind: ModuleKind) =>
    (parsed(kind, 'main.tf.json').data.aws_caller_identity.current.lifecycle as { precondition: { error_message: string }[] }).precondition;
  const root = parsed('root', 'main.tf.json');
  const logging = parsed('logging', 'main.tf.json');
  expect(root.resource).toEqual(logging.resource);
  expect(root.data.aws_iam_policy_document).toEqual(logging.data.aws_iam_policy_document);
  expect(preconditions('logging').filter((condition) => !preconditions('root').some((kept) => kept.error_message === condition.error_message))).toEqual([
    expect.objectContaining({ error_message: 'Set at least one of s3_bucket_name, cloudwatch_log_group_name: session logs need a destination.' }),
  ]);
});

test.each<ModuleKind>(['logging', 'root'])('optional destinations of the %s module become statements present only when set', (kind) => {
  const document = parsed(kind, 'main.tf.json').data.aws_iam_policy_document.this as { dynamic: { statement: { for_each: string; content: { sid: string } }[] } };
  const presence = Object.fromEntries(document.dynamic.statement.map((s) => [s.content.sid, s.for_each]));
  expect(presence).toEqual({
    DecryptSessionData: '${(var.kms_key_arn != null) ? ["DecryptSessionData"] : []}',
    WriteSessionLogsToS3: '${(var.s3_bucket_name != null) ? ["WriteSessionLogsToS3"] : []}',
    CheckLogBucketEncryption: '${(var.s3_bucket_name != null) ? ["CheckLogBucketEncryption"] : []}',
    GrantLogObjectsToBucketOwner: '${(var.s3_bucket_owner_account_id != null) ? ["GrantLogObjectsToBucketOwner"] : []}',
    EncryptSessionLogsInS3: '${(var.s3_kms_key_arn != null) ? ["EncryptSessionLogsInS3"] : []}',
    WriteSessionLogsToCloudWatch: '${(var.cloudwatch_log_group_name != null) ? ["WriteSessionLogsToCloudWatch"] : []}',
    ReadSessionLogStreams: '${(var.cloudwatch_log_group_name != null) ? ["ReadSessionLogStreams"] : []}',
    FindSessionLogGroup: '${(var.cloudwatch_log_group_name != null) ? ["FindSessionLogGroup"] : []}',
  });
});
