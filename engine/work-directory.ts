import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/**
 * The first line of the `.gitignore` the engine writes into every work directory: it also marks the directory as
 * one of ours. Plan files hold sensitive values in clear, so nothing in it may ever be committed.
 */
const GITIGNORE = '# session-manager-role work directory: plans, state caches and logs that may hold secrets. Never commit it.\n*\n';
const LOCK_FILE = 'lock';

/** What a work directory holds, and nothing else: a directory holding anything more is not ours to take. */
const OWN_ENTRIES = new Set(['.gitignore', LOCK_FILE, 'accounts', 'providers', 'plugin-cache', 'terraform.rc', 'runs']);

/** Runs whose journal and result the work directory keeps; older ones are removed when a run starts. */
const RUNS_KEPT = 10;

/** Who holds a work directory: written into its lock file, shown to the run that finds it taken. */
export interface WorkDirectoryOwner {
  readonly run_id: string;
  readonly command: string;
  readonly pid: number;
  readonly host: string;
  readonly started_at: string;
}

/** A work directory that cannot be used; the message says why and what to do. */
export class WorkDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkDirectoryError';
  }
}

/**
 * The directory of one run's working files: one Terraform working directory per account, the shared provider
 * install, and per run a journal and the result. Created readable by its owner only, with a `.gitignore` of
 * everything, and locked for the run: two runs sharing it would overwrite each other's plan files.
 */
export class WorkDirectory {
  private released = false;

  private constructor(
    readonly path: string,
    private readonly owner: WorkDirectoryOwner,
  ) {}

  /**
   * Creates (or takes) the work directory and locks it for this run. Refuses a directory that holds files of
   * something else, and one locked by a run that is still alive; a lock left by a process that is gone (same host,
   * no such process) is taken over, and `onNotice` says so.
   */
  static open(path: string, run: { readonly runId: string; readonly command: string }, onNotice: (message: string) => void = () => undefined): WorkDirectory {
    prepare(path);
    const owner: WorkDirectoryOwner = { run_id: run.runId, command: run.command, pid: process.pid, host: hostname(), started_at: new Date().toISOString() };
    const lock = join(path, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(lock, 'wx', 0o600);
        writeFileSync(fd, `${JSON.stringify(owner)}\n`);
        closeSync(fd);
        return new WorkDirectory(path, owner);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readOwner(lock);
      if (holder && !isGone(holder)) throw new WorkDirectoryError(busyMessage(path, holder));
      onNotice(`${path} was locked by ${holder ? `run ${holder.run_id} (process ${holder.pid}, which is gone)` : 'a run that left an unreadable lock'}: taking it over.`);
      rmSync(lock, { force: true });
    }
    throw new WorkDirectoryError(`${path}: another run took the lock at the same time; try again.`);
  }

  /** The Terraform working directory of an account. */
  accountDirectory(name: string): string {
    return join(this.path, 'accounts', name);
  }

  /** Where one run keeps its journal and result, created on first use. */
  runDirectory(runId: string): string {
    const directory = runDirectory(this.path, runId);
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    return directory;
  }

  /** Run directories other than the given one, oldest first. */
  otherRuns(runId: string): string[] {
    const runs = join(this.path, 'runs');
    if (!existsSync(runs)) return [];
    return readdirSync(runs)
      .filter((name) => name !== runId)
      .map((name) => join(runs, name))
      .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
  }

  /** Removes the oldest run directories, keeping the last few. */
  pruneRuns(runId: string): void {
    const others = this.otherRuns(runId);
    for (const directory of others.slice(0, Math.max(0, others.length - (RUNS_KEPT - 1)))) rmSync(directory, { recursive: true, force: true });
  }

  /** Gives the directory up; a lock held by another run (taken over after ours was judged stale) is left alone. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const lock = join(this.path, LOCK_FILE);
    const holder = readOwner(lock);
    if (holder && holder.run_id === this.owner.run_id && holder.pid === this.owner.pid) rmSync(lock, { force: true });
  }
}

/** Where a run keeps its journal and result inside a work directory. */
export function runDirectory(workDir: string, runId: string): string {
  return join(workDir, 'runs', runId);
}

/** Creates the directory owner-only with its `.gitignore`, or checks that an existing one is ours. */
function prepare(path: string): void {
  if (!existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o700 });
  if (!statSync(path).isDirectory()) throw new WorkDirectoryError(`${path} is not a directory: name a directory for the work files (--work-dir).`);
  const ignore = join(path, '.gitignore');
  const ours = existsSync(ignore) && readFileSync(ignore, 'utf8') === GITIGNORE;
  if (!ours) {
    const foreign = readdirSync(path).filter((entry) => !OWN_ENTRIES.has(entry));
    if (foreign.length > 0) {
      const listed = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, and ${foreign.length - 3} more` : '');
      throw new WorkDirectoryError(`${path} holds files that are not session-manager-role's (${listed}): name an empty or new directory for the work files (--work-dir).`);
    }
    writeFileSync(ignore, GITIGNORE);
  }
  chmodSync(path, 0o700);
}

function readOwner(lock: string): WorkDirectoryOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(lock, 'utf8')) as WorkDirectoryOwner;
    return typeof owner.run_id === 'string' && typeof owner.pid === 'number' ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** A holder on this host whose process no longer exists; a holder on another host is never judged from here. */
function isGone(owner: WorkDirectoryOwner): boolean {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function busyMessage(path: string, holder: WorkDirectoryOwner): string {
  return (
    `${path} is in use by run ${holder.run_id} (${holder.command}, process ${holder.pid} on ${holder.host}, since ${holder.started_at}). ` +
    'Two runs in one work directory would overwrite each other\'s plans: wait for it to finish, or give this run its own --work-dir. ' +
    `If that run is gone for good, delete ${join(path, LOCK_FILE)}.`
  );
}
