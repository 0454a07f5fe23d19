import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { publishedSchemas } from '../engine/schemas';

const REPO = join(__dirname, '..');

test('the committed JSON Schemas are what a fresh synth writes (run `npm run synth`)', () => {
  const committed = new Map(readdirSync(join(REPO, 'schemas')).map((name) => [`schemas/${name}`, readFileSync(join(REPO, 'schemas', name), 'utf8')]));
  expect(committed).toEqual(publishedSchemas());
});
