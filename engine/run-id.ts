import { randomBytes } from 'node:crypto';

/** Run ids of GitHub workflow runs: `gh-<run id>-<attempt>`. */
const GITHUB_RUN_ID = /^(gh-\d+)-\d+$/;

/** A run id that names the run in AWS (the assume-role session) and in logs: the GitHub run when there is one. */
export function defaultRunId(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_RUN_ID) return `gh-${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `local-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** The run a run id belongs to: attempts of one GitHub workflow run (a re-run shard job) are one run. */
export function runGroup(runId: string): string {
  return GITHUB_RUN_ID.exec(runId)?.[1] ?? runId;
}
