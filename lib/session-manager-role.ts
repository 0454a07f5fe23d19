import { Fn, Op, TerraformElement, Token, propertyAccess } from 'cdktf';
import { Construct } from 'constructs';
import {
  DataAwsIamPolicyDocument,
  DataAwsIamPolicyDocumentStatement,
} from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePoliciesExclusive } from '@cdktf/provider-aws/lib/iam-role-policies-exclusive';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { IamRolePolicyAttachmentsExclusive } from '@cdktf/provider-aws/lib/iam-role-policy-attachments-exclusive';
import { DEFAULT_ROLE_DESCRIPTION } from './module-inputs';
import {
  PolicyEnvironment,
  PolicyStatement,
  SessionLoggingTargets,
  SessionManagerStatement,
  ec2ServicePrincipal,
  passRoleStatement,
  sessionManagerStatements,
} from './session-manager-policy';
import { validateProps } from './private/validate-props';

/** Where the instances send session logs. Set at least one destination. */
export interface SessionLoggingProps extends SessionLoggingTargets {
  /**
   * S3 bucket that receives session logs.
   * @default - no S3 logging
   */
  readonly s3BucketName?: string;
  /**
   * Key prefix of the logs in the bucket, as in the Session Manager preferences; a trailing "/" is optional.
   * @default - the whole bucket
   */
  readonly s3KeyPrefix?: string;
  /**
   * Account id of the bucket owner when it is not the role's account; adds s3:PutObjectAcl (bucket-owner-full-control).
   * @default - the bucket is in the role's account
   */
  readonly s3BucketOwnerAccountId?: string;
  /**
   * ARN of the bucket's SSE-KMS key; grants kms:GenerateDataKey on it through S3.
   * @default - the bucket does not use a customer-managed KMS key
   */
  readonly s3KmsKeyArn?: string;
  /**
   * CloudWatch Logs log group that receives session logs.
   * @default - no CloudWatch Logs logging
   */
  readonly cloudWatchLogGroupName?: string;
}

export interface SessionManagerRoleProps {
  /** Name of the IAM role; the instance profile gets the same name. */
  readonly roleName: string;
  /**
   * Path of the role, the policy and the instance profile.
   * @default '/'
   */
  readonly path?: string;
  /**
   * Description of the role.
   * @default 'Lets EC2 instances connect to AWS Systems Manager Session Manager.'
   */
  readonly description?: string;
  /**
   * ARN of the managed policy used as the role's permissions boundary.
   * @default - no permissions boundary
   */
  readonly permissionsBoundary?: string;
  /**
   * Maximum session duration in seconds, 3600 to 43200.
   * @default 3600
   */
  readonly maxSessionDuration?: number;
  /**
   * Tags for the role, the policy and the instance profile.
   * @default - no tags
   */
  readonly tags?: { readonly [key: string]: string };
  /**
   * Name of the customer-managed policy.
   * @default `${roleName}-session-manager`
   */
  readonly policyName?: string;
  /**
   * Whether to create an instance profile for the role.
   * @default true
   */
  readonly createInstanceProfile?: boolean;
  /**
   * ARN of the KMS key that encrypts session data (Session Manager preferences); grants kms:Decrypt on it.
   * @default - session data is not KMS-encrypted
   */
  readonly kmsKeyArn?: string;
  /**
   * Session logging destinations; adds the permissions to write there.
   * @default - no session logging
   */
  readonly logging?: SessionLoggingProps;
  /**
   * Give every resource and data source the address a hand-written module would use (`aws_iam_role.this`,
   * `data.aws_partition.current`, ...), as the generated modules do: their consumers' state depends on these
   * addresses. Only for a stack that holds a single SessionManagerRole.
   * @default false - cdktf's unique logical ids
   */
  readonly moduleAddresses?: boolean;
}

/** The policy name used when none is given: derived from the role name so that two roles never share a policy. */
export function defaultPolicyName(roleName: string): string {
  return `${roleName}-session-manager`;
}

/**
 * The IAM role, least-privilege policy and instance profile that EC2 instances need for Session Manager, with
 * exclusive management of the role's policies so that anything attached outside Terraform is reverted.
 */
export class SessionManagerRole extends Construct {
  /** The account the role lives in (sts:GetCallerIdentity, the construct's only API call at plan time). */
  readonly callerIdentity: DataAwsCallerIdentity;
  readonly role: IamRole;
  readonly policy: IamPolicy;
  readonly policyDocument: DataAwsIamPolicyDocument;
  readonly passRolePolicyDocument: DataAwsIamPolicyDocument;
  /** Absent when `createInstanceProfile` is false. */
  readonly instanceProfile?: IamInstanceProfile;
  /** The statements of the policy, as built from the props. */
  readonly statements: readonly SessionManagerStatement[];

