import { closest, distance } from 'fastest-levenshtein';

/**
 * ` (did you mean "x"?)` when one of the candidates is close enough to be the likely intent: at most a third of the
 * word's letters differ (and at least the two of a transposition). Empty otherwise.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const options = [...candidates];
  if (options.length === 0) return '';
  const best = closest(word, options);
  const allowed = Math.max(2, Math.floor(word.length / 3));
  return distance(word, best) <= allowed ? ` (did you mean "${best}"?)` : '';
}
