import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { INPUTS_WITH_RULES, BAD_INPUTS, expectedMessage } from './support/bad-inputs';
import { InvalidPropsError, MODULE_INPUTS, SessionManagerRole, SessionManagerRoleProps } from '../lib';

type Synthesized = {
  data: Record<string, Record<string, Record<string, unknown>>>;
  resource: Record<string, Record<string, Record<string, unknown>>>;
};

function synth(props: SessionManagerRoleProps, configure?: (stack: TerraformStack) => Partial<SessionManagerRoleProps>): Synthesized {
  const stack = new TerraformStack(Testing.app(), 'test');
  new SessionManagerRole(stack, 'ssm', { ...props, ...configure?.(stack), moduleAddresses: true });
  return JSON.parse(Testing.synth(stack));
}

const policyStatements = (config: Synthesized) =>
  config.data.aws_iam_policy_document.this.statement as { sid: string; actions: string[]; resources: string[] }[];

function construct(props: Partial<SessionManagerRoleProps>) {
  return () => new SessionManagerRole(new TerraformStack(new App(), 'test'), 'ssm', props as SessionManagerRoleProps);
}

function setProp(path: string, value: unknown): Partial<SessionManagerRoleProps> {
  const [first, second] = path.split('.');
  return second ? { [first]: { [second]: value } } : { [first]: value };
}

describe('prop validation', () => {
  test('an empty role name throws an error that names the prop', () => {
    expect(construct({ roleName: '' })).toThrow(/roleName must be 1 to 64 characters/);
  });

  test('a missing role name is reported', () => {
    expect(construct({})).toThrow(/roleName is required/);
  });

  test('every problem is listed at once', () => {
    const create = construct({ roleName: 'bad name', path: 'nope', maxSessionDuration: 1, logging: { s3KeyPrefix: '/x' } });
    expect(create).toThrow(InvalidPropsError);
    try {
      create();
    } catch (error) {
      expect((error as InvalidPropsError).problems).toEqual([
        expect.stringMatching(/^roleName must/),
        expect.stringMatching(/^path must/),
        expect.stringMatching(/^maxSessionDuration must/),
        'logging.s3KeyPrefix requires logging.s3BucketName',
        expect.stringMatching(/^logging.s3KeyPrefix must not be empty or begin with "\/"/),
        'logging needs at least one of logging.s3BucketName, logging.cloudWatchLogGroupName',
      ]);
    }
  });

  test('the table of bad values covers every input that has rules', () => {
    expect(INPUTS_WITH_RULES.map((input) => input.name).sort()).toEqual(Object.keys(BAD_INPUTS).sort());
  });

  // The same bad values that Terraform must reject (terraform-modules.test.ts), checked by the construct's rules.
  test.each(INPUTS_WITH_RULES.flatMap((input) => BAD_INPUTS[input.name].map((bad) => [input.prop, JSON.stringify(bad.value), input, bad] as const)))(
    '%s rejects %s with the rule\'s message',
    (prop, _shown, input, bad) => {
      const logging = prop.startsWith('logging.') ? { s3BucketName: 'logs-bucket' } : undefined;
      const props = { roleName: 'ok-role', logging, ...setProp(prop, bad.value) };
      if (logging && props.logging) props.logging = { ...logging, ...props.logging };
      const message = expectedMessage(input, bad).replace(input.name, prop).replace(/\.$/, '');
      expect(construct(props)).toThrow(message);
    },
  );

  test('values that Terraform only knows later (tokens) are left to Terraform', () => {
    const config = synth({ roleName: 'placeholder' }, (stack) => ({
      roleName: new TerraformVariable(stack, 'name', { type: 'string' }).stringValue,
    }));
    expect(config.resource.aws_iam_role.this.name).toBe('${var.name}');
  });
});

