/** The command line's vocabulary: one table that both argument parsing and `--help` are made from. */

export type CommandName = 'validate' | 'plan' | 'apply' | 'drift' | 'merge' | 'demo';

export interface OptionSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  /** Placeholder in help, e.g. <file>. */
  readonly value?: string;
  readonly description: string;
}

export interface CommandSpec {
  readonly name: CommandName;
  readonly summary: string;
  readonly usage: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  /** Exit codes and what they mean. */
  readonly exitCodes: readonly string[];
}

const config: OptionSpec = { name: 'config', short: 'c', type: 'string', value: '<file>', description: 'Matrix config file, YAML or JSON. Default: session-manager-role.yml' };
const json: OptionSpec = { name: 'json', type: 'string', value: '<file>', description: 'Also write the result document (JSON, see schemas/result.schema.json) to <file>.' };
const help: OptionSpec = { name: 'help', short: 'h', type: 'boolean', description: 'Show this help.' };
const noColor: OptionSpec = { name: 'no-color', type: 'boolean', description: 'No colours (also: NO_COLOR set, or output not a terminal).' };
const runOptions: OptionSpec[] = [
  config,
  json,
  { name: 'work-dir', type: 'string', value: '<dir>', description: 'Working directories, plans, logs and the provider cache. Default: .session-manager-role' },
  { name: 'parallelism', short: 'p', type: 'string', value: '<n>', description: 'Accounts to run at the same time. Default: the number of CPUs.' },
  { name: 'timeout', type: 'string', value: '<duration>', description: 'Time limit per account, all steps together, e.g. 30m or 1h. Default: none.' },
  { name: 'lock-timeout', type: 'string', value: '<duration>', description: 'How long to wait for a state lock held by another run. Default: 2m' },
  { name: 'shard', type: 'string', value: '<i/n>', description: 'Run only the i-th of n equal slices of the accounts (join them with merge).' },
  { name: 'run-id', type: 'string', value: '<id>', description: 'Names the run (assume-role session, logs). Default: the GitHub run, or a timestamp.' },
  { name: 'commit', type: 'string', value: '<sha>', description: 'The commit the config comes from, recorded in the result. Default: HEAD of the config\'s git repository.' },
  {
    name: 'terraform-log',
    type: 'string',
    value: '<level>',
    description: 'Set TF_LOG (trace, debug, info, warn, error, json) for Terraform; its output goes to each account\'s log. Debug logs can hold credentials. Default: no Terraform log.',
  },
  {
    name: 'pass-env',
    type: 'string',
    value: '<names>',
    description: 'Also pass these environment variables (comma-separated) to Terraform, which otherwise gets only AWS_*, TF_TOKEN_*, proxy, CA and basic settings.',
  },
  { name: 'quiet', short: 'q', type: 'boolean', description: 'No progress lines on stderr.' },
  noColor,
  help,
];
const changedSince: OptionSpec = {
  name: 'changed-since',
  type: 'string',
  value: '<git-ref>',
  description: 'Plan only accounts whose configuration or module differs from <git-ref>; the others are skipped.',
};

const unapplied: OptionSpec = {
  name: 'unapplied',
  type: 'boolean',
  description: 'Run only accounts whose configuration differs from the one last applied to them (recorded beside each state); the others are skipped.',
};

/** The drift pre-check's options, for plan and drift. */
const precheckOptions: OptionSpec[] = [
  { name: 'full', type: 'boolean', description: 'Plan every account with Terraform, even those unchanged since their converged record.' },
  {
    name: 'max-age',
    type: 'string',
    value: '<duration>',
    description: 'Check without Terraform only accounts Terraform found converged within <duration>, e.g. 1d or 12h. Default: 7d',
  },
];

