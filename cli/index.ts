/**
 * Entry point of the command line (and of its bundle, bin/session-manager-role.js). `--version`, which scripts and
 * package managers run to check an installation, answers without loading the engine: compiling its schemas would
 * take most of the start-up. Everything else is cli/main.
 */
import { TOOL_VERSION } from '../engine/version';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${TOOL_VERSION}\n`);
} else {
  void import('./main.js')
    .then(({ main }) => main(argv))
    .then((code) => {
      process.exitCode = code;
    });
}
