import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AccountResult, Command, MatrixResult, RunInfo } from './result';
import { assembleResult, cancelledResult } from './result-assembly';
import { writeResult } from './result-file';

const JOURNAL_FILE = 'journal.jsonl';
const RESULT_FILE = 'result.json';
const JOURNAL_VERSION = 1;

/** An account as the journal's header lists it: enough to report it even if it never finished. */
type JournalAccount = Pick<AccountResult, 'id' | 'name' | 'variant' | 'region'>;

/** What a run is, written before any account starts. */
interface JournalHeader {
  readonly journal: typeof JOURNAL_VERSION;
  readonly command: Command;
  /** The run as far as it is known at the start; finished_at and duration_ms come at the end. */
  readonly run: Omit<RunInfo, 'finished_at' | 'duration_ms'>;
  /** Every account of the run (its shard), in the config's order. */
  readonly accounts: readonly JournalAccount[];
}

type JournalLine = JournalHeader | { readonly account: AccountResult } | { readonly finished_at: string };

/**
 * A run's journal on disk: a header, then each account's result as it finishes, then the end. The result document is
 * assembled from it, so a run that is killed keeps every account that finished, and the next run can tell what did.
 * Each line is synced to disk before the run moves on.
 */
export class RunJournal {
  private readonly entries = new Map<string, AccountResult>();
  private fd: number | undefined;
  /** Why the journal could not be written, if it could not: the run goes on, without a durable copy. */
  problem?: string;

  private constructor(
    readonly directory: string,
    private readonly header: JournalHeader,
  ) {}

  /** Starts the journal of a run in its run directory. */
  static start(directory: string, command: Command, run: JournalHeader['run'], accounts: readonly JournalAccount[]): RunJournal {
    const journal = new RunJournal(directory, {
      journal: JOURNAL_VERSION,
      command,
      run,
      accounts: accounts.map(({ id, name, variant, region }) => ({ id, name, variant, region })),
    });
    try {
      journal.fd = openSync(join(directory, JOURNAL_FILE), 'w', 0o600);
    } catch (error) {
      journal.problem = (error as Error).message;
    }
    journal.write(journal.header);
    return journal;
  }

  /** Records a finished account, on disk before anything else happens. */
  append(result: AccountResult): void {
    this.entries.set(result.id, result);
    this.write({ account: result });
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** The journal as its lines on disk tell it, read only; undefined when they hold no header of this version. */
  static replay(directory: string, lines: readonly JournalLine[]): RunJournal | undefined {
    const header = lines[0];
    if (!header || !('journal' in header) || header.journal !== JOURNAL_VERSION) return undefined;
    const journal = new RunJournal(directory, header);
    for (const line of lines) if ('account' in line) journal.entries.set(line.account.id, line.account);
    return journal;
  }

  /**
   * The result document from the journal: every account of the run in the config's order; one that has not finished
   * (a run being stopped) is `cancelled` with `unfinished` as its message.
   */
  result(finishedAt: Date, extra: Partial<RunInfo> = {}, unfinished = 'the run stopped before this account finished'): MatrixResult {
    const started = Date.parse(this.header.run.started_at);
    const accounts = this.header.accounts.map((account) => this.entries.get(account.id) ?? cancelledResult(account, unfinished));
    return assembleResult(this.header.command, accounts, {
      ...this.header.run,
      ...extra,
      finished_at: finishedAt.toISOString(),
      duration_ms: Math.max(0, finishedAt.getTime() - started),
    });
  }

  /** Closes the journal with the run's end and writes the result document next to it. */
  finish(result: MatrixResult): void {
    this.write({ finished_at: result.run.finished_at });
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    try {
      writeResult(join(this.directory, RESULT_FILE), result);
    } catch (error) {
      this.problem ??= (error as Error).message;
    }
  }

  private write(line: JournalLine): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, `${JSON.stringify(line)}\n`);
      fsyncSync(this.fd);
    } catch (error) {
      this.problem ??= (error as Error).message;
    }
  }
}

/** A run found in a work directory that never finished (killed, or its machine stopped). */
export interface UnfinishedRun {
  readonly runId: string;
  readonly command: Command;
  readonly finished: number;
  readonly total: number;
  /** Where its result document, with the unfinished accounts cancelled, has now been written. */
  readonly resultFile: string;
}

/**
 * Looks at a run directory left by an earlier run: when its journal never reached its end, writes the result
 * document it would have had (accounts that did not finish as `cancelled`) and says so. Undefined for a run that
 * finished, or a directory without a readable journal.
 */
export function recoverRun(directory: string): UnfinishedRun | undefined {
  if (existsSync(join(directory, RESULT_FILE))) return undefined;
  const lines = journalLines(directory);
  const journal = RunJournal.replay(directory, lines);
  if (!journal || lines.some((line) => 'finished_at' in line && !('journal' in line))) return undefined;
  const result = journal.result(new Date(), {}, 'the run ended before this account finished (the process was killed or the machine stopped): its state lock may still be held');
  const resultFile = join(directory, RESULT_FILE);
  writeResult(resultFile, result);
  const finished = result.accounts.filter((account) => journal.has(account.id)).length;
  return { runId: result.run.id || basename(directory), command: result.command, finished, total: result.accounts.length, resultFile };
}

/**
 * The result so far of a run that is still going, from its journal on disk: what finished, and the accounts still
 * running or waiting as `cancelled` with `unfinished` as their message. Undefined without a readable journal.
 */
export function resultSoFar(directory: string, unfinished: string): MatrixResult | undefined {
  return RunJournal.replay(directory, journalLines(directory))?.result(new Date(), {}, unfinished);
}

function journalLines(directory: string): JournalLine[] {
  const file = join(directory, JOURNAL_FILE);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').flatMap(parseLine) : [];
}

/** A journal line, or nothing for the torn last line of a killed run. */
function parseLine(line: string): JournalLine[] {
  if (line.trim() === '') return [];
  try {
    return [JSON.parse(line) as JournalLine];
  } catch {
    return [];
  }
}
