import { Fn, Op, Token } from 'cdktf';

export interface PolicyCondition {
  readonly test: string;
  readonly variable: string;
  readonly values: readonly string[];
}

export interface PolicyStatement {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: readonly PolicyCondition[];
}

/** A statement of the Session Manager policy, with what decides its presence and how it compares with AWS's guide. */
export interface SessionManagerStatement extends PolicyStatement {
  /** The statement exists only when this input is set; absent: always. */
  readonly onlyWith?: { readonly input: string; readonly value: string };
  /** How this statement compares with the policy in AWS's guide (README, "Compared with AWS's guide"). */
  readonly comparedToGuide: string;
}

/** Where the policy is evaluated. Values may be literals, Terraform tokens or README placeholders. */
export interface PolicyEnvironment {
  readonly partition: string;
  readonly accountId: string;
  /** DNS suffix of the partition (amazonaws.com, amazonaws.com.cn). */
  readonly dnsSuffix: string;
}

export interface SessionLoggingTargets {
  readonly s3BucketName?: string;
  readonly s3KeyPrefix?: string;
  readonly s3BucketOwnerAccountId?: string;
  readonly s3KmsKeyArn?: string;
  readonly cloudWatchLogGroupName?: string;
}

export interface SessionManagerPolicyOptions {
  readonly kmsKeyArn?: string;
  readonly logging?: SessionLoggingTargets;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Record<string, unknown>[];
}

const SESSION_CHANNEL_ACTIONS = [
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
];

/** The canned ACL the SSM agent sets on log objects it writes to another account's bucket. */
export const BUCKET_OWNER_FULL_CONTROL = 'bucket-owner-full-control';

/** Statements of the role's policy, in the order they appear in it. */
export function sessionManagerStatements(
  env: PolicyEnvironment,
  options: SessionManagerPolicyOptions = {},
): SessionManagerStatement[] {
  const account = env.accountId;
  const statements: SessionManagerStatement[] = [
    {
      sid: 'SessionManagerChannels',
      actions: SESSION_CHANNEL_ACTIONS,
      resources: ['*'],
      comparedToGuide: 'Same as the guide: these actions have no resource type, so IAM accepts only "*".',
    },
    {
      sid: 'RegisterInstance',
      actions: ['ssm:UpdateInstanceInformation'],
      resources: [`arn:${env.partition}:ec2:*:${account}:instance/*`],
      comparedToGuide: 'The guide grants it on "*"; the module limits it to EC2 instances of the role\'s own account.',
    },
  ];
  if (options.kmsKeyArn !== undefined) {
    statements.push({
      sid: 'DecryptSessionData',
      actions: ['kms:Decrypt'],
      resources: [options.kmsKeyArn],
      onlyWith: { input: 'kms_key_arn', value: options.kmsKeyArn },
      comparedToGuide: 'Same as the guide (one key), and the key must be given as a key ARN, never an alias.',
    });
  }
  if (options.logging) statements.push(...loggingStatements(env, account, options.logging));
  return statements;
}

