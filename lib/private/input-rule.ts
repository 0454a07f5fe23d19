/**
 * A check on one input value that exists twice from one definition: as a JavaScript test for the construct's props
 * and as a Terraform validation condition for the generated module's variable.
 */
export interface InputRule {
  /** Completes the sentence "<input name> must ...". */
  readonly requirement: string;
  /** True when a (non-null) literal value satisfies the rule. */
  readonly test: (value: unknown) => boolean;
  /** Terraform expression that is true when the (non-null) value behind `ref` satisfies the rule. */
  readonly condition: (ref: string) => string;
}

/** Quotes a string as an HCL string literal, escaping template sequences as well as quotes and backslashes. */
export function hclString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\$\{/g, '$${')
    .replace(/%\{/g, '%%{');
  return `"${escaped}"`;
}

/** The pattern must use the syntax RE2 (Terraform) and JavaScript share: classes, anchors, quantifiers, \d, \w, \xNN. */
export function matches(pattern: string, requirement: string): InputRule {
  const regex = new RegExp(pattern);
  return {
    requirement,
    test: (value) => typeof value === 'string' && regex.test(value),
    condition: (ref) => `can(regex(${hclString(pattern)}, ${ref}))`,
  };
}

export function doesNotMatch(pattern: string, requirement: string): InputRule {
  const regex = new RegExp(pattern);
  return {
    requirement,
    test: (value) => typeof value === 'string' && !regex.test(value),
    condition: (ref) => `!can(regex(${hclString(pattern)}, ${ref}))`,
  };
}

export function wholeNumberBetween(min: number, max: number, requirement: string): InputRule {
  return {
    requirement,
    test: (value) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
    condition: (ref) => `floor(${ref}) == ${ref} && ${ref} >= ${min} && ${ref} <= ${max}`,
  };
}

export function atMostCharacters(max: number, requirement: string): InputRule {
  return {
    requirement,
    test: (value) => typeof value === 'string' && [...value].length <= max,
    condition: (ref) => `length(${ref}) <= ${max}`,
  };
}

const TAG_LIMITS = { count: 50, keyLength: 128, valueLength: 256 };

/** The characters IAM allows in tag keys and values: Unicode letters, digits and spaces, and `_ . : / = + - @`. */
const TAG_CHARACTERS = '^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$';
const TAG_CHARACTER = /[\p{L}\p{Z}\p{N}_.:/=+@-]/u;

/** The first character of a tag key or value that IAM refuses, if any. */
export function forbiddenTagCharacter(text: string): string | undefined {
  return [...text].find((character) => !TAG_CHARACTER.test(character));
}

/**
 * IAM's tag rules: at most 50 tags, keys of 1 to 128 characters not starting with "aws:", values of at most 256, and
 * only the characters IAM allows in either.
 */
export const iamTags: InputRule = {
  requirement:
    `hold at most ${TAG_LIMITS.count} tags, with keys of 1 to ${TAG_LIMITS.keyLength} characters that do not begin ` +
    `with "aws:" and values of at most ${TAG_LIMITS.valueLength} characters, both made of letters, digits, spaces and _ . : / = + - @`,
  test: (value) => {
    if (typeof value !== 'object' || value === null) return false;
    const entries = Object.entries(value as Record<string, unknown>);
    return (
      entries.length <= TAG_LIMITS.count &&
      entries.every(
        ([key, tagValue]) =>
          key.length >= 1 &&
          key.length <= TAG_LIMITS.keyLength &&
          !key.toLowerCase().startsWith('aws:') &&
          typeof tagValue === 'string' &&
          tagValue.length <= TAG_LIMITS.valueLength &&
          forbiddenTagCharacter(key) === undefined &&
          forbiddenTagCharacter(tagValue) === undefined,
      )
    );
  },
  condition: (ref) =>
    `length(${ref}) <= ${TAG_LIMITS.count} && alltrue([for key, value in ${ref} : ` +
    `length(key) >= 1 && length(key) <= ${TAG_LIMITS.keyLength} && !startswith(lower(key), "aws:") && ` +
    `length(value) <= ${TAG_LIMITS.valueLength} && can(regex(${hclString(TAG_CHARACTERS)}, key)) && can(regex(${hclString(TAG_CHARACTERS)}, value))])`,
};
