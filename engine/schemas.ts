import { CONFIG_SCHEMA_FILE, configSchema } from './config-schema';
import { RESULT_SCHEMA_FILE, resultSchema } from './result-schema';

/** The JSON Schemas the repository publishes, by path: written by `npm run synth`, checked by the tests. */
export function publishedSchemas(): Map<string, string> {
  return new Map([
    [CONFIG_SCHEMA_FILE, `${JSON.stringify(configSchema(), null, 2)}\n`],
    [RESULT_SCHEMA_FILE, `${JSON.stringify(resultSchema(), null, 2)}\n`],
  ]);
}
