import { Fn, TerraformOutput, TerraformStack, TerraformVariable, Token } from 'cdktf';
import { Construct } from 'constructs';
import { anyOfGroups, terraformMessages } from './module-input-check';
import { ModuleInput, ModuleKind, ROOT_MODULE_NAME, moduleInput, moduleInputs, moduleName } from './module-inputs';
import { SessionManagerRole, defaultPolicyName } from './session-manager-role';

/** Terraform CLI versions the modules support: startswith() in the tags rule needs 1.3 (preconditions 1.2). */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.3.0';
/** First AWS provider release with aws_iam_role_policy_attachments_exclusive (the newest resource the modules use). */
export const REQUIRED_AWS_PROVIDER_VERSION = '>= 5.72.0';

export interface ModuleOutput {
  readonly name: string;
  readonly description: string;
  readonly value: (construct: SessionManagerRole) => string;
}

export const MODULE_OUTPUTS: readonly ModuleOutput[] = [
  { name: 'name', description: 'Name of the IAM role.', value: (c) => c.role.name },
  { name: 'arn', description: 'ARN of the IAM role.', value: (c) => c.role.arn },
  { name: 'unique_id', description: 'Stable unique id of the IAM role (AROA...).', value: (c) => c.role.uniqueId },
  { name: 'policy_arn', description: 'ARN of the customer-managed policy attached to the role.', value: (c) => c.policy.arn },
  { name: 'policy_json', description: 'The policy document the role is granted.', value: (c) => c.policyDocument.json },
  {
    name: 'instance_profile_name',
    description: 'Name of the instance profile to launch instances with; null when create_instance_profile is false.',
    value: (c) => c.instanceProfileName,
  },
  {
    name: 'instance_profile_arn',
    description: 'ARN of the instance profile; null when create_instance_profile is false.',
    value: (c) => c.instanceProfileArn,
  },
  {
    name: 'pass_role_policy_json',
    description:
      'Policy document for the people or pipelines that launch instances: iam:PassRole on this role only, and only ' +
      'to EC2.',
    value: (c) => c.passRolePolicyDocument.json,
  },
];

/**
 * One generated module: Terraform variables built from the input table, a SessionManagerRole fed with them, the
 * outputs and the version constraints; no provider and no backend, so any root configuration can call it. `kind` is
 * a variant (a module under modules/) or `root`, the registry's root module.
 */
export class SessionManagerModuleStack extends TerraformStack {
  readonly moduleName: string;
  readonly construct: SessionManagerRole;

  constructor(
    scope: Construct,
    readonly kind: ModuleKind,
  ) {
    const name = kind === 'root' ? ROOT_MODULE_NAME : moduleName(kind);
    super(scope, name);
    this.moduleName = name;

    const variables = new Map(moduleInputs(kind).map((input) => [input.name, moduleVariable(this, input)]));
    const text = (name: string) => variables.get(name)!.stringValue;
    const optionalText = (name: string) => (variables.has(name) ? text(name) : undefined);
    const roleName = text('role_name');

    this.construct = new SessionManagerRole(this, 'session-manager-role', {
      roleName,
      path: text('path'),
      description: text('description'),
      permissionsBoundary: text('permissions_boundary'),
      maxSessionDuration: variables.get('max_session_duration')!.numberValue,
      tags: Token.asStringMap(variables.get('tags')!.value),
      policyName: Token.asString(Fn.coalesce([text('policy_name'), defaultPolicyName(roleName)])),
      createInstanceProfile: variables.get('create_instance_profile')!.value,
      kmsKeyArn: text('kms_key_arn'),
      logging:
        kind !== 'minimal'
          ? {
              s3BucketName: optionalText('s3_bucket_name'),
              s3KeyPrefix: optionalText('s3_key_prefix'),
              s3BucketOwnerAccountId: optionalText('s3_bucket_owner_account_id'),
              s3KmsKeyArn: optionalText('s3_kms_key_arn'),
              cloudWatchLogGroupName: optionalText('cloudwatch_log_group_name'),
            }
          : undefined,
      moduleAddresses: true,
    });

    this.construct.callerIdentity.lifecycle = {
      precondition: [...crossInputPreconditions(kind), everyInputChecked(kind)],
    };

    for (const output of MODULE_OUTPUTS) {
      new TerraformOutput(this, output.name, { description: output.description, value: output.value(this.construct) });
    }
    this.addOverride('terraform', {
      required_version: REQUIRED_TERRAFORM_VERSION,
      required_providers: { aws: { source: 'hashicorp/aws', version: REQUIRED_AWS_PROVIDER_VERSION } },
    });
  }
}

function moduleVariable(stack: SessionManagerModuleStack, input: ModuleInput): TerraformVariable {
  const optional = input.default === null;
  const variable = new TerraformVariable(stack, input.name, {
    type: input.type,
    description: input.description,
    nullable: optional,
    default: optional ? undefined : input.default,
    validation: variableValidations(input),
  });
  // cdktf drops a null default, which would make the variable required.
  if (optional) variable.addOverride('default', null);
  return variable;
}

function variableValidations(input: ModuleInput) {
  const self = `var.${input.name}`;
  // Terraform's || does not short-circuit, so a rule on a null value must not be able to fail evaluation.
  const whenSet = (condition: string) => (input.default === null ? `${self} == null || try(${condition}, false)` : condition);
  return (input.rules ?? []).map((rule) => ({
    condition: `\${${whenSet(rule.condition(self))}}`,
    errorMessage: terraformMessages.rule(input, rule),
  }));
}

/**
 * Rules that compare inputs. They run as preconditions rather than variable validations because a validation that
 * refers to another variable is skipped whenever that variable fails its own rules, hiding problems.
 */
function crossInputPreconditions(kind: ModuleKind) {
  const requirements = moduleInputs(kind)
    .filter((input) => input.requires)
    .map((input) => ({
      condition: `\${var.${input.name} == null || var.${input.requires} != null}`,
      errorMessage: terraformMessages.requires(input, moduleInput(input.requires!)),
    }));
  const anyOf = anyOfGroups(kind).map((inputs) => ({
    condition: `\${${inputs.map((input) => `var.${input.name} != null`).join(' || ')}}`,
    errorMessage: terraformMessages.anyOf(inputs),
  }));
  return [...requirements, ...anyOf];
}

/**
 * A condition that always holds but refers to every input: Terraform then evaluates every variable's validation
 * before it reads the caller identity, so a plan with invalid input fails without any API call.
 */
function everyInputChecked(kind: ModuleKind) {
  const references = moduleInputs(kind).map((input) => `var.${input.name}`);
  return {
    condition: `\${length([${references.join(', ')}]) == ${references.length}}`,
    errorMessage: 'Every input is validated before the account is looked up.',
  };
}
