import { Artifact, Comment, Issue, Label, PullRequestIssue, Repository, User, WorkflowRun } from './state';

/** Where links in objects point: the server's API address and the (fake) web host for html_url. */
export interface Urls {
  readonly api: string;
  readonly web: string;
}

type Json = Record<string, unknown>;

/** A node id in GitHub's current format: a type prefix and an opaque base64url tail. */
export function nodeId(prefix: string, id: number): string {
  return `${prefix}_kwDO${Buffer.from(`${prefix}:${id}`).toString('base64url')}`;
}

export function userJson(urls: Urls, user: User): Json {
  const api = `${urls.api}/users/${encodeURIComponent(user.login)}`;
  return {
    login: user.login,
    id: user.id,
    node_id: nodeId(user.type === 'Bot' ? 'BOT' : user.type === 'Organization' ? 'O' : 'U', user.id),
    avatar_url: `${urls.web}/avatars/u/${user.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: user.type === 'Bot' ? `${urls.web}/apps/${encodeURIComponent(user.login.replace(/\[bot\]$/, ''))}` : `${urls.web}/${encodeURIComponent(user.login)}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: user.type,
    user_view_type: 'public',
    site_admin: false,
  };
}

function repositoryApi(urls: Urls, repository: Repository): string {
  return `${urls.api}/repos/${repository.fullName}`;
}

function issueApi(urls: Urls, repository: Repository, number: number): string {
  return `${repositoryApi(urls, repository)}/issues/${number}`;
}

/** A full repository object, as pull requests embed for their head and base. */
export function repositoryJson(urls: Urls, repository: Repository): Json {
  const api = repositoryApi(urls, repository);
  const web = `${urls.web}/${repository.fullName}`;
  const host = new URL(urls.web).host;
  const openIssues = [...repository.issues.values()].filter((issue) => issue.state === 'open').length;
  return {
    id: repository.id,
    node_id: nodeId('R', repository.id),
    name: repository.name,
    full_name: repository.fullName,
    owner: userJson(urls, repository.owner),
    private: repository.isPrivate,
    visibility: repository.isPrivate ? 'private' : 'public',
    html_url: web,
    description: null,
    fork: repository.fork,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://${host}/${repository.fullName}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@${host}:${repository.fullName}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: `${web}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: web,
    homepage: null,
    language: null,
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers: 0,
    watchers_count: 0,
    size: 0,
    default_branch: repository.defaultBranch,
    open_issues: openIssues,
    open_issues_count: openIssues,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: true,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    license: null,
    pushed_at: repository.createdAt,
    created_at: repository.createdAt,
    updated_at: repository.createdAt,
    allow_forking: true,
    web_commit_signoff_required: false,
  };
}