const RUN_EXIT_CODES = ['0  nothing to change, no drift', '1  the config is invalid, or an account failed, was refused or cancelled', '2  changes to apply or drift found'];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'validate',
    summary: 'Check the config file and list every problem; runs no Terraform.',
    usage: 'session-manager-role validate [--config <file>]',
    description: 'Checks the file against its schema, the module inputs against the modules\' own rules, and ids, names, ARNs, regions, templates and state locations. Changes nothing.',
    options: [config, noColor, help],
    exitCodes: ['0  the config is valid', '1  it is not (every problem is listed, with file:line:column)'],
  },
  {
    name: 'plan',
    summary: 'Plan every account and report changes and drift.',
    usage: 'session-manager-role plan [--config <file>] [--json <file>] [--review-record <file>] [options]',
    description:
      'Runs terraform plan in every account (in parallel), keeps each plan file for apply --plan-result, and reports the changes, the drift (changes made outside Terraform) and a fingerprint per account. An account whose configuration, state and AWS objects equal what Terraform last found converged is checked with a few API reads instead of a plan (--full plans every account). With --review-record, also writes the record of the fingerprints a reviewer saw, which apply --expect reads.',
    options: [
      ...runOptions.slice(0, 2),
      { name: 'review-record', type: 'string', value: '<file>', description: 'Also write the review record (every planned account\'s fingerprint, the commit and the config) to <file>.' },
      changedSince,
      unapplied,
      ...precheckOptions,
      ...runOptions.slice(2),
    ],
    exitCodes: RUN_EXIT_CODES,
  },
  {
    name: 'apply',
    summary: 'Apply reviewed plans: saved ones, or ones that match reviewed fingerprints.',
    usage: 'session-manager-role apply (--plan-result <file> | --expect <file> | --auto-approve) [--config <file>] [options]',
    description:
      'With --plan-result, applies the plan files that the plan run which wrote <file> saved (same --work-dir). With --expect, plans again and applies each account only when its plan has the fingerprint recorded in <file> (a review record, written by plan --review-record); accounts whose plan differs are refused. With --auto-approve, plans and applies without a review.',
    options: [
      ...runOptions.slice(0, 2),
      { name: 'plan-result', type: 'string', value: '<file>', description: 'Result of the plan run whose saved plans to apply.' },
      { name: 'expect', type: 'string', value: '<file>', description: 'Review record of the reviewed plan: apply only accounts whose new plan has the fingerprint it records.' },
      { name: 'auto-approve', type: 'boolean', description: 'Plan and apply without a reviewed plan.' },
      changedSince,
      unapplied,
      ...runOptions.slice(2),
    ],
    exitCodes: ['0  every account applied or had nothing to apply', '1  the config is invalid, or an account failed, was refused or cancelled'],
  },
  {
    name: 'drift',
    summary: 'Look for changes made outside Terraform, in every account.',
    usage: 'session-manager-role drift [--config <file>] [--json <file>] [options]',
    description:
      'Checks every account (never a subset: --changed-since does not apply) and reports drift apart from configuration not yet applied. An account whose configuration, state and AWS objects equal what Terraform last found converged is checked with a few API reads instead of a plan (--full plans every account).',
    options: [...runOptions.slice(0, 2), ...precheckOptions, ...runOptions.slice(2)],
    exitCodes: RUN_EXIT_CODES,
  },
  {
    name: 'merge',
    summary: 'Join the results of --shard runs into one result.',
    usage: 'session-manager-role merge <result.json>... --json <file> [--config <file>]',
    description: 'Refuses results of different commands, missing or repeated shards and accounts covered twice; with --config, also accounts no shard covered. Prints the merged summary.',
    options: [{ ...config, description: 'Check that every account of this config is covered.' }, json, noColor, help],
    exitCodes: ['0, 1, 2  as a single run of the same command would have exited', '1  also when the results cannot be merged'],
  },
  {
    name: 'demo',
    summary: 'See it run: plan, apply and drift in three accounts of a local AWS emulator.',
    usage: 'session-manager-role demo [--output <dir>]',
    description:
      'Needs Terraform on PATH, nothing else: no AWS account, no GitHub. Starts a local AWS emulator (IAM, STS, S3), writes a three-account config with both variants, plans, applies, plans again, changes a policy by hand, checks for drift, and writes the pull request comment, job summary and drift issue the GitHub Action would post.',
    options: [
      { name: 'output', short: 'o', type: 'string', value: '<dir>', description: 'Folder for the config, results, reports and Terraform logs. Default: demo-output' },
      noColor,
      help,
    ],
    exitCodes: ['0  every step ended as expected', '1  a step did not (the message names it), or Terraform is missing'],
  },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export function mainHelp(version: string): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    `session-manager-role ${version}: the Session Manager IAM role in many AWS accounts, with Terraform.`,
    '',
    'Usage: session-manager-role <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Run session-manager-role <command> --help for the options of a command.',
    'Progress goes to stderr, the summary table to stdout. Colour only on a terminal, never with NO_COLOR.',
    '',
  ].join('\n');
}

export function commandHelp(command: CommandSpec): string {
  const label = (option: OptionSpec) => `${option.short ? `-${option.short}, ` : '    '}--${option.name}${option.value ? ` ${option.value}` : ''}`;
  const width = Math.max(...command.options.map((option) => label(option).length));
  return [
    `Usage: ${command.usage}`,
    '',
    wrap(command.description, 100),
    '',
    'Options:',
    ...command.options.map((option) => `  ${label(option).padEnd(width)}  ${option.description}`),
    '',
    'Exit codes:',
    ...command.exitCodes.map((line) => `  ${line}`),
    '',
  ].join('\n');
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}