function loggingStatements(
  env: PolicyEnvironment,
  account: string,
  logging: SessionLoggingTargets,
): SessionManagerStatement[] {
  const statements: SessionManagerStatement[] = [];
  const bucket = logging.s3BucketName;
  if (bucket !== undefined) {
    const onlyWith = { input: 's3_bucket_name', value: bucket };
    const objects = `arn:${env.partition}:s3:::${bucket}/${keyPrefixPath(logging.s3KeyPrefix)}*`;
    const ownerAccount = firstSet(logging.s3BucketOwnerAccountId, account);
    const inOwnerAccount: PolicyCondition = { test: 'StringEquals', variable: 's3:ResourceAccount', values: [ownerAccount] };
    statements.push(
      {
        sid: 'WriteSessionLogsToS3',
        actions: ['s3:PutObject'],
        resources: [objects],
        conditions: [inOwnerAccount],
        onlyWith,
        comparedToGuide:
          'Same bucket and prefix as the guide, plus a condition on s3:ResourceAccount so that a bucket of the same ' +
          'name in another account (after the real one is deleted) cannot receive the logs.',
      },
      {
        sid: 'CheckLogBucketEncryption',
        actions: ['s3:GetEncryptionConfiguration'],
        resources: [`arn:${env.partition}:s3:::${bucket}`],
        conditions: [inOwnerAccount],
        onlyWith,
        comparedToGuide: 'The guide grants it on "*"; the module limits it to the log bucket.',
      },
    );
    if (logging.s3BucketOwnerAccountId !== undefined) {
      statements.push({
        sid: 'GrantLogObjectsToBucketOwner',
        actions: ['s3:PutObjectAcl'],
        resources: [objects],
        conditions: [
          inOwnerAccount,
          { test: 'StringEquals', variable: 's3:x-amz-acl', values: [BUCKET_OWNER_FULL_CONTROL] },
        ],
        onlyWith: { input: 's3_bucket_owner_account_id', value: logging.s3BucketOwnerAccountId },
        comparedToGuide:
          'The guide adds s3:PutObjectAcl for a bucket owned by another account; the module adds it only then, on ' +
          `the log objects, and only to set the ${BUCKET_OWNER_FULL_CONTROL} ACL.`,
      });
    }
  }
  if (logging.s3KmsKeyArn !== undefined) {
    statements.push({
      sid: 'EncryptSessionLogsInS3',
      actions: ['kms:GenerateDataKey'],
      resources: [logging.s3KmsKeyArn],
      conditions: [{ test: 'StringLike', variable: 'kms:ViaService', values: [`s3.*.${env.dnsSuffix}`] }],
      onlyWith: { input: 's3_kms_key_arn', value: logging.s3KmsKeyArn },
      comparedToGuide: 'The guide grants it on "*"; the module limits it to the bucket\'s key, used through S3.',
    });
  }
  const logGroup = logging.cloudWatchLogGroupName;
  if (logGroup !== undefined) {
    const onlyWith = { input: 'cloudwatch_log_group_name', value: logGroup };
    const group = `arn:${env.partition}:logs:*:${account}:log-group:${logGroup}`;
    statements.push(
      {
        sid: 'WriteSessionLogsToCloudWatch',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${group}:log-stream:*`],
        onlyWith,
        comparedToGuide: 'The guide grants them on "*"; the module limits them to the streams of the log group.',
      },
      {
        sid: 'ReadSessionLogStreams',
        actions: ['logs:DescribeLogStreams'],
        resources: [group, `${group}:*`],
        onlyWith,
        comparedToGuide: 'The guide grants it on "*"; the module limits it to the log group.',
      },
      {
        sid: 'FindSessionLogGroup',
        actions: ['logs:DescribeLogGroups'],
        resources: ['*'],
        onlyWith,
        comparedToGuide: 'Same as the guide: the action has no resource type, so IAM accepts only "*".',
      },
    );
  }
  return statements;
}

/** `logs/` for a prefix `logs` or `logs/`, nothing for no prefix; a Terraform expression for a variable. */
function keyPrefixPath(prefix: string | undefined): string {
  if (prefix === undefined) return '';
  if (!Token.isUnresolved(prefix)) return `${prefix.replace(/\/+$/, '')}/`;
  return Token.asString(
    Fn.conditional(Op.eq(prefix, Token.nullValue()), '', `${Fn.trimsuffix(prefix, '/')}/`),
  );
}

function firstSet(value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  return Token.isUnresolved(value) ? Token.asString(Fn.coalesce([value, fallback])) : value;
}

/** The EC2 service principal of the partition: the only principal the role trusts, and the only service it may be passed to. */
export function ec2ServicePrincipal(env: PolicyEnvironment): string {
  return `ec2.${env.dnsSuffix}`;
}

/** Lets whoever launches instances pass this role, and no other, to EC2 (seed 004). */
export function passRoleStatement(env: PolicyEnvironment, roleArn: string): PolicyStatement {
  return {
    sid: 'PassSessionManagerRoleToEC2',
    actions: ['iam:PassRole'],
    resources: [roleArn],
    conditions: [{ test: 'StringEquals', variable: 'iam:PassedToService', values: [ec2ServicePrincipal(env)] }],
  };
}

/** An identity-policy document, as IAM stores it. */
export function policyDocument(statements: readonly PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements.map((statement) => jsonStatement(statement)) };
}

function jsonStatement(statement: PolicyStatement, principal?: Record<string, string>): Record<string, unknown> {
  const json: Record<string, unknown> = { Sid: statement.sid, Effect: 'Allow' };
  if (principal) json.Principal = principal;
  json.Action = unwrapSingle(statement.actions);
  json.Resource = unwrapSingle(statement.resources);
  if (statement.conditions?.length) {
    const condition: Record<string, Record<string, unknown>> = {};
    for (const { test, variable, values } of statement.conditions) {
      condition[test] = { ...condition[test], [variable]: unwrapSingle(values) };
    }
    json.Condition = condition;
  }
  return json;
}

function unwrapSingle(values: readonly string[]): string | readonly string[] {
  return values.length === 1 ? values[0] : values;
}

export interface CrossAccountGrant {
  readonly partition: string;
  readonly roleArn: string;
}

/**
 * What the owner of a log bucket in another account adds to its bucket policy so that the role can deliver logs
 * (AWS's guide: "the bucket policy grants cross-account access to the IAM role").
 */
export function crossAccountBucketPolicy(
  grant: CrossAccountGrant & { readonly bucketName: string; readonly keyPrefix?: string },
): PolicyDocument {
  const bucket = `arn:${grant.partition}:s3:::${grant.bucketName}`;
  const objects = `${bucket}/${keyPrefixPath(grant.keyPrefix)}*`;
  const principal = { AWS: grant.roleArn };
  // The agent uploads first and sets the ACL in a second call, so only that call is held to the owner's ACL.
  const statements: PolicyStatement[] = [
    { sid: 'SessionLogsFromInstanceRole', actions: ['s3:PutObject'], resources: [objects] },
    {
      sid: 'SessionLogOwnershipFromInstanceRole',
      actions: ['s3:PutObjectAcl'],
      resources: [objects],
      conditions: [{ test: 'StringEquals', variable: 's3:x-amz-acl', values: [BUCKET_OWNER_FULL_CONTROL] }],
    },
    { sid: 'EncryptionCheckFromInstanceRole', actions: ['s3:GetEncryptionConfiguration'], resources: [bucket] },
  ];
  return { Version: '2012-10-17', Statement: statements.map((statement) => jsonStatement(statement, principal)) };
}

/**
 * The statement a KMS key policy needs when the key is in another account than the role: key policies decide first,
 * and a key policy that only trusts its own account ignores the role's identity policy.
 */
export function crossAccountKeyPolicyStatement(
  grant: CrossAccountGrant & { readonly actions: readonly string[]; readonly dnsSuffix: string; readonly viaS3: boolean },
): Record<string, unknown> {
  return jsonStatement(
    {
      sid: 'SessionManagerInstanceRole',
      actions: grant.actions,
      resources: ['*'],
      conditions: grant.viaS3
        ? [{ test: 'StringLike', variable: 'kms:ViaService', values: [`s3.*.${grant.dnsSuffix}`] }]
        : undefined,
    },
    { AWS: grant.roleArn },
  );
}
