type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Removes cdktf's `"//"` metadata keys at every depth. */
export function withoutMetadata(value: Json): Json {
  if (Array.isArray(value)) return value.map(withoutMetadata);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== '//')
      .map(([key, child]) => [key, withoutMetadata(child)]),
  );
}

/** File of a hand-written module each top-level block belongs in. */
const FILE_OF_BLOCK: Record<string, string> = {
  terraform: 'versions.tf.json',
  variable: 'variables.tf.json',
  locals: 'main.tf.json',
  data: 'main.tf.json',
  resource: 'main.tf.json',
  output: 'outputs.tf.json',
};

/**
 * Splits a synthesized stack into the files of a publishable module. Anything a reusable module must not carry
 * (provider configurations, a backend, cloud blocks) is an error, not something to drop silently.
 */
export function splitModule(synthesized: Record<string, unknown>): Map<string, string> {
  const config = withoutMetadata(synthesized as Json) as Record<string, Json>;
  const terraformBlock = config.terraform as Record<string, Json> | undefined;
  const forbidden = [
    ...Object.keys(config).filter((key) => !(key in FILE_OF_BLOCK)),
    ...Object.keys(terraformBlock ?? {}).filter((key) => !['required_version', 'required_providers'].includes(key)),
  ];
  if (forbidden.length > 0) {
    throw new Error(`A module must not contain ${forbidden.join(', ')}; found in the synthesized stack.`);
  }
  const files = new Map<string, Record<string, Json>>();
  for (const [block, content] of Object.entries(config)) {
    const file = FILE_OF_BLOCK[block];
    files.set(file, { ...files.get(file), [block]: content });
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)).map(([file, content]) => [file, `${JSON.stringify(content, null, 2)}\n`]));
}