  constructor(scope: Construct, id: string, props: SessionManagerRoleProps) {
    super(scope, id);
    validateProps(this.node.path, props);
    // cdktf fixes an element's logical id the first time it is referenced, so the address is set at creation.
    const at = <T extends TerraformElement>(address: string, element: T): T => {
      if (props.moduleAddresses) element.overrideLogicalId(address);
      return element;
    };

    const partition = at('current', new DataAwsPartition(this, 'partition'));
    this.callerIdentity = at('current', new DataAwsCallerIdentity(this, 'caller-identity'));
    const env: PolicyEnvironment = {
      partition: partition.partition,
      accountId: this.callerIdentity.accountId,
      dnsSuffix: partition.dnsSuffix,
    };
    const path = props.path ?? '/';
    const tags = props.tags;

    const assumeRole = at('assume_role', new DataAwsIamPolicyDocument(this, 'assume-role', {
      statement: [
        {
          sid: 'EC2AssumeRole',
          actions: ['sts:AssumeRole'],
          principals: [{ type: 'Service', identifiers: [ec2ServicePrincipal(env)] }],
        },
      ],
    }));
    this.role = at('this', new IamRole(this, 'role', {
      name: props.roleName,
      path,
      description: props.description ?? DEFAULT_ROLE_DESCRIPTION,
      permissionsBoundary: props.permissionsBoundary,
      maxSessionDuration: props.maxSessionDuration ?? 3600,
      assumeRolePolicy: assumeRole.json,
      tags,
    }));

    this.statements = sessionManagerStatements(env, { kmsKeyArn: props.kmsKeyArn, logging: props.logging });
    this.policyDocument = at('this', new DataAwsIamPolicyDocument(this, 'policy-document', {}));
    addStatements(this.policyDocument, this.statements);
    this.policy = at('this', new IamPolicy(this, 'policy', {
      name: props.policyName ?? defaultPolicyName(props.roleName),
      path,
      description: `Session Manager permissions of the ${props.roleName} role.`,
      policy: this.policyDocument.json,
      tags,
    }));

    const attachment = at('this', new IamRolePolicyAttachment(this, 'policy-attachment', {
      role: this.role.name,
      policyArn: this.policy.arn,
    }));
    // Detaches any other managed policy on apply; waits for the attachment above so the two never race.
    at('this', new IamRolePolicyAttachmentsExclusive(this, 'policy-attachments-exclusive', {
      roleName: this.role.name,
      policyArns: [this.policy.arn],
      dependsOn: [attachment],
    }));
    // The role has no inline policy: an empty list makes Terraform delete any that appears.
    at('this', new IamRolePoliciesExclusive(this, 'inline-policies-exclusive', {
      roleName: this.role.name,
      policyNames: [],
    }));

    const createProfile = props.createInstanceProfile ?? true;
    if (createProfile === true || Token.isUnresolved(createProfile)) {
      this.instanceProfile = at('this', new IamInstanceProfile(this, 'instance-profile', {
        count: createProfile === true ? undefined : Token.asNumber(Fn.conditional(createProfile, 1, 0)),
        name: props.roleName,
        path,
        role: this.role.name,
        tags,
      }));
    }

    this.passRolePolicyDocument = at('pass_role', new DataAwsIamPolicyDocument(this, 'pass-role', {
      statement: [terraformStatement(passRoleStatement(env, this.role.arn))],
    }));
  }

  /** Name of the instance profile, or null when none is created. */
  get instanceProfileName(): string {
    return this.instanceProfileAttribute('name');
  }

  /** ARN of the instance profile, or null when none is created. */
  get instanceProfileArn(): string {
    return this.instanceProfileAttribute('arn');
  }

  private instanceProfileAttribute(attribute: 'name' | 'arn'): string {
    if (!this.instanceProfile) return Token.asString(Token.nullValue());
    if (this.instanceProfile.count === undefined) return this.instanceProfile[attribute];
    return Token.asString(Fn.one(propertyAccess(this.instanceProfile, ['*', attribute])));
  }
}

function terraformStatement(statement: PolicyStatement): DataAwsIamPolicyDocumentStatement {
  return {
    sid: statement.sid,
    effect: 'Allow',
    actions: [...statement.actions],
    resources: [...statement.resources],
    condition: statement.conditions?.map(({ test, variable, values }) => ({ test, variable, values: [...values] })),
  };
}

/** Raw (snake_case) block, as Terraform JSON needs it inside a `dynamic` block's content. */
function rawStatementBlock(statement: PolicyStatement): Record<string, unknown> {
  const { condition, ...rest } = terraformStatement(statement);
  return condition ? { ...rest, condition } : rest;
}

/**
 * Adds the statements to the document: plain blocks for statements known to exist now, and `dynamic` blocks for
 * those that depend on a Terraform value (a module variable), present only when that value is not null.
 */
function addStatements(document: DataAwsIamPolicyDocument, statements: readonly SessionManagerStatement[]): void {
  const isConditional = (statement: SessionManagerStatement) =>
    statement.onlyWith !== undefined && Token.isUnresolved(statement.onlyWith.value);
  document.putStatement(statements.filter((s) => !isConditional(s)).map(terraformStatement));
  const dynamicStatements = statements.filter(isConditional).map((statement) => ({
    for_each: Fn.conditional(Op.neq(statement.onlyWith!.value, Token.nullValue()), [statement.sid], []),
    content: rawStatementBlock(statement),
  }));
  // cdktf cannot mix plain and dynamic blocks of one type, so the dynamic ones go in through an override.
  if (dynamicStatements.length > 0) document.addOverride('dynamic.statement', dynamicStatements);
}
