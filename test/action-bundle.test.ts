/**
 * The committed bundle is what `npm run bundle` builds from the sources: the runner executes action/dist/index.js,
 * so a source change that was not bundled would never run.
 */
import { readFileSync } from 'node:fs';
import { bundle } from '../action/bundle';

test('action/dist is what a fresh bundle produces (run `npm run bundle`)', async () => {
  const files = await bundle();
  expect(files.size).toBeGreaterThan(0);
  for (const [path, text] of files) expect({ path, text }).toEqual({ path, text: readFileSync(path, 'utf8') });
});
