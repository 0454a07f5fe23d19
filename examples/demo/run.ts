/**
 * `npm run demo`: the whole product on this machine, no AWS account and no GitHub needed. A local AWS emulator
 * (IAM, STS, and S3 for the state) stands in for three accounts and a state account; the command line plans, applies,
 * plans again, finds a policy changed by hand, and writes the pull request comment, job summary and drift issue the
 * GitHub Action would post.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { main } from '../../cli/main';
import { MatrixResult } from '../../engine/result';
import { readResult } from '../../engine/result-file';
import { renderDriftIssue } from '../../report/drift-issue';
import { renderJobSummary } from '../../report/job-summary';
import { renderPlanComment } from '../../report/pr-comment';
import { EMULATOR_KEY, emulatorMatrixConfig, startMatrixEmulator } from '../../emulator/matrix';

const OUTPUT = join(process.cwd(), 'demo-output');
const ACCOUNTS = { 'prod-eu': '210000000001', dev: '210000000002', sandbox: '210000000003' };
const COMMIT = '5e5510d0c0ffee00000000000000000000000042';

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
  const header = '# Written by npm run demo: three accounts of a local AWS emulator, state in its S3 bucket.\n';
  return header + emulatorMatrixConfig(endpoint, accounts, { owner: 'platform', 'managed-by': 'session-manager-role' });
}

function step(title: string): void {
  process.stdout.write(`\n\u2501\u2501 ${title}\n\n`);
}

/** Runs the command line as a user would, and checks it ended the way this step expects. */
async function cli(expectedExit: number, ...args: string[]): Promise<MatrixResult | undefined> {
  const json = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
  const code = await main([...args, '--work-dir', join(OUTPUT, 'work')], { stdout: process.stdout, stderr: process.stderr, env: { ...process.env, ...EMULATOR_KEY }, signals: process });
  if (code !== expectedExit) throw new Error(`session-manager-role ${args[0]} exited with ${code}, expected ${expectedExit}`);
  return json ? readResult(json) : undefined;
}

async function demo(): Promise<void> {
  rmSync(OUTPUT, { recursive: true, force: true });
  mkdirSync(OUTPUT, { recursive: true });
  const emulator = await startMatrixEmulator(Object.values(ACCOUNTS));
  try {
    const configFile = join(OUTPUT, 'accounts.yml');
    writeFileSync(configFile, config(emulator.endpoint));
    const file = (name: string) => join(OUTPUT, name);
    process.stdout.write(`AWS emulator on ${emulator.endpoint}; config: ${relative(process.cwd(), configFile)}\n`);

    step('1. plan: what each account would get (exit code 2: changes)');
    const plan = await cli(2, 'plan', '-c', configFile, '--json', file('plan.json'));

    step('2. apply the plans just saved');
    await cli(0, 'apply', '-c', configFile, '--plan-result', file('plan.json'), '--json', file('apply.json'));

    step('3. plan again: nothing left to do (exit code 0)');
    await cli(0, 'plan', '-c', configFile, '--json', file('plan-again.json'));

    step('4. someone widens the dev policy by hand in the console');
    const policy = `arn:aws:iam::${ACCOUNTS.dev}:policy/ssm-dev-session-manager`;
    emulator.outOfBand(ACCOUNTS.dev).editPolicy(policy, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:*', 's3:*'], Resource: '*' }] });
    process.stdout.write(`New default version of ${policy}: ssm:* and s3:* on *\n`);

    step('5. drift: the change made outside Terraform, in dev only (exit code 2)');
    const drift = await cli(2, 'drift', '-c', configFile, '--json', file('drift.json'));

    step('6. what the GitHub Action would post');
    writeFileSync(file('pr-comment.md'), renderPlanComment(plan!, { config: 'accounts.yml', commit: COMMIT, runUrl: 'https://github.com/OWNER/REPO/actions/runs/1' }));
    writeFileSync(file('job-summary.md'), renderJobSummary(plan!, { config: 'accounts.yml', commit: COMMIT }));
    writeFileSync(file('drift-issue.md'), renderDriftIssue(drift!, { config: 'accounts.yml' }, { checkedAt: new Date().toUTCString(), runUrl: 'https://github.com/OWNER/REPO/actions/runs/2' }));
    for (const name of ['pr-comment.md', 'job-summary.md', 'drift-issue.md', 'plan.json', 'drift.json']) {
      process.stdout.write(`  ${relative(process.cwd(), file(name))}\n`);
    }
    process.stdout.write('\nThe .md files are GitHub Markdown: open them in a Markdown preview. Per-account Terraform logs are under demo-output/work/accounts/.\n');
  } finally {
    await emulator.close();
  }
}

demo().catch((error: Error) => {
  process.stderr.write(`demo failed: ${error.message}\n`);
  process.exitCode = 1;
});
