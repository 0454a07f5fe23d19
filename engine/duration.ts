const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** Milliseconds of a duration such as `90s`, `30m`, `1h30m`, `7d` or a bare number of seconds; undefined if it is none. */
export function parseDuration(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === '') return undefined;
  const [, days, hours, minutes, seconds] = match;
  return Number(days ?? 0) * UNITS.d + Number(hours ?? 0) * UNITS.h + Number(minutes ?? 0) * UNITS.m + Number(seconds ?? 0) * UNITS.s;
}

/** A limit the user set, written back the way they would write it: `90s` becomes `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds === 0 ? `${minutes}m` : `${minutes}m${seconds}s`;
}
