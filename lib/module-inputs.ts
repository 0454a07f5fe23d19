import {
  InputRule,
  atMostCharacters,
  doesNotMatch,
  iamTags,
  matches,
  wholeNumberBetween,
} from './private/input-rule';

/** The two generated modules. */
export type ModuleVariant = 'minimal' | 'logging';

export const MODULE_VARIANTS: readonly ModuleVariant[] = ['minimal', 'logging'];

/** Folder name of a variant's generated module, under modules/. */
export function moduleName(variant: ModuleVariant): string {
  return `session-manager-role-${variant}`;
}

/**
 * What the generator writes: a variant's module, or `root`, the root module of the registry tree (every input of both
 * variants; the logging permissions appear for the destinations that are set, so without one it is the minimal role).
 */
export type ModuleKind = ModuleVariant | 'root';

/** Name of the root module (the registry's `<namespace>/session-manager-role/aws`). */
export const ROOT_MODULE_NAME = 'session-manager-role';

/**
 * The repository the Terraform Registry publishes (it only accepts repositories named terraform-<provider>-<name>
 * with a root module), and the folder of this repository that holds its tree.
 */
export const REGISTRY_REPOSITORY_NAME = `terraform-aws-${ROOT_MODULE_NAME}`;

export type TerraformType = 'string' | 'number' | 'bool' | 'map(string)';

/**
 * One input of the generated modules and the construct prop it feeds. The same entry produces the Terraform variable
 * (type, description, default, validation), the construct's prop validation and the README's inputs table.
 */
export interface ModuleInput {
  /** Terraform variable name (snake_case). */
  readonly name: string;
  /** Path of the construct prop, e.g. `roleName` or `logging.s3BucketName`. */
  readonly prop: string;
  readonly type: TerraformType;
  readonly description: string;
  /** Absent: the input is required. `null`: optional with no value. */
  readonly default?: string | number | boolean | null | Record<string, string>;
  readonly rules?: readonly InputRule[];
  /** Name of another input that must be set whenever this one is. */
  readonly requires?: string;
  /** Variants that have this input. */
  readonly variants: readonly ModuleVariant[];
}

/** Inputs of which at least one must be set, checked as one rule. */
export interface AnyOfRule {
  readonly inputs: readonly string[];
  readonly variants: readonly ModuleVariant[];
}

const BOTH: readonly ModuleVariant[] = ['minimal', 'logging'];
const LOGGING: readonly ModuleVariant[] = ['logging'];

const KMS_KEY_ARN = matches(
  '^arn:aws[a-z-]*:kms:[a-z0-9-]+:\\d{12}:key/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$',
  'be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias, an alias ARN or a bare key id',
);

export const DEFAULT_ROLE_DESCRIPTION = 'Lets EC2 instances connect to AWS Systems Manager Session Manager.';

