/**
 * Bundles the action into action/dist/index.js (one CommonJS file, every dependency inside), as `runs.main` names it:
 * `npm run bundle`. The same build, in memory, is what the tests compare with the committed file.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildOptions, build } from 'esbuild';

export const BUNDLE_OPTIONS: BuildOptions = {
  entryPoints: [join(__dirname, 'src', 'index.ts')],
  outfile: join(__dirname, 'dist', 'index.js'),
  bundle: true,
  platform: 'node',
  // The runner starts it with Node 24; the tests start it with the oldest Node the package supports.
  target: 'node20',
  format: 'cjs',
  // The AWS SDK's notice that its releases after January 2027 need Node.js 22 is for us, who pin it, not for users.
  define: { 'process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED': '"true"' },
  legalComments: 'eof',
  logLevel: 'warning',
  absWorkingDir: join(__dirname, '..'),
};

/** The bundle's files, by path, without writing them. */
export async function bundle(): Promise<Map<string, string>> {
  const output = await build({ ...BUNDLE_OPTIONS, write: false });
  return new Map(output.outputFiles.map((file) => [file.path, file.text]));
}

if (require.main === module) {
  void bundle().then((files) => {
    for (const [path, text] of files) writeFileSync(path, text);
  });
}
