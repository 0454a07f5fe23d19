import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** What git needs from the environment to find itself and its config; no token reaches it. */
const GIT_ENVIRONMENT = ['PATH', 'HOME', 'XDG_CONFIG_HOME', 'LANG', 'LC_ALL', 'TMPDIR'];

/** Runs git in `cwd` with an allowlisted environment; resolves with its stdout, rejects when it fails. */
export async function git(cwd: string, args: readonly string[]): Promise<string> {
  const env = Object.fromEntries(GIT_ENVIRONMENT.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));
  return (await promisify(execFile)('git', [...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 })).stdout;
}

/** The commit checked out in the git repository holding `directory`; undefined outside a repository. */
export async function gitHead(directory: string): Promise<string | undefined> {
  return git(directory, ['rev-parse', '--verify', '--quiet', 'HEAD']).then(
    (stdout) => stdout.trim() || undefined,
    () => undefined,
  );
}

/**
 * The commits an apply at `head` must find reviews for, newest first: those on the first-parent line of `head` that
 * came after the commit each account was last applied at (`bases`, one per account with changes). Without a base for
 * every account on that line (never applied, or applied at a commit elsewhere), the last `lookback` commits.
 */
export async function reviewWindow(directory: string, head: string, bases: readonly (string | undefined)[], lookback: number): Promise<string[]> {
  const line = (await git(directory, ['rev-list', '--first-parent', `--max-count=${lookback}`, head])).split('\n').filter(Boolean);
  const positions = bases.map((base) => (base === undefined ? -1 : line.indexOf(base)));
  if (bases.length === 0) return [];
  if (positions.includes(-1)) return line;
  return line.slice(0, Math.max(...positions));
}
