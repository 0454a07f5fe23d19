import { MODULE_VARIANTS } from '../lib/module-inputs';
import { ACCOUNT_STATUSES, CHANGE_ACTIONS, COMMANDS, NO_CHANGES, RESULT_VERSION } from './result';

/** Where the published schema lives in the repository. */
export const RESULT_SCHEMA_FILE = 'schemas/result.schema.json';

const count = { type: 'integer', minimum: 0 };
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const gitCommit = { type: 'string', pattern: '^[0-9a-f]{40,64}$' };
const counts = {
  type: 'object',
  additionalProperties: false,
  required: Object.keys(NO_CHANGES),
  properties: Object.fromEntries(Object.keys(NO_CHANGES).map((key) => [key, count])),
};
const attribute = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string' },
    before: { description: 'JSON value; "(sensitive value)" where Terraform marks it sensitive; absent when not set.' },
    after: { description: 'JSON value; "(sensitive value)" or "(known after apply)" where applicable; absent when not set.' },
  },
};

/** JSON Schema of the result document (engine/result.ts): what every reporter, and any other tool, may rely on. */
export function resultSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'session-manager-role result',
    description: 'The result of plan, apply or drift over a matrix of AWS accounts.',
    type: 'object',
    additionalProperties: false,
    required: ['version', 'tool', 'command', 'run', 'fingerprint', 'summary', 'accounts'],
    properties: {
      version: { const: RESULT_VERSION },
      tool: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'version'],
        properties: { name: { const: 'session-manager-role' }, version: { type: 'string' } },
      },
      command: { enum: COMMANDS },
      run: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'started_at', 'finished_at', 'duration_ms', 'config', 'parallelism'],
        properties: {
          id: { type: 'string', minLength: 1 },
          started_at: { type: 'string', format: 'date-time' },
          finished_at: { type: 'string', format: 'date-time' },
          duration_ms: count,
          config: { type: 'string' },
          terraform_version: { type: 'string' },
          parallelism: { type: 'integer', minimum: 1 },
          shard: {
            type: 'object',
            additionalProperties: false,
            required: ['index', 'count'],
            properties: { index: { type: 'integer', minimum: 1 }, count: { type: 'integer', minimum: 1 } },
          },
          changed_since: {
            type: 'object',
            additionalProperties: false,
            required: ['ref', 'commit'],
            properties: { ref: { type: 'string' }, commit: gitCommit },
          },
          unapplied: { const: true },
          commit: gitCommit,
          config_digest: sha256,
        },
      },
      fingerprint: { ...sha256, description: 'Hash over every planned account\'s id and fingerprint.' },
      summary: {
        type: 'object',
        additionalProperties: false,
        required: ['accounts', 'by_status', 'with_changes', 'with_drift', ...counts.required],
        properties: {
          accounts: count,
          by_status: {
            type: 'object',
            additionalProperties: false,
            required: ACCOUNT_STATUSES,
            properties: Object.fromEntries(ACCOUNT_STATUSES.map((status) => [status, count])),
          },
          with_changes: count,
          with_drift: count,
          ...counts.properties,
        },
      },
      accounts: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'name', 'variant', 'region', 'status', 'counts', 'changes', 'drift', 'outputs', 'duration_ms', 'phases'],
          properties: {
            id: { type: 'string', pattern: '^\\d{12}$' },
            name: { type: 'string' },
            variant: { enum: [...MODULE_VARIANTS] },
            region: { type: 'string' },
            status: { enum: ACCOUNT_STATUSES },
            reason: { type: 'string' },
            fingerprint: sha256,
            plan_shape: sha256,
            counts,
            changes: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['address', 'type', 'action', 'cause', 'attributes'],
                properties: {
                  address: { type: 'string' },
                  type: { type: 'string' },
                  action: { enum: CHANGE_ACTIONS },
                  reason: { type: 'string' },
                  moved_from: { type: 'string' },
                  importing: { type: 'string' },
                  cause: { enum: ['drift', 'configuration', 'both'] },
                  attributes: { type: 'array', items: attribute },
                },
              },
            },
            drift: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['address', 'type', 'action', 'attributes'],
                properties: {
                  address: { type: 'string' },
                  type: { type: 'string' },
                  action: { enum: ['update', 'delete'] },
                  attributes: { type: 'array', items: attribute },
                },
              },
            },
            outputs: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['name', 'action'],
                properties: { name: { type: 'string' }, action: { enum: CHANGE_ACTIONS }, before: {}, after: {} },
              },
            },
            duration_ms: count,
            phases: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['phase', 'duration_ms'],
                properties: { phase: { type: 'string' }, duration_ms: count },
              },
            },
            error: {
              type: 'object',
              additionalProperties: false,
              required: ['phase', 'message'],
              properties: { phase: { type: 'string' }, message: { type: 'string' } },
            },
            warnings: { type: 'array', items: { type: 'string' } },
            config_digest: sha256,
            log_file: { type: 'string' },
            precheck: {
              type: 'object',
              description: 'Plan and drift: what the drift pre-check found (docs/decisions.md, "Drift checks without Terraform").',
              additionalProperties: false,
              required: ['without_terraform'],
              properties: {
                without_terraform: { type: 'boolean', description: 'Configuration, state and AWS objects equalled the converged record: Terraform did not run.' },
                terraform_reason: { type: 'string', description: 'Why Terraform ran.' },
                converged_since: { type: 'string', format: 'date-time', description: 'Since when the account is converged, unchanged.' },
                verified_at: { type: 'string', format: 'date-time', description: 'When a Terraform plan last proved it converged.' },
                recorded: { type: 'boolean', description: 'Terraform found no changes and no drift: whether the converged record was written.' },
                not_recorded_reason: { type: 'string', description: 'Why the converged record could not be written, or (after drift) cleared.' },
              },
            },
          },
        },
      },
    },
  };
}
