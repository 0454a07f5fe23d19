import { MODULE_INPUTS, MODULE_VARIANTS, ModuleInput, TerraformType } from '../lib/module-inputs';
import { CONFIG_VERSION, DEFAULT_STATE_KEY } from './config';

/** Where the published schema lives in the repository (and at a release tag, for editors). */
export const CONFIG_SCHEMA_FILE = 'schemas/config.schema.json';

const TEMPLATE_NOTE = 'May use the placeholders {account_id}, {name} and {region}.';

const JSON_TYPES: Record<TerraformType, object> = {
  string: { type: 'string' },
  number: { type: 'number' },
  bool: { type: 'boolean' },
  'map(string)': { type: 'object', additionalProperties: { type: 'string' } },
};

function inputSchema(input: ModuleInput): object {
  const variants = input.variants.length === MODULE_VARIANTS.length ? 'both variants' : `the ${input.variants.join(', ')} variant`;
  const required = 'default' in input ? '' : ' Required.';
  const type = JSON_TYPES[input.type];
  return {
    description: `${input.description} (${variants}.)${required} String values: ${TEMPLATE_NOTE}`,
    ...('default' in input && input.default !== null ? { default: input.default } : {}),
    // null leaves an input at the module's default, e.g. to undo a value set in `defaults`.
    anyOf: [type, { type: 'null' }],
  };
}

const stringMap = (description: string) => ({ type: 'object', description, additionalProperties: { type: 'string' } });

const endpoints = {
  type: 'object',
  description: 'Custom AWS service endpoints by service name (e.g. iam, sts, s3): VPC endpoints, or a local emulator.',
  propertyNames: { pattern: '^[a-z0-9]+$' },
  additionalProperties: { type: 'string', pattern: '^https?://' },
};

const accountSettings = {
  region: { type: 'string', description: 'AWS region of the provider, e.g. eu-west-1.' },
  variant: { enum: [...MODULE_VARIANTS], description: 'Which module: minimal (Session Manager only) or logging.' },
  role_arn: { type: 'string', description: `Role Terraform assumes in the account. ${TEMPLATE_NOTE}` },
  external_id: { type: 'string', description: 'External id that the role\'s trust policy requires.' },
  inputs: {
    type: 'object',
    description: 'Module inputs (the variables of the module); an account\'s inputs are merged over the defaults, key by key.',
    properties: Object.fromEntries(MODULE_INPUTS.map((input) => [input.name, inputSchema(input)])),
    additionalProperties: false,
  },
  tags: stringMap(`Provider default_tags for every resource; merged over the defaults, key by key. ${TEMPLATE_NOTE}`),
  endpoints,
};

/**
 * JSON Schema of the matrix config file, for editors and for the first validation pass. Module inputs come from the
 * input table in lib/, so the schema lists exactly the variables the generated modules have.
 */
export function configSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'session-manager-role matrix config',
    description: 'Accounts that get the Session Manager role, the module variant and inputs of each, and where state lives.',
    type: 'object',
    required: ['version', 'backend', 'accounts'],
    additionalProperties: false,
    properties: {
      $schema: { type: 'string', description: 'Schema of this file, for editors.' },
      version: { const: CONFIG_VERSION, description: 'Format version of this file.' },
      module: {
        type: 'object',
        description: 'Where the modules come from. Default: the modules of this release of session-manager-role.',
        required: ['source'],
        additionalProperties: false,
        properties: {
          source: {
            type: 'string',
            minLength: 1,
            description:
              'Folder holding session-manager-role-minimal/ and session-manager-role-logging/: a local path (relative ' +
              'to this file), a git source (git::https://...//modules?ref=v1.2.0) or a registry source ' +
              '(namespace/name/aws//modules).',
          },
          version: { type: 'string', minLength: 1, description: 'Version constraint; registry sources only.' },
        },
      },
      terraform: {
        type: 'object',
        additionalProperties: false,
        properties: {
          aws_provider_version: {
            type: 'string',
            minLength: 1,
            description: 'Version constraint for hashicorp/aws in every account, e.g. "~> 5.100". The module sets a lower bound only.',
          },
        },
      },
      defaults: {
        type: 'object',
        description: 'Settings every account takes unless it sets them itself.',
        additionalProperties: false,
        properties: accountSettings,
      },
      backend: {
        type: 'object',
        description: 'Where each account\'s Terraform state lives: one of s3 or local.',
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
        properties: {
          s3: {
            type: 'object',
            required: ['bucket', 'region'],
            additionalProperties: false,
            description: 'S3 backend with S3-native state locking (use_lockfile).',
            properties: {
              bucket: { type: 'string', minLength: 3, description: 'State bucket.' },
              key: { type: 'string', description: `State object key. ${TEMPLATE_NOTE}`, default: DEFAULT_STATE_KEY },
              region: { type: 'string', description: 'Region of the bucket.' },
              role_arn: { type: 'string', description: `Role to assume for the state bucket. ${TEMPLATE_NOTE}` },
              external_id: { type: 'string' },
              encrypt: { type: 'boolean', default: true, description: 'Server-side encryption of the state object.' },
              kms_key_id: { type: 'string', description: 'KMS key for the state object.' },
              endpoints,
              use_path_style: { type: 'boolean', default: false, description: 'Path-style S3 addresses (for S3-compatible endpoints).' },
            },
          },
          local: {
            type: 'object',
            required: ['path'],
            additionalProperties: false,
            description: 'Local state files, for trying things out; not for CI, where the files would be lost.',
            properties: { path: { type: 'string', minLength: 1, description: `State file path, relative to this file. ${TEMPLATE_NOTE}` } },
          },
        },
      },
      accounts: {
        type: 'array',
        minItems: 1,
        description: 'The accounts, in the order reports list them.',
        items: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', pattern: '^\\d{12}$', description: '12-digit AWS account id, quoted.' },
            name: {
              type: 'string',
              pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$',
              description: 'Short unique name: letters, digits, ".", "_" and "-". Default: the id.',
            },
            ...accountSettings,
          },
        },
      },
    },
  };
}
