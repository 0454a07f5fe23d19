import { ProgressEvent } from '../engine/matrix-run';
import { AccountResult } from '../engine/result';
import { STATUS_LABEL, formatCounts, formatSeconds } from './private/format';

/**
 * Turns the engine's progress events into log lines, `[mm:ss] account  what`, so that a long run shows which
 * account is in which phase, and since when. One instance per run: it keeps the run's start time.
 */
export class ProgressLines {
  private readonly started = Date.now();

  constructor(private readonly command: string) {}

  line(event: ProgressEvent): string | undefined {
    switch (event.kind) {
      case 'start': {
        const wrapper = event.terraform.bypassedWrapper ? ', bypassing the setup-terraform wrapper' : '';
        return this.stamp(`${this.command}: ${event.total} account${event.total === 1 ? '' : 's'}, ${event.parallelism} at a time, Terraform ${event.terraform.version} (${event.terraform.binary}${wrapper})`);
      }
      case 'phase':
        return event.state === 'started' && event.phase !== 'prepare' ? this.stamp(`${event.account.name}  ${event.phase}…`) : undefined;
      case 'account':
        return this.stamp(`${event.result.name}  ${outcome(event.result)} in ${formatSeconds(event.result.duration_ms)} (${event.done}/${event.total} done)`);
      case 'heartbeat':
        return this.stamp(`still running: ${event.running.map((entry) => `${entry.account.name} (${entry.phase}, ${formatSeconds(entry.elapsedMs)})`).join(', ')}`);
      case 'notice':
        return this.stamp(`note: ${event.message}`);
    }
  }

  private stamp(text: string): string {
    const seconds = Math.floor((Date.now() - this.started) / 1000);
    return `[${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}] ${text}`;
  }
}

function outcome(result: AccountResult): string {
  const counts = result.changes.length > 0 ? ` (${formatCounts(result.counts)})` : '';
  const drift = result.drift.length > 0 ? `, drift in ${result.drift.length} resource${result.drift.length === 1 ? '' : 's'}` : '';
  const error = result.error ? `: ${result.error.phase}: ${result.error.message.split('\n')[0]}` : result.reason ? `: ${result.reason}` : '';
  return `${STATUS_LABEL[result.status]}${counts}${drift}${error}`;
}
