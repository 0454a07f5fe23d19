/** Placeholders that config values may use, filled in per account. */
export const PLACEHOLDERS = ['account_id', 'name', 'region'] as const;

export type TemplateValues = Readonly<Record<(typeof PLACEHOLDERS)[number], string>>;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Names of the `{placeholders}` in a value that are not among PLACEHOLDERS. */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)]
    .map((match) => match[1])
    .filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name));
}

function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (match, name: string) => (name in values ? values[name as keyof TemplateValues] : match));
}

/** Fills placeholders in a string, or in the values of a map of strings; other values are returned unchanged. */
export function fillValue<T>(value: T, values: TemplateValues): T {
  if (typeof value === 'string') return fillTemplate(value, values) as T;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fillValue(item, values)])) as T;
  }
  return value;
}