describe('resources', () => {
  test('trust policy: only the EC2 service of the partition', () => {
    const trust = synth({ roleName: 'r' }).data.aws_iam_policy_document.assume_role.statement as object[];
    expect(trust).toEqual([
      {
        sid: 'EC2AssumeRole',
        actions: ['sts:AssumeRole'],
        principals: [{ type: 'Service', identifiers: ['ec2.${data.aws_partition.current.dns_suffix}'] }],
      },
    ]);
  });

  test('role defaults: path, description, one-hour sessions, policy named after the role', () => {
    const config = synth({ roleName: 'web' });
    expect(config.resource.aws_iam_role.this).toMatchObject({ name: 'web', path: '/', max_session_duration: 3600 });
    expect(config.resource.aws_iam_role.this.description).toMatch(/Session Manager/);
    expect(config.resource.aws_iam_policy.this.name).toBe('web-session-manager');
  });

  test('the policy is attached, and attachments and inline policies are managed exclusively', () => {
    const { resource } = synth({ roleName: 'web' });
    expect(resource.aws_iam_role_policy_attachment.this).toEqual({
      role: '${aws_iam_role.this.name}',
      policy_arn: '${aws_iam_policy.this.arn}',
    });
    expect(resource.aws_iam_role_policy_attachments_exclusive.this).toEqual({
      role_name: '${aws_iam_role.this.name}',
      policy_arns: ['${aws_iam_policy.this.arn}'],
      depends_on: ['aws_iam_role_policy_attachment.this'],
    });
    expect(resource.aws_iam_role_policies_exclusive.this).toEqual({ role_name: '${aws_iam_role.this.name}', policy_names: [] });
  });

  test('instance profile: created by default, same name and path as the role; not created when turned off', () => {
    expect(synth({ roleName: 'web', path: '/ssm/' }).resource.aws_iam_instance_profile.this).toMatchObject({
      name: 'web',
      path: '/ssm/',
      role: '${aws_iam_role.this.name}',
    });
    expect(synth({ roleName: 'web', createInstanceProfile: false }).resource.aws_iam_instance_profile).toBeUndefined();
  });

  test('tags go to the role, the policy and the instance profile', () => {
    const { resource } = synth({ roleName: 'web', tags: { team: 'platform' } });
    for (const type of ['aws_iam_role', 'aws_iam_policy', 'aws_iam_instance_profile']) {
      expect(resource[type].this.tags).toEqual({ team: 'platform' });
    }
  });

  test('permissions boundary and session duration are passed through', () => {
    const boundary = 'arn:aws:iam::123456789012:policy/boundary';
    expect(synth({ roleName: 'web', permissionsBoundary: boundary, maxSessionDuration: 7200 }).resource.aws_iam_role.this).toMatchObject({
      permissions_boundary: boundary,
      max_session_duration: 7200,
    });
  });
});

describe('policy statements from literal props', () => {
  const key = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';

  test('minimal: session channels on "*", instance registration scoped to the account, nothing else', () => {
    const statements = policyStatements(synth({ roleName: 'web' }));
    expect(statements.map((statement) => statement.sid)).toEqual(['SessionManagerChannels', 'RegisterInstance']);
    expect(statements[1].resources).toEqual([
      'arn:${data.aws_partition.current.partition}:ec2:*:${data.aws_caller_identity.current.account_id}:instance/*',
    ]);
  });

  test('a KMS key adds kms:Decrypt on that key only', () => {
    const statements = policyStatements(synth({ roleName: 'web', kmsKeyArn: key }));
    expect(statements[2]).toMatchObject({ sid: 'DecryptSessionData', actions: ['kms:Decrypt'], resources: [key] });
  });

  test('logging: the prefix gets one trailing slash, and each destination adds its own statements', () => {
    const statements = policyStatements(
      synth({ roleName: 'web', logging: { s3BucketName: 'logs-bucket', s3KeyPrefix: 'sessions//', cloudWatchLogGroupName: '/ssm' } }),
    );
    expect(statements.map((statement) => statement.sid)).toEqual([
      'SessionManagerChannels',
      'RegisterInstance',
      'WriteSessionLogsToS3',
      'CheckLogBucketEncryption',
      'WriteSessionLogsToCloudWatch',
      'ReadSessionLogStreams',
      'FindSessionLogGroup',
    ]);
    expect(statements[2].resources).toEqual(['arn:${data.aws_partition.current.partition}:s3:::logs-bucket/sessions/*']);
  });

  test('statements known at synth time are plain blocks; the document has no dynamic blocks', () => {
    expect(synth({ roleName: 'web', kmsKeyArn: key }).data.aws_iam_policy_document.this.dynamic).toBeUndefined();
  });

  test('an optional value given as a Terraform reference becomes a dynamic block present only when it is not null', () => {
    const config = synth({ roleName: 'web' }, (stack) => ({
      kmsKeyArn: new TerraformVariable(stack, 'key', { type: 'string' }).stringValue,
    }));
    expect(config.data.aws_iam_policy_document.this.dynamic).toEqual({
      statement: [
        {
          for_each: '${(var.key != null) ? ["DecryptSessionData"] : []}',
          content: { sid: 'DecryptSessionData', effect: 'Allow', actions: ['kms:Decrypt'], resources: ['${var.key}'] },
        },
      ],
    });
  });
});

test('without moduleAddresses, two roles in one stack get distinct addresses', () => {
  const stack = new TerraformStack(Testing.app(), 'two');
  new SessionManagerRole(stack, 'web', { roleName: 'web' });
  new SessionManagerRole(stack, 'db', { roleName: 'db' });
  const config = JSON.parse(Testing.synth(stack)) as Synthesized;
  expect(Object.keys(config.resource.aws_iam_role)).toHaveLength(2);
});

test('every input of the modules maps to a construct prop', () => {
  const documented = ['roleName', 'path', 'description', 'permissionsBoundary', 'maxSessionDuration', 'tags', 'policyName', 'createInstanceProfile', 'kmsKeyArn'];
  const loggingProps = ['s3BucketName', 's3KeyPrefix', 's3BucketOwnerAccountId', 's3KmsKeyArn', 'cloudWatchLogGroupName'].map((p) => `logging.${p}`);
  expect(MODULE_INPUTS.map((input) => input.prop).sort()).toEqual([...documented, ...loggingProps].sort());
});
