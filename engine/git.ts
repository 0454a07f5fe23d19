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
