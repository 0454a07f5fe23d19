/**
 * What a release tag asks for, decided before anything is published: the release workflow runs
 * `tsx release/release-plan.ts <tag>` first (in a checkout with every tag; try it locally the same way). It checks the tag against package.json's version and
 * CHANGELOG.md, and decides the npm dist-tag, whether the GitHub release is the latest one and whether the major tag
 * (`v1`) moves. Every problem is reported at once; nothing is published when there is one.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** MAJOR.MINOR.PATCH with an optional pre-release part; build metadata is not used for releases. */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease?: string;
}

function parseVersion(text: string): Version | undefined {
  const match = SEMVER.exec(text);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), ...(match[4] ? { prerelease: match[4] } : {}) };
}

/** Stable versions only: pre-releases never become `latest` nor move a major tag, so they are not compared. */
function compareStable(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export interface ReleasePlan {
  /** The version, without the `v`. */
  readonly version: string;
  readonly prerelease: boolean;
  /**
   * npm dist-tag: `latest` for the newest stable release, `next` for pre-releases; a backport gets `latest-<major>`
   * when it is the newest of its major version, `latest-<major>.<minor>` otherwise, so that no tag moves backwards.
   */
  readonly npmTag: string;
  /** Whether the GitHub release is marked as the repository's latest. */
  readonly githubLatest: boolean;
  /** The major tag (`v1`) and whether it moves to this release: only for the newest stable release of its major. */
  readonly majorTag: string;
  readonly moveMajorTag: boolean;
  /** The CHANGELOG.md section of this version, without its heading. */
  readonly notes: string;
}

export class ReleaseProblems extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The release cannot go ahead:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/**
 * The section of `## [<version>] - YYYY-MM-DD` in a Keep a Changelog file, up to the next `## ` heading or the link
 * definitions at the end; undefined when there is none.
 */
export function changelogSection(changelog: string, version: string): { date?: string; body: string } | undefined {
  const lines = changelog.split('\n');
  const heading = new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\](?: - (\\S+))?\\s*$`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.startsWith('## ') || /^\[[^\]]+\]: /.test(line));
  const body = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim();
  const date = heading.exec(lines[start])![1];
  return { ...(date ? { date } : {}), body };
}

export interface ReleaseInput {
  readonly tag: string;
  /** package.json's `version` and `repository.url`. */
  readonly packageJson: { readonly version: string; readonly repository?: { readonly url?: string } };
  /** CHANGELOG.md. */
  readonly changelog: string;
  /** The version tags the repository has (`vX.Y.Z`; others are ignored), this one included. */
  readonly existingTags: readonly string[];
  /** `owner/name` of the repository the workflow runs in: npm's provenance check needs package.json to name it. */
  readonly githubRepository?: string;
}

/** `owner/name` of a GitHub repository URL as package.json writes it (`git+https://github.com/owner/name.git`). */
function gitHubRepositoryOf(url: string | undefined): string | undefined {
  return /^(?:git\+)?https:\/\/github\.com\/([^/]+\/[^/]+?)(?:\.git)?$/.exec(url ?? '')?.[1];
}

/** The release a tag makes, or every reason it cannot be made. */
export function releasePlan({ tag, packageJson, changelog, existingTags, githubRepository }: ReleaseInput): ReleasePlan {
  const problems: string[] = [];
  const packageVersion = packageJson.version;
  const version = tag.replace(/^v/, '');
  const parsed = tag.startsWith('v') ? parseVersion(version) : undefined;
  if (!parsed) problems.push(`tag "${tag}" is not v<major>.<minor>.<patch> (optionally -<pre-release>)`);
  if (version !== packageVersion) problems.push(`tag "${tag}" does not match package.json's version "${packageVersion}": run \`npm version ${version}\` and tag that commit`);
  const named = gitHubRepositoryOf(packageJson.repository?.url);
  if (githubRepository && named?.toLowerCase() !== githubRepository.toLowerCase()) {
    problems.push(`package.json's repository.url names ${named ?? `"${packageJson.repository?.url ?? ''}"`}, not ${githubRepository}: npm refuses provenance that names another repository`);
  }
  const section = changelogSection(changelog, version);
  if (!section) problems.push(`CHANGELOG.md has no "## [${version}] - YYYY-MM-DD" section: move the Unreleased entries there`);
  else {
    if (!section.date || !/^\d{4}-\d{2}-\d{2}$/.test(section.date)) problems.push(`CHANGELOG.md: the heading of ${version} needs the release date, "## [${version}] - YYYY-MM-DD"`);
    if (!section.body) problems.push(`CHANGELOG.md: the section of ${version} is empty`);
  }
  if (problems.length > 0 || !parsed || !section) throw new ReleaseProblems(problems);

  const stable = existingTags
    .map((existing) => (existing.startsWith('v') ? parseVersion(existing.slice(1)) : undefined))
    .filter((candidate): candidate is Version => candidate !== undefined && candidate.prerelease === undefined);
  const newest = (versions: readonly Version[]) => versions.every((other) => compareStable(parsed, other) >= 0);
  const prerelease = parsed.prerelease !== undefined;
  const newestOverall = !prerelease && newest(stable);
  const newestOfMajor = !prerelease && newest(stable.filter((other) => other.major === parsed.major));
  return {
    version,
    prerelease,
    npmTag: prerelease ? 'next' : newestOverall ? 'latest' : newestOfMajor ? `latest-${parsed.major}` : `latest-${parsed.major}.${parsed.minor}`,
    githubLatest: newestOverall,
    majorTag: `v${parsed.major}`,
    moveMajorTag: newestOfMajor,
    notes: section.body,
  };
}

/** Step outputs for GitHub Actions (`name=value`; multi-line values between delimiters). */
export function stepOutputs(plan: ReleasePlan, delimiter: string): string {
  const single = { version: plan.version, prerelease: plan.prerelease, 'npm-tag': plan.npmTag, 'github-latest': plan.githubLatest, 'major-tag': plan.majorTag, 'move-major-tag': plan.moveMajorTag };
  if (plan.notes.split('\n').includes(delimiter)) throw new Error('the release notes contain the output delimiter');
  return [...Object.entries(single).map(([name, value]) => `${name}=${value}`), `notes<<${delimiter}`, plan.notes, delimiter, ''].join('\n');
}

function cli(tag: string): number {
  const repository = join(__dirname, '..');
  const packageJson = JSON.parse(readFileSync(join(repository, 'package.json'), 'utf8'));
  const changelog = readFileSync(join(repository, 'CHANGELOG.md'), 'utf8');
  const existingTags = execFileSync('git', ['tag', '--list', 'v*'], { cwd: repository, encoding: 'utf8' }).split('\n').filter(Boolean);
  try {
    const plan = releasePlan({ tag, packageJson, changelog, existingTags, githubRepository: process.env.GITHUB_REPOSITORY });
    if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, stepOutputs(plan, `NOTES_${Date.now()}_${process.pid}`));
    const { notes, ...decisions } = plan;
    process.stdout.write(`${JSON.stringify(decisions, null, 2)}\n\n${notes}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ReleaseProblems)) throw error;
    for (const problem of error.problems) process.stderr.write(`::error::${problem}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = cli(process.argv[2] ?? '');
