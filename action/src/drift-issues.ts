import { MatrixResult } from '../../engine/result';
import { DriftScope, driftIssueMarker, driftIssueTitle, hasDrift, renderDriftIssue, renderDriftReopened, renderDriftResolved, scopedAccounts } from '../../report/drift-issue';
import { DriftIssueMode } from './inputs';
import { GitHubClient, httpStatus } from './github';

export interface DriftIssueOptions {
  readonly config: string;
  readonly mode: Exclude<DriftIssueMode, 'off'>;
  readonly label: string;
  readonly author: string;
  readonly runUrl?: string;
  readonly checkedAt: string;
}

/** What happened to one issue, for the log and the summary. */
export interface IssueChange {
  readonly action: 'opened' | 'updated' | 'reopened' | 'closed';
  readonly number: number;
  readonly url: string;
  readonly scope: DriftScope;
}

type Repository = { readonly owner: string; readonly repo: string };

/**
 * Keeps one issue per config (or per account) in step with the drift check: opened, updated or reopened while there
 * is drift, closed with a comment when it is gone. A scope with an account that could not be checked is left as it
 * is: no drift found is not the same as no drift.
 */
export async function syncDriftIssues(octokit: GitHubClient, repository: Repository, result: MatrixResult, options: DriftIssueOptions): Promise<IssueChange[]> {
  const issues = (await octokit.paginate(octokit.rest.issues.listForRepo, { ...repository, state: 'all', labels: options.label, per_page: 100 })).filter(
    (issue) => !issue.pull_request && issue.user?.login === options.author,
  );
  const scopes: DriftScope[] =
    options.mode === 'per-config'
      ? [{ config: options.config }]
      : result.accounts.map((account) => ({ config: options.config, accountId: account.id }));
  const changes: IssueChange[] = [];
  // The label is what finds the issues again; made once, when the first issue is opened.
  let labelReady: Promise<void> | undefined;
  for (const scope of scopes) {
    const marker = driftIssueMarker(scope);
    const issue = issues.find((candidate) => (candidate.body ?? '').startsWith(`${marker}\n`));
    const drift = hasDrift(result, scope);
    const context = { runUrl: options.runUrl, checkedAt: options.checkedAt };
    if (drift) {
      const content = { title: driftIssueTitle(result, scope), body: renderDriftIssue(result, scope, context) };
      if (!issue) {
        labelReady ??= ensureLabel(octokit, repository, options.label);
        await labelReady;
        const { data } = await octokit.rest.issues.create({ ...repository, ...content, labels: [options.label] });
        changes.push({ action: 'opened', number: data.number, url: data.html_url, scope });
      } else if (issue.state === 'closed') {
        await octokit.rest.issues.update({ ...repository, issue_number: issue.number, ...content, state: 'open', state_reason: 'reopened' });
        await octokit.rest.issues.createComment({ ...repository, issue_number: issue.number, body: renderDriftReopened(result, context) });
        changes.push({ action: 'reopened', number: issue.number, url: issue.html_url, scope });
      } else {
        await octokit.rest.issues.update({ ...repository, issue_number: issue.number, ...content });
        changes.push({ action: 'updated', number: issue.number, url: issue.html_url, scope });
      }
    } else if (issue?.state === 'open' && fullyChecked(result, scope)) {
      await octokit.rest.issues.createComment({ ...repository, issue_number: issue.number, body: renderDriftResolved(result, context) });
      await octokit.rest.issues.update({ ...repository, issue_number: issue.number, state: 'closed', state_reason: 'completed' });
      changes.push({ action: 'closed', number: issue.number, url: issue.html_url, scope });
    }
  }
  return changes;
}

function fullyChecked(result: MatrixResult, scope: DriftScope): boolean {
  return scopedAccounts(result, scope).every((account) => account.status === 'no_changes' || account.status === 'changes');
}

/** Issues are found again by their label: it must exist before the first issue is opened. */
async function ensureLabel(octokit: GitHubClient, repository: Repository, name: string): Promise<void> {
  try {
    await octokit.rest.issues.getLabel({ ...repository, name });
  } catch (error) {
    if (httpStatus(error) !== 404) throw error;
    await octokit.rest.issues.createLabel({ ...repository, name, color: 'd93f0b', description: 'Changes made outside Terraform, found by session-manager-role' });
  }
}
