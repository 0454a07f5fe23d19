/**
 * The committed bin/session-manager-role.js is what `npm run bundle` builds from cli/: the published package runs that
 * file (no TypeScript, no dependencies at run time), so a source change that was not bundled would never run.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleCli } from '../cli/bundle';

test('bin/session-manager-role.js is what a fresh bundle produces (run `npm run bundle`)', async () => {
  const files = await bundleCli();
  expect([...files.keys()]).toEqual([join(__dirname, '..', 'bin', 'session-manager-role.js')]);
  for (const [path, text] of files) expect({ path, text }).toEqual({ path, text: readFileSync(path, 'utf8') });
});

test('the bundle starts as a program: a node shebang and the executable bit', () => {
  const bin = join(__dirname, '..', 'bin', 'session-manager-role.js');
  expect(readFileSync(bin, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  expect(statSync(bin).mode & 0o111).toBe(0o111);
});
