/**
 * `session-manager-role demo` (and `npm run demo`): the whole product on this machine, with Terraform the only other
 * requirement: no AWS account, no GitHub. The local AWS emulator (IAM, STS, and S3 for the state) stands in for three
 * accounts and a state account; the command line plans, applies, plans again, finds a policy changed by hand, and
 * writes the pull request comment, job summary and drift issue the GitHub Action would post.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EMULATOR_KEY, emulatorMatrixConfig, startMatrixEmulator } from '../emulator/matrix';
import { MatrixResult } from '../engine/result';
import { readResult } from '../engine/result-file';
import { findTerraform } from '../engine/terraform-setup';
import { renderDriftIssue } from '../report/drift-issue';
import { renderJobSummary } from '../report/job-summary';
import { renderPlanComment } from '../report/pr-comment';
import type { Io } from './io';

/** Written into the output folder, so that a second run may replace it and nothing else is ever removed. */
const MARKER = '.session-manager-role-demo';
const ACCOUNTS = { 'prod-eu': '210000000001', dev: '210000000002', sandbox: '210000000003' };
const COMMIT = '5e5510d0c0ffee00000000000000000000000042';

export interface DemoOptions {
  /** Folder for the config, results, reports and working directories (replaced when a previous demo wrote it). */
  readonly output: string;
  readonly io: Io;
  /** The command line itself, given by its caller rather than imported: the command line runs the demo. */
  readonly cli: (argv: readonly string[], io: Io) => Promise<number>;
}

function config(endpoint: string): string {
  const accounts = [
    {
      id: ACCOUNTS['prod-eu'],
      name: 'prod-eu',
      variant: 'logging' as const,
      inputs: { s3_bucket_name: 'org-session-logs', s3_key_prefix: 'prod-eu/', cloudwatch_log_group_name: '/ssm/sessions' },
    },
    { id: ACCOUNTS.dev, name: 'dev' },
    { id: ACCOUNTS.sandbox, name: 'sandbox' },
  ];
  const header = '# Written by session-manager-role demo: three accounts of a local AWS emulator, state in its S3 bucket.\n';
  return header + emulatorMatrixConfig(endpoint, accounts, { owner: 'platform', 'managed-by': 'session-manager-role' });
}

/** An empty folder for this run; refuses one that holds anything the demo did not write. */
function prepareOutput(output: string): void {
  if (existsSync(output) && readdirSync(output).length > 0 && !existsSync(join(output, MARKER))) {
    throw new Error(`${output} exists and was not written by the demo: remove it or choose another --output`);
  }
  rmSync(output, { recursive: true, force: true });
  mkdirSync(output, { recursive: true });
  writeFileSync(join(output, MARKER), 'Written by session-manager-role demo; the next demo run replaces this folder.\n');
}

/** Runs the demo; resolves with the exit code, throws with a message for the user when a step goes wrong. */
export async function runDemo({ output, io, cli }: DemoOptions): Promise<number> {
  // Before anything starts: the one requirement besides this package.
  findTerraform(io.env);
  prepareOutput(output);
  const file = (name: string) => join(output, name);
  // Paths as the user would type them: relative below the current folder, absolute elsewhere.
  const shown = (path: string) => (relative(process.cwd(), path).startsWith('..') ? path : relative(process.cwd(), path) || '.');
  // The emulator's key only: credentials, profiles or a session token of the user's must not reach it.
  const env = { ...Object.fromEntries(Object.entries(io.env).filter(([name]) => !name.startsWith('AWS_'))), ...EMULATOR_KEY };
  const step = (title: string) => io.stdout.write(`\n\u2501\u2501 ${title}\n\n`);

  /** Runs the command line as a user would, and checks it ended the way this step expects. */
  const run = async (expectedExit: number, ...args: string[]): Promise<MatrixResult | undefined> => {
    const json = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
    const code = await cli([...args, '--work-dir', file('work')], { ...io, env });
    if (code !== expectedExit) throw new Error(`session-manager-role ${args[0]} exited with ${code}, expected ${expectedExit}; the logs are under ${shown(file('work'))}`);
    return json ? readResult(json) : undefined;
  };

  const emulator = await startMatrixEmulator(Object.values(ACCOUNTS));
  try {
    const configFile = file('accounts.yml');
    writeFileSync(configFile, config(emulator.endpoint));
    io.stdout.write(`AWS emulator on ${emulator.endpoint}; config: ${shown(configFile)}\n`);

    step('1. plan: what each account would get (exit code 2: changes)');
    const plan = await run(2, 'plan', '-c', configFile, '--json', file('plan.json'));

    step('2. apply the plans just saved');
    await run(0, 'apply', '-c', configFile, '--plan-result', file('plan.json'), '--json', file('apply.json'));

    step('3. plan again: nothing left to do (exit code 0)');
    await run(0, 'plan', '-c', configFile, '--json', file('plan-again.json'));

    step('4. someone widens the dev policy by hand in the console');
    const policy = `arn:aws:iam::${ACCOUNTS.dev}:policy/ssm-dev-session-manager`;
    emulator.outOfBand(ACCOUNTS.dev).editPolicy(policy, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:*', 's3:*'], Resource: '*' }] });
    io.stdout.write(`New default version of ${policy}: ssm:* and s3:* on *\n`);

    step('5. drift: the change made outside Terraform, in dev only (exit code 2)');
    const drift = await run(2, 'drift', '-c', configFile, '--json', file('drift.json'));

    step('6. what the GitHub Action would post');
    writeFileSync(file('pr-comment.md'), renderPlanComment(plan!, { config: 'accounts.yml', commit: COMMIT, runUrl: 'https://github.com/OWNER/REPO/actions/runs/1' }));
    writeFileSync(file('job-summary.md'), renderJobSummary(plan!, { config: 'accounts.yml', commit: COMMIT }));
    writeFileSync(file('drift-issue.md'), renderDriftIssue(drift!, { config: 'accounts.yml' }, { checkedAt: new Date().toUTCString(), runUrl: 'https://github.com/OWNER/REPO/actions/runs/2' }));
    for (const name of ['pr-comment.md', 'job-summary.md', 'drift-issue.md', 'plan.json', 'drift.json']) io.stdout.write(`  ${shown(file(name))}\n`);
    io.stdout.write(`\nThe .md files are GitHub Markdown: open them in a Markdown preview. Per-account Terraform logs are under ${shown(file('work/accounts'))}/.\n`);
    return 0;
  } finally {
    await emulator.close();
  }
}
