/**
 * Standalone emulator for demos and manual runs: `npm run emulator -- --port 4566`.
 * Static key AKIAIOSFODNN7EXAMPLE belongs to 111111111111; accounts 222222222222 and 333333333333 let it assume
 * their `terraform` role. Control endpoint: see AwsEmulator (POST /_emulator/out-of-band, /_emulator/faults).
 */
import { AwsEmulator } from '.';

const portArgument = process.argv.indexOf('--port');
const port = portArgument > 0 ? Number(process.argv[portArgument + 1]) : 4566;

AwsEmulator.start(
  {
    credentials: [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', accountId: '111111111111' }],
    accounts: [
      { id: '222222222222', assumableRoles: ['terraform'] },
      { id: '333333333333', assumableRoles: ['terraform'] },
    ],
  },
  port,
).then((emulator) => {
  console.log(`AWS IAM/STS emulator listening on ${emulator.endpoint}`);
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
