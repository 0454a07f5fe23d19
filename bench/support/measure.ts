/**
 * Timing for the benchmarks: a command's wall time, CPU time (user + system of its whole process tree, from
 * /usr/bin/time) and peak memory (the largest sum of the tree's resident memory, sampled from /proc every 100 ms).
 * Asynchronous on purpose: the local AWS emulator the commands talk to runs in the benchmark's own process.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Figures {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly peakMiB: number;
}

/** Resident memory of a process and all its descendants, in KiB, from /proc. */
function treeRssKiB(root: number): number {
  const parents = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
      rss.set(Number(entry), Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0));
    } catch {
      // The process ended while we looked.
    }
  }
  const inTree = (pid: number): boolean => pid === root || (parents.has(pid) && pid > 1 && inTree(parents.get(pid)!));
  return [...rss].filter(([pid]) => inTree(pid)).reduce((total, [, kib]) => total + kib, 0);
}

/** Runs a command under /usr/bin/time, sampling the tree's memory while it runs. */
export function measure(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const timeFile = join(tmpdir(), `smr-bench-time-${process.pid}-${Date.now()}`);
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S', '-o', timeFile, command, ...args], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, treeRssKiB(child.pid!))), 100);
    child.on('close', (code) => {
      clearInterval(sampler);
      const [wall, user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      rmSync(timeFile, { force: true });
      // plan exits 0 (no changes) or 2 (changes); anything else is a failed measurement.
      if (code !== 0 && code !== 2) reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`));
      else resolve({ wallSeconds: wall, cpuSeconds: user + system, peakMiB: peak / 1024 });
    });
  });
}

/** `--runs N` from the command line, or the bench's default. */
export function runsOption(defaultRuns: number): number {
  const at = process.argv.indexOf('--runs');
  return at > 0 ? Number(process.argv[at + 1]) : defaultRuns;
}

/** The middle value (the upper one of an even count). */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}
