import { join } from 'node:path';

const PRELOAD = join(__dirname, 'virtual-time-preload.cjs');

/**
 * Time that runs `scale` times faster than the wall clock, shared by the test (as the local GitHub server's clock) and
 * the action's process (its `Date.now` and timers, through a script preloaded with `node --require`). A minute of
 * GitHub's rate limits then passes in a fraction of a second and both sides agree on it: the action waits what it
 * would wait on GitHub (octokit's pacing, `retry-after`, `x-ratelimit-reset`), only faster. Its code is unchanged.
 */
export class VirtualTime {
  private readonly realOrigin = Date.now();
  private origin: number;

  constructor(
    readonly scale: number,
    start = Date.now(),
  ) {
    this.origin = start;
  }

  /** Now, in virtual epoch milliseconds. */
  now(): number {
    return Math.floor(this.origin + (Date.now() - this.realOrigin) * this.scale);
  }

  /** For the GitHub server's `clock` option. */
  readonly clock = (): Date => new Date(this.now());

  /** Jumps ahead, say past an hour of rate limits, without waiting for it. */
  advance(milliseconds: number): void {
    this.origin += milliseconds;
  }

  /** The environment that puts a Node process started now on this time. */
  env(): NodeJS.ProcessEnv {
    return {
      NODE_OPTIONS: `--require ${PRELOAD}`,
      SESSION_MANAGER_ROLE_TEST_VIRTUAL_TIME: JSON.stringify({ origin: this.origin, realOrigin: this.realOrigin, scale: this.scale }),
    };
  }
}
