import { parseDuration } from '../../engine/duration';
import { ShardSpec, parseShard } from '../../engine/shard';
import { TERRAFORM_LOG_LEVELS, TerraformLogLevel, forbiddenPassEnv } from '../../engine/terraform-environment';

export type ActionCommand = 'plan' | 'apply' | 'drift' | 'report';
export type CommentMode = 'update' | 'recreate' | 'off';
export type DriftIssueMode = 'per-config' | 'per-account' | 'off';

/** The action's inputs, checked: every problem is reported at once, naming the input. */
export interface ActionInputs {
  readonly command: ActionCommand;
  readonly config: string;
  readonly githubToken: string;
  readonly parallelism?: number;
  readonly shard?: ShardSpec;
  readonly changedSince?: string;
  readonly comment: CommentMode;
  readonly commentAuthor: string;
  /** File name of the workflow whose runs plan pull requests: where apply finds the review record. */
  readonly planWorkflow: string;
  /** How many commits of the branch an apply looks back for reviews of accounts without a record of their last apply. */
  readonly reviewLookback: number;
  readonly failOnDrift: boolean;
  readonly driftIssue: DriftIssueMode;
  readonly driftIssueLabel: string;
  /** Most issues and comments a drift run creates; @default the drift issues' own (400). */
  readonly driftIssueBudget?: number;
  readonly timeoutMs?: number;
  readonly lockTimeoutMs?: number;
  /** TF_LOG for Terraform; undefined: no Terraform log. */
  readonly terraformLog?: TerraformLogLevel;
  /** Further environment variables Terraform may see. */
  readonly passEnv: readonly string[];
  /** report: result files, or folders holding them. */
  readonly results: readonly string[];
  readonly resultPath?: string;
  /** plan, drift: Terraform plans every account, converged records or not. */
  readonly full: boolean;
  /** plan, drift: the oldest converged record the pre-check trusts. */
  readonly maxAgeMs?: number;
}

/** Reads `INPUT_*` as the runner sets them (the same names as action.yml). */
export type InputReader = (name: string) => string;

export class InputError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid inputs:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'InputError';
  }
}

function oneOf<T extends string>(problems: string[], name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
  return allowed[0];
}

export function readInputs(input: InputReader): ActionInputs {
  const problems: string[] = [];
  const text = (name: string) => input(name).trim();
  const optional = (name: string) => text(name) || undefined;

  const command = oneOf(problems, 'command', text('command'), ['plan', 'apply', 'drift', 'report'] as const);
  const parallelismText = optional('parallelism');
  const parallelismOk = parallelismText === undefined || /^[1-9]\d*$/.test(parallelismText);
  if (!parallelismOk) problems.push(`parallelism must be a whole number of at least 1 (got "${parallelismText}")`);
  let shard: ShardSpec | undefined;
  if (optional('shard')) {
    try {
      shard = parseShard(text('shard'));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  const duration = (name: string) => {
    const value = optional(name);
    if (value === undefined) return undefined;
    const ms = parseDuration(value);
    if (ms === undefined) problems.push(`${name} must be a duration such as 90s, 30m or 1h30m (got "${value}")`);
    return ms;
  };
  const wholeNumber = (name: string) => {
    const value = optional(name);
    if (value === undefined) return undefined;
    if (/^[1-9]\d*$/.test(value)) return Number(value);
    problems.push(`${name} must be a whole number of at least 1 (got "${value}")`);
    return undefined;
  };
  const full = oneOf(problems, 'full', text('full') || 'false', ['true', 'false'] as const) === 'true';
  const failOnDrift = oneOf(problems, 'fail-on-drift', text('fail-on-drift') || 'false', ['true', 'false'] as const) === 'true';
  const githubToken = text('github-token');
  if (!githubToken) problems.push('github-token is empty: pass ${{ github.token }} or a token with issues and pull-requests write access');
  const results = input('results').split(/[\n,]/).map((entry) => entry.trim()).filter(Boolean);
  if (command === 'report' && results.length === 0) problems.push('results must name the shard result files (or folders holding them) for command report');
  if (command === 'drift' && optional('changed-since')) problems.push('changed-since does not apply to drift: a drift check always covers every account');
  if (command === 'apply' && optional('changed-since')) {
    problems.push('changed-since does not apply to apply: an apply covers every account whose configuration differs from the one last applied to it');
  }
  const terraformLog = optional('terraform-log')?.toLowerCase();
  if (terraformLog !== undefined && !(TERRAFORM_LOG_LEVELS as readonly string[]).includes(terraformLog)) {
    problems.push(`terraform-log must be one of ${TERRAFORM_LOG_LEVELS.join(', ')} (got "${terraformLog}")`);
  }
  const passEnv = input('pass-env').split(/[\n,]/).map((name) => name.trim()).filter(Boolean);
  for (const name of passEnv) {
    const problem = forbiddenPassEnv(name);
    if (problem) problems.push(`pass-env: ${problem}`);
  }

  const inputs: ActionInputs = {
    command,
    config: text('config') || 'session-manager-role.yml',
    githubToken,
    parallelism: parallelismText !== undefined && parallelismOk ? Number(parallelismText) : undefined,
    shard,
    changedSince: optional('changed-since'),
    comment: oneOf(problems, 'comment', text('comment') || 'update', ['update', 'recreate', 'off'] as const),
    commentAuthor: text('comment-author') || 'github-actions[bot]',
    planWorkflow: text('plan-workflow') || 'session-manager-role-plan.yml',
    reviewLookback: wholeNumber('review-lookback') ?? 30,
    failOnDrift,
    driftIssue: oneOf(problems, 'drift-issue', text('drift-issue') || 'per-config', ['per-config', 'per-account', 'off'] as const),
    driftIssueLabel: text('drift-issue-label') || 'session-manager-role-drift',
    driftIssueBudget: wholeNumber('drift-issue-budget'),
    timeoutMs: duration('timeout'),
    lockTimeoutMs: duration('lock-timeout'),
    terraformLog: terraformLog as TerraformLogLevel | undefined,
    passEnv,
    results,
    resultPath: optional('result-path'),
    full,
    maxAgeMs: duration('max-age'),
  };
  if (problems.length > 0) throw new InputError(problems);
  return inputs;
}