export const MODULE_INPUTS: readonly ModuleInput[] = [
  {
    name: 'role_name',
    prop: 'roleName',
    type: 'string',
    description: 'Name of the IAM role. The instance profile gets the same name.',
    rules: [matches('^[\\w+=,.@-]{1,64}$', 'be 1 to 64 characters: letters, digits and +=,.@_-')],
    variants: BOTH,
  },
  {
    name: 'path',
    prop: 'path',
    type: 'string',
    description: 'Path of the role, the policy and the instance profile.',
    default: '/',
    rules: [
      matches(
        '^(/|/[\\x21-\\x7E]{1,510}/)$',
        'be "/" or begin and end with "/", with printable ASCII characters and no spaces in between (at most 512 characters)',
      ),
    ],
    variants: BOTH,
  },
  {
    name: 'description',
    prop: 'description',
    type: 'string',
    description: 'Description of the IAM role.',
    default: DEFAULT_ROLE_DESCRIPTION,
    rules: [
      matches(
        '^[\\t\\n\\r\\x20-\\x7E\\xA1-\\xFF]{0,1000}$',
        'be at most 1000 characters from the Latin-1 set that IAM accepts',
      ),
    ],
    variants: BOTH,
  },
  {
    name: 'permissions_boundary',
    prop: 'permissionsBoundary',
    type: 'string',
    description: 'ARN of the managed policy to set as the role\'s permissions boundary.',
    default: null,
    rules: [
      matches('^arn:aws[a-z-]*:iam::(aws|\\d{12}):policy/[\\x21-\\x7E]+$', 'be the ARN of an IAM managed policy'),
    ],
    variants: BOTH,
  },
  {
    name: 'max_session_duration',
    prop: 'maxSessionDuration',
    type: 'number',
    description: 'Maximum session duration of the role, in seconds.',
    default: 3600,
    rules: [wholeNumberBetween(3600, 43200, 'be a whole number of seconds from 3600 (1 hour) to 43200 (12 hours)')],
    variants: BOTH,
  },
  {
    name: 'tags',
    prop: 'tags',
    type: 'map(string)',
    description: 'Tags for the role, the policy and the instance profile.',
    default: {},
    rules: [iamTags],
    variants: BOTH,
  },
  {
    name: 'policy_name',
    prop: 'policyName',
    type: 'string',
    description:
      'Name of the customer-managed policy. Defaults to "<role_name>-session-manager", so that two roles in one ' +
      'account get two policies.',
    default: null,
    rules: [matches('^[\\w+=,.@-]{1,128}$', 'be 1 to 128 characters: letters, digits and +=,.@_-')],
    variants: BOTH,
  },
  {
    name: 'create_instance_profile',
    prop: 'createInstanceProfile',
    type: 'bool',
    description: 'Whether to create an instance profile for the role (EC2 instances take a profile, not a role).',
    default: true,
    variants: BOTH,
  },
  {
    name: 'kms_key_arn',
    prop: 'kmsKeyArn',
    type: 'string',
    description:
      'ARN of the KMS key chosen in the Session Manager preferences to encrypt session data. Grants kms:Decrypt on ' +
      'this key only.',
    default: null,
    rules: [KMS_KEY_ARN],
    variants: BOTH,
  },
  {
    name: 's3_bucket_name',
    prop: 'logging.s3BucketName',
    type: 'string',
    description: 'Name of the S3 bucket that receives session logs.',
    default: null,
    rules: [
      matches(
        '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
        'be 3 to 63 characters of lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit',
      ),
      doesNotMatch('\\.\\.', 'not contain two adjacent dots'),
      doesNotMatch('^\\d+\\.\\d+\\.\\d+\\.\\d+$', 'not be formatted as an IP address'),
      doesNotMatch(
        '^(xn--|sthree-|amzn-s3-demo-)|(-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3)$',
        'not use a prefix or suffix that S3 reserves (xn--, sthree-, amzn-s3-demo-, -s3alias, --ol-s3, .mrap, --x-s3, --table-s3)',
      ),
    ],
    variants: LOGGING,
  },
  {
    name: 's3_key_prefix',
    prop: 'logging.s3KeyPrefix',
    type: 'string',
    description:
      'Key prefix of the session logs in the bucket, as in the Session Manager preferences (a trailing "/" is ' +
      'optional). Null: anywhere in the bucket.',
    default: null,
    rules: [
      matches('^[^/]', 'not be empty or begin with "/" (leave it null to allow the whole bucket)'),
      doesNotMatch('[*?]', 'not contain "*" or "?", which IAM would read as wildcards'),
      atMostCharacters(900, 'be at most 900 characters'),
    ],
    requires: 's3_bucket_name',
    variants: LOGGING,
  },
  {
    name: 's3_bucket_owner_account_id',
    prop: 'logging.s3BucketOwnerAccountId',
    type: 'string',
    description:
      'Account id of the bucket owner when it is not the role\'s account. Adds s3:PutObjectAcl (bucket-owner-full-' +
      'control only); the bucket policy must grant the role too (see "Cross-account bucket").',
    default: null,
    rules: [matches('^\\d{12}$', 'be a 12-digit AWS account id')],
    requires: 's3_bucket_name',
    variants: LOGGING,
  },
  {
    name: 's3_kms_key_arn',
    prop: 'logging.s3KmsKeyArn',
    type: 'string',
    description:
      'ARN of the KMS key the bucket uses for SSE-KMS. Grants kms:GenerateDataKey on this key, through S3 only.',
    default: null,
    rules: [KMS_KEY_ARN],
    requires: 's3_bucket_name',
    variants: LOGGING,
  },
  {
    name: 'cloudwatch_log_group_name',
    prop: 'logging.cloudWatchLogGroupName',
    type: 'string',
    description: 'Name of the CloudWatch Logs log group that receives session logs.',
    default: null,
    rules: [matches('^[.\\-_/#A-Za-z0-9]{1,512}$', 'be 1 to 512 characters: letters, digits and ._-/#')],
    variants: LOGGING,
  },
];

export const ANY_OF_RULES: readonly AnyOfRule[] = [
  { inputs: ['s3_bucket_name', 'cloudwatch_log_group_name'], variants: LOGGING },
];

export function moduleInputs(kind: ModuleKind): ModuleInput[] {
  if (kind === 'root') return [...MODULE_INPUTS];
  return MODULE_INPUTS.filter((input) => input.variants.includes(kind));
}

export function moduleInput(name: string): ModuleInput {
  const input = MODULE_INPUTS.find((candidate) => candidate.name === name);
  if (!input) throw new Error(`unknown module input ${name}`);
  return input;
}
