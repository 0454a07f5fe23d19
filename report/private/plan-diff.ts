import { diffLines } from 'diff';
import { AttributeChange, DriftEntry, ResourceChange, SENSITIVE, UNKNOWN } from '../../engine/result';
import { ACTION_SYMBOL, shortAddress } from './format';

/**
 * Lines of a value as a reviewer reads it: JSON documents held in strings (IAM policies) and structured values are
 * pretty-printed one element per line, so that a diff points at the statement that changes.
 */
function valueLines(value: unknown): string[] {
  if (value === undefined) return [];
  if (value === UNKNOWN || value === SENSITIVE) return [value];
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return JSON.stringify(JSON.parse(trimmed), null, 2).split('\n');
      } catch {
        // Not JSON after all: shown as the string it is.
      }
    }
    return [JSON.stringify(value)];
  }
  return JSON.stringify(value, null, 2).split('\n');
}

/**
 * One attribute as `diff` lines: `-` before, `+` after. A value on one line goes next to the name; longer values
 * follow it, with their unchanged lines kept for context.
 */
function attributeDiff(attribute: AttributeChange): string[] {
  const before = valueLines(attribute.before);
  const after = valueLines(attribute.after);
  if (before.length <= 1 && after.length <= 1) {
    return [...before.map((line) => `-   ${attribute.name} = ${line}`), ...after.map((line) => `+   ${attribute.name} = ${line}`)];
  }
  const header = `    ${attribute.name}:`;
  const lines = diffLines(before.length ? `${before.join('\n')}\n` : '', after.length ? `${after.join('\n')}\n` : '').flatMap((part) => {
    const sign = part.added ? '+' : part.removed ? '-' : ' ';
    return part.value.replace(/\n$/, '').split('\n').map((line) => `${sign}     ${line}`);
  });
  return [header, ...lines];
}

/** A resource change as lines of a ```diff block. With `brief`, only the header line. */
export function changeLines(change: ResourceChange, brief = false): string[] {
  const notes = [change.action === 'replace' ? 'replace' : change.action, change.reason?.replace(/_/g, ' '), change.moved_from ? `moved from ${shortAddress(change.moved_from)}` : undefined, change.importing !== undefined ? `import ${change.importing}` : undefined];
  if (change.cause === 'drift') notes.push('undoes drift');
  if (change.cause === 'both') notes.push('undoes drift and applies configuration');
  const symbol = change.action === 'replace' ? '!' : change.action === 'no-op' ? ' ' : ACTION_SYMBOL[change.action];
  const header = `${symbol} ${shortAddress(change.address)} (${notes.filter(Boolean).join('; ')})`;
  return brief ? [header] : [header, ...change.attributes.flatMap(attributeDiff)];
}

/** A drift entry as lines of a ```diff block: the last applied value as `-`, what is there now as `+`. */
export function driftLines(entry: DriftEntry, brief = false): string[] {
  if (entry.action === 'delete') return [`- ${shortAddress(entry.address)} (deleted outside Terraform)`];
  const header = `! ${shortAddress(entry.address)} (changed outside Terraform: ${entry.attributes.map((a) => a.name).join(', ')})`;
  return brief ? [header] : [header, ...entry.attributes.flatMap(attributeDiff)];
}
