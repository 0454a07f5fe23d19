import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { Io } from '../../cli/io';

/** Streams and signals for running the command line in-process, with what it printed kept for assertions. */
export function captureIo(env: NodeJS.ProcessEnv = {}, options: { tty?: boolean } = {}): Io & { stdoutText(): string; stderrLines(): string[]; signals: EventEmitter } {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty });
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty });
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  return {
    stdout,
    stderr,
    env: { ...process.env, ...env },
    signals: new EventEmitter(),
    stdoutText: () => out.join(''),
    stderrLines: () => err.join('').split('\n').filter((line) => line !== ''),
  };
}