export function labelJson(urls: Urls, repository: Repository, label: Label): Json {
  return {
    id: label.id,
    node_id: nodeId('LA', label.id),
    url: `${repositoryApi(urls, repository)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    description: label.description,
    color: label.color,
    default: label.isDefault,
  };
}

/** No one reacts in this server; GitHub still sends the counts. */
function reactionsJson(url: string): Json {
  return { url: `${url}/reactions`, total_count: 0, '+1': 0, '-1': 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 };
}

function issueHtmlUrl(urls: Urls, repository: Repository, issue: Issue): string {
  return `${urls.web}/${repository.fullName}/${issue.pullRequest ? 'pull' : 'issues'}/${issue.number}`;
}

/** An issue (or the issue side of a pull request, with its `pull_request` links), as the issues API returns it. */
export function issueJson(urls: Urls, repository: Repository, issue: Issue): Json {
  const api = issueApi(urls, repository, issue.number);
  const html = issueHtmlUrl(urls, repository, issue);
  return {
    id: issue.id,
    node_id: nodeId(issue.pullRequest ? 'PR' : 'I', issue.id),
    url: api,
    repository_url: repositoryApi(urls, repository),
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: html,
    number: issue.number,
    state: issue.state,
    state_reason: issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: userJson(urls, issue.user),
    labels: issue.labels.map((label) => labelJson(urls, repository, label)),
    assignee: issue.assignees[0] ? userJson(urls, issue.assignees[0]) : null,
    assignees: issue.assignees.map((user) => userJson(urls, user)),
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: issue.comments.length,
    ...(issue.pullRequest
      ? {
          pull_request: {
            url: `${repositoryApi(urls, repository)}/pulls/${issue.number}`,
            html_url: html,
            diff_url: `${html}.diff`,
            patch_url: `${html}.patch`,
            merged_at: issue.pullRequest.mergedAt,
          },
          draft: issue.pullRequest.draft,
        }
      : {}),
    closed_at: issue.closedAt,
    closed_by: issue.closedBy ? userJson(urls, issue.closedBy) : null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    author_association: repository.authorAssociation(issue.user),
    reactions: reactionsJson(api),
    timeline_url: `${api}/timeline`,
    performed_via_github_app: null,
  };
}

export function commentJson(urls: Urls, repository: Repository, comment: Comment): Json {
  const issue = repository.issues.get(comment.issueNumber) as Issue;
  const api = `${repositoryApi(urls, repository)}/issues/comments/${comment.id}`;
  return {
    id: comment.id,
    node_id: nodeId('IC', comment.id),
    url: api,
    html_url: `${issueHtmlUrl(urls, repository, issue)}#issuecomment-${comment.id}`,
    body: comment.body,
    user: userJson(urls, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: issueApi(urls, repository, comment.issueNumber),
    author_association: repository.authorAssociation(comment.user),
    performed_via_github_app: null,
    reactions: reactionsJson(api),
  };
}

function branchJson(urls: Urls, repository: Repository, ref: string, sha: string): Json {
  return { label: `${repository.owner.login}:${ref}`, ref, sha, user: userJson(urls, repository.owner), repo: repositoryJson(urls, repository) };
}

/**
 * A pull request: `full` for GET .../pulls/{number}, which adds merge state and diff statistics to what lists return.
 * The statistics are fixed; nothing here has a diff.
 */
export function pullRequestJson(urls: Urls, repository: Repository, issue: PullRequestIssue, full: boolean): Json {
  const pull = issue.pullRequest;
  const api = `${repositoryApi(urls, repository)}/pulls/${issue.number}`;
  const html = issueHtmlUrl(urls, repository, issue);
  const issueUrl = issueApi(urls, repository, issue.number);
  const simple = {
    url: api,
    id: pull.id,
    node_id: nodeId('PR', pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    commits_url: `${api}/commits`,
    review_comments_url: `${api}/comments`,
    review_comment_url: `${repositoryApi(urls, repository)}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${repositoryApi(urls, repository)}/statuses/${pull.head.sha}`,
    number: issue.number,
    state: issue.state,
    locked: false,
    title: issue.title,
    user: userJson(urls, issue.user),
    body: issue.body,
    labels: issue.labels.map((label) => labelJson(urls, repository, label)),
    milestone: null,
    active_lock_reason: null,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: issue.assignees[0] ? userJson(urls, issue.assignees[0]) : null,
    assignees: issue.assignees.map((user) => userJson(urls, user)),
    requested_reviewers: [],
    requested_teams: [],
    head: branchJson(urls, pull.head.repository, pull.head.ref, pull.head.sha),
    base: branchJson(urls, repository, pull.base.ref, pull.base.sha),
    _links: {
      self: { href: api },
      html: { href: html },
      issue: { href: issueUrl },
      comments: { href: `${issueUrl}/comments` },
      review_comments: { href: `${api}/comments` },
      review_comment: { href: `${repositoryApi(urls, repository)}/pulls/comments{/number}` },
      commits: { href: `${api}/commits` },
      statuses: { href: `${repositoryApi(urls, repository)}/statuses/${pull.head.sha}` },
    },
    author_association: repository.authorAssociation(issue.user),
    auto_merge: null,
    draft: pull.draft,
  };
  if (!full) return simple;
  const merged = pull.mergedAt !== null;
  return {
    ...simple,
    merged,
    mergeable: merged || issue.state === 'closed' ? null : true,
    rebaseable: merged || issue.state === 'closed' ? null : true,
    mergeable_state: merged || issue.state === 'closed' ? 'unknown' : 'clean',
    merged_by: pull.mergedBy ? userJson(urls, pull.mergedBy) : null,
    comments: issue.comments.length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: pull.commits.length + 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}

/** A workflow run as the Actions API returns it; its pull requests are those of its head, as GitHub lists them. */
export function workflowRunJson(urls: Urls, repository: Repository, run: WorkflowRun): Json {
  const api = `${repositoryApi(urls, repository)}/actions/runs/${run.id}`;
  const repo = repositoryJson(urls, repository);
  const repoRef = { id: repository.id, url: repositoryApi(urls, repository), name: repository.name };
  const pulls = run.pullRequests.map((number) => {
    const issue = repository.issues.get(number) as PullRequestIssue;
    const pull = issue.pullRequest;
    return {
      id: pull.id,
      number,
      url: `${repositoryApi(urls, repository)}/pulls/${number}`,
      head: { ref: pull.head.ref, sha: pull.head.sha, repo: repoRef },
      base: { ref: pull.base.ref, sha: pull.base.sha, repo: repoRef },
    };
  });
  const checkSuite = run.id + 1_000_000_000;
  return {
    id: run.id,
    name: run.workflow.name,
    node_id: nodeId('WFR', run.id),
    check_suite_id: checkSuite,
    check_suite_node_id: nodeId('CS', checkSuite),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.workflow.path,
    run_number: run.runNumber,
    run_attempt: run.runAttempt,
    referenced_workflows: [],
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflow.id,
    url: api,
    html_url: `${urls.web}/${repository.fullName}/actions/runs/${run.id}`,
    pull_requests: pulls,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    actor: userJson(urls, run.actor),
    triggering_actor: userJson(urls, run.actor),
    run_started_at: run.createdAt,
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${repositoryApi(urls, repository)}/check-suites/${checkSuite}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    previous_attempt_url: run.runAttempt > 1 ? `${api}/attempts/${run.runAttempt - 1}` : null,
    workflow_url: `${repositoryApi(urls, repository)}/actions/workflows/${run.workflow.id}`,
    head_commit: {
      id: run.headSha,
      tree_id: run.headSha.split('').reverse().join(''),
      message: `Commit ${run.headSha.slice(0, 7)}`,
      timestamp: run.createdAt,
      author: { name: run.actor.login, email: `${run.actor.id}+${run.actor.login}@users.noreply.github.com` },
      committer: { name: 'GitHub', email: 'noreply@github.com' },
    },
    repository: repo,
    head_repository: repo,
    head_repository_id: repository.id,
    display_title: `Run ${run.runNumber} of ${run.workflow.name}`,
  };
}

/** An artifact as the Actions API returns it; `expired` follows the server's clock. */
export function artifactJson(urls: Urls, repository: Repository, artifact: Artifact, now: string): Json {
  const api = `${repositoryApi(urls, repository)}/actions/artifacts/${artifact.id}`;
  const run = repository.workflowRuns.get(artifact.runId) as WorkflowRun;
  return {
    id: artifact.id,
    node_id: nodeId('MDg', artifact.id),
    name: artifact.name,
    size_in_bytes: artifact.zip.length,
    url: api,
    archive_download_url: `${api}/zip`,
    expired: artifact.expiresAt <= now,
    created_at: artifact.createdAt,
    expires_at: artifact.expiresAt,
    updated_at: artifact.createdAt,
    digest: artifact.digest,
    workflow_run: { id: run.id, repository_id: repository.id, head_repository_id: repository.id, head_branch: run.headBranch, head_sha: run.headSha },
  };
}
