import { spawn } from 'node:child_process';
import { WriteStream } from 'node:fs';

export interface TerraformInvocation {
  readonly binary: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Log that receives the command line and everything Terraform prints, as a person would read it. */
  readonly log: WriteStream;
  /** Aborting asks Terraform to stop as after Ctrl-C: it finishes the current step, writes state, releases the lock. */
  readonly signal?: AbortSignal;
  /** Aborting kills Terraform and its providers at once: state may go unwritten and the lock stay held. */
  readonly kill?: AbortSignal;
  /**
   * What stdout holds: `text` (kept only as a tail, for error excerpts), `data` (a JSON document such as `show -json`,
   * kept whole), or `events` (the machine-readable UI of `-json` commands: one JSON message per line).
   */
  readonly stdout?: 'text' | 'data' | 'events';
}

/** One message of Terraform's machine-readable UI (`terraform plan -json`). */
export interface UiEvent {
  readonly type: string;
  readonly '@level': string;
  readonly '@message': string;
  readonly diagnostic?: { readonly severity: string; readonly summary: string; readonly detail?: string };
}

export interface TerraformExit {
  /** Null when Terraform was killed. */
  readonly exitCode: number | null;
  /** The whole of stdout, for `data`. */
  readonly stdout: string;
  /** The messages, for `events`. */
  readonly events: readonly UiEvent[];
  /** The end of what Terraform printed as text, for error excerpts. */
  readonly outputTail: string;
  /** Set when Terraform was asked to stop. */
  readonly interrupted: boolean;
}

const TAIL_BYTES = 16 * 1024;

/** How long Terraform, once interrupted, may take to write its state and release its lock before it is killed. */
const STOP_GRACE_MS = 120_000;

/**
 * Runs Terraform in its own process group, so that a Ctrl-C in the terminal reaches it only through us, once:
 * Terraform treats a second interrupt as "stop now, leave state and locks as they are".
 */
export function runTerraform(invocation: TerraformInvocation): Promise<TerraformExit> {
  const mode = invocation.stdout ?? 'text';
  invocation.log.write(`\n$ terraform ${invocation.args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(invocation.binary, [...invocation.args], {
      cwd: invocation.cwd,
      env: invocation.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const data: Buffer[] = [];
    const events: UiEvent[] = [];
    let tail = '';
    let partialLine = '';
    const text = (chunk: string) => {
      invocation.log.write(chunk);
      tail = (tail + chunk).slice(-TAIL_BYTES);
    };
    const event = (line: string) => {
      if (!line.trim()) return;
      try {
        const message = JSON.parse(line) as UiEvent;
        events.push(message);
        text(`${uiLine(message)}\n`);
      } catch {
        text(`${line}\n`);
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (mode === 'data') data.push(chunk);
      else if (mode === 'text') text(chunk.toString('utf8'));
      else {
        const lines = (partialLine + chunk.toString('utf8')).split('\n');
        partialLine = lines.pop() ?? '';
        lines.forEach(event);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => text(chunk.toString('utf8')));

    let interrupted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killNow = () => {
      if (child.exitCode !== null) return;
      interrupted = true;
      invocation.log.write('\n[session-manager-role] killing Terraform now, as asked: check the state lock\n');
      signalProcess(child.pid === undefined ? undefined : -child.pid, 'SIGKILL');
    };
    const interrupt = () => {
      if (interrupted || child.exitCode !== null) return;
      interrupted = true;
      invocation.log.write('\n[session-manager-role] interrupting Terraform (SIGINT): it stops after the current step\n');
      signalProcess(child.pid, 'SIGINT');
      killTimer = setTimeout(() => {
        invocation.log.write('\n[session-manager-role] Terraform did not stop in time: killing it\n');
        signalProcess(child.pid === undefined ? undefined : -child.pid, 'SIGKILL');
      }, STOP_GRACE_MS);
      killTimer.unref();
    };
    if (invocation.signal?.aborted) interrupt();
    invocation.signal?.addEventListener('abort', interrupt, { once: true });
    if (invocation.kill?.aborted) killNow();
    invocation.kill?.addEventListener('abort', killNow, { once: true });
    const unlisten = () => {
      invocation.signal?.removeEventListener('abort', interrupt);
      invocation.kill?.removeEventListener('abort', killNow);
    };

    child.on('error', (error) => {
      unlisten();
      reject(new Error(`could not start Terraform (${invocation.binary}): ${error.message}`));
    });
    child.on('close', (exitCode) => {
      clearTimeout(killTimer);
      unlisten();
      event(partialLine);
      invocation.log.write(`[exit ${exitCode ?? 'killed'}]\n`);
      resolve({
        exitCode,
        stdout: Buffer.concat(data).toString('utf8'),
        events,
        outputTail: tail,
        interrupted,
      });
    });
  });
}

/** A UI message as the human-readable output would show it; diagnostics with their detail. */
function uiLine(message: UiEvent): string {
  const diagnostic = message.diagnostic;
  if (!diagnostic) return message['@message'];
  const label = diagnostic.severity === 'error' ? 'Error' : 'Warning';
  return [`${label}: ${diagnostic.summary}`, ...(diagnostic.detail ? ['', diagnostic.detail] : []), ''].join('\n');
}

function signalProcess(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Terraform's error messages, from its diagnostics or from the end of its text output, for a result's excerpt. */
export function errorExcerpt(exit: Pick<TerraformExit, 'events' | 'outputTail'>, maxLines = 20): string {
  const errors = exit.events.filter((message) => message.diagnostic?.severity === 'error').map(uiLine);
  const text = errors.length > 0 ? errors.join('\n') : exit.outputTail;
  const lines = text
    .split('\n')
    .map((line) => line.replace(/^[│╷╵]\s?/, '').trimEnd())
    .filter((line, index, all) => line !== '' || (index > 0 && all[index - 1] !== ''));
  const errorStart = lines.findIndex((line) => line.startsWith('Error:'));
  const relevant = errorStart >= 0 ? lines.slice(errorStart, errorStart + maxLines) : lines.slice(-maxLines);
  return relevant.join('\n').trim();
}
