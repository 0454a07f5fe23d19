/**
 * Standalone emulator for demos and manual runs: `npm run emulator -- --port 4566`.
 * Static key AKIAIOSFODNN7EXAMPLE belongs to 111111111111; accounts 222222222222 and 333333333333 let it assume
 * their `terraform` role. The state account 999999999999 lets it assume its `state` role and owns the S3 bucket
 * `org-tfstate` (path-style), for Terraform's S3 backend. Control endpoint: see AwsEmulator (POST
 * /_emulator/out-of-band, /_emulator/faults).
 */
import { AwsEmulator } from '.';

const portArgument = process.argv.indexOf('--port');
const port = portArgument > 0 ? Number(process.argv[portArgument + 1]) : 4566;
const STATE_ACCOUNT = '999999999999';
const STATE_BUCKET = 'org-tfstate';

AwsEmulator.start(
  {
    credentials: [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', accountId: '111111111111' }],
    accounts: [
      { id: '222222222222', assumableRoles: ['terraform'] },
      { id: '333333333333', assumableRoles: ['terraform'] },
      { id: STATE_ACCOUNT, assumableRoles: ['state'] },
    ],
    buckets: [{ name: STATE_BUCKET, accountId: STATE_ACCOUNT }],
  },
  port,
).then((emulator) => {
  console.log(`AWS IAM/STS/S3 emulator listening on ${emulator.endpoint}`);
  console.log('Key AKIAIOSFODNN7EXAMPLE is account 111111111111; it may assume role "terraform" in 222222222222 and 333333333333');
  console.log(`and role "state" in the state account ${STATE_ACCOUNT}, which owns the S3 bucket "${STATE_BUCKET}" (path-style)`);
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
