/**
 * The drift pre-check end to end: the real command line and engine, the real Terraform CLI and AWS provider, state
 * in S3, against the local AWS emulator. Two accounts, one per variant, one with an instance profile and one without
 * (what decides which objects Terraform refreshes), are applied, found converged by Terraform (which writes their
 * records), then checked without Terraform. The reads a real `terraform plan` made
 * must all be made by the pre-check; every change made outside Terraform must send the account to Terraform, whose
 * plan reports the drift; a change Terraform ignores must not. Changes of configuration, module, versions, age, lock
 * and state, and reads that fail, are checked on the pre-check alone (no Terraform needed to see it decline).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../cli/main';
import { sessionName } from '../engine/account-run';
import { AwsAccess } from '../engine/aws/aws-access';
import { loadConfig } from '../engine/config-loader';
import { AccountEntry, MatrixConfig, ResolvedAccount } from '../engine/config';
import { DEFAULT_MAX_AGE_MS, DriftPrecheck, DriftPrecheckOptions } from '../engine/drift-precheck';
import { canonicalJson } from '../engine/fingerprint';
import { VERIFIED_AWS_PROVIDER_VERSIONS } from '../engine/refresh-reads';
import { runMatrix } from '../engine/matrix-run';
import { AccountResult, MatrixResult } from '../engine/result';
import { resultProblems } from '../engine/result-file';
import { AwsEmulator, LoggedRequest } from '../emulator';
import { EMULATOR_KEY, STATE_BUCKET, TESTED_AWS_PROVIDER_VERSION, emulatorMatrixConfig, startMatrixEmulator } from '../emulator/matrix';
import { captureIo } from './support/cli';

const MODULES = join(__dirname, '..', 'modules');
const WORKER_CWD = process.cwd();
const ACCOUNTS = { minimal: '260000000001', logging: '260000000002' };
const BOUNDARY = 'arn:aws:iam::aws:policy/PowerUserAccess';
const KMS_KEY = 'arn:aws:kms:eu-west-1:260000000001:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

let emulator: AwsEmulator;
let dir: string;
let runs = 0;

// The first step runs Terraform in two accounts on two cores.
jest.setTimeout(600_000);

const stateKey = (id: string) => `session-manager-role/${id}.tfstate`;
const recordKey = (id: string) => `${stateKey(id)}.session-manager-role.json`;
const bucket = () => emulator.bucketOutOfBand(STATE_BUCKET);

/** One account per variant, with and without an instance profile: the reads Terraform's refresh makes depend on it. */
function accounts(overrides: { description?: string } = {}): AccountEntry[] {
  return [
    {
      id: ACCOUNTS.minimal,
      name: 'minimal',
      inputs: {
        create_instance_profile: false,
        path: '/ssm/',
        description: overrides.description ?? 'Session Manager, no instance profile',
        permissions_boundary: BOUNDARY,
        max_session_duration: 7200,
        tags: { team: 'platform' },
        kms_key_arn: KMS_KEY,
      },
    },
    {
      id: ACCOUNTS.logging,
      name: 'logging',
      variant: 'logging',
      inputs: { s3_bucket_name: 'org-audit-logs', s3_key_prefix: 'ssm', s3_bucket_owner_account_id: '260000000009', cloudwatch_log_group_name: '/ssm/sessions', policy_name: 'session-logging' },
    },
  ];
}

function config(overrides: { description?: string; moduleSource?: string } = {}): string {
  const text = emulatorMatrixConfig(emulator.endpoint, accounts(overrides));
  return overrides.moduleSource ? `module:\n  source: ${overrides.moduleSource}\n${text}` : text;
}

beforeAll(async () => {
  emulator = await startMatrixEmulator(Object.values(ACCOUNTS));
  dir = mkdtempSync(join(tmpdir(), 'smr-precheck-'));
  writeFileSync(join(dir, 'accounts.yml'), config());
  writeFileSync(join(dir, 'only-minimal.yml'), emulatorMatrixConfig(emulator.endpoint, [accounts()[0]]));
});

afterAll(async () => {
  await emulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => emulator.clearFaults());

/** Runs the command line in-process; returns its exit code, output and result. */
async function cli(...args: string[]): Promise<{ code: number; stderr: string; result: MatrixResult }> {
  runs += 1;
  const jsonFile = join(dir, `result-${runs}.json`);
  const io = captureIo({ ...EMULATOR_KEY });
  process.chdir(dir);
  try {
    const code = await main([...args, '--work-dir', join(dir, 'work'), '--json', jsonFile], io);
    const result = JSON.parse(readFileSync(jsonFile, 'utf8')) as MatrixResult;
    expect(resultProblems(result)).toEqual([]);
    return { code, stderr: io.stderrLines().join('\n'), result };
  } finally {
    process.chdir(WORKER_CWD);
  }
}

const byName = (result: MatrixResult) => Object.fromEntries(result.accounts.map((account) => [account.name, account])) as Record<keyof typeof ACCOUNTS, AccountResult>;
const driftOf = (entry: AccountResult) =>
  Object.fromEntries(entry.drift.map((drift) => [drift.address.replace('module.session_manager_role.', ''), drift.action === 'delete' ? 'deleted' : drift.attributes.map((attribute) => attribute.name)]));

/** A request that reads: the ones whose answers a plan depends on. */
const READ = /^(Get|List|Head)|^AssumeRole$/;
/** Parameters that do not name what is read: protocol, paging, session naming, byte ranges, checksums. */
const NOT_NAMING = new Set(['Action', 'Version', 'Marker', 'MaxItems', 'RoleSessionName', 'DurationSeconds', 'Range', 'ChecksumMode', 'MaxKeys']);

/** A read as "service account action what": HeadObject counts as a read of the object, as GetObject does. */
function readIdentity(request: LoggedRequest): string {
  const params = Object.fromEntries(Object.entries(request.params).filter(([name]) => !NOT_NAMING.has(name)));
  const action = request.action === 'HeadObject' ? 'GetObject' : request.action;
  return `${request.service} ${request.accountId} ${action} ${canonicalJson(params)}`;
}

/**
 * Reads of Terraform's S3 backend that are about the backend, not the plan's inputs: listing workspaces (the engine
 * plans the default workspace, whose state object is read), and checking the state role's credentials.
 */
const BACKEND_ONLY = [/^s3 \d+ ListObjectsV2 \{"Bucket":"org-tfstate","Prefix":"env:\/"\}$/, /^sts 999999999999 GetCallerIdentity \{\}$/];

const terraformReads = (requests: readonly LoggedRequest[]) =>
  new Set(requests.filter((request) => /Terraform\//.test(request.userAgent) && READ.test(request.action)).map(readIdentity).filter((read) => !BACKEND_ONLY.some((rule) => rule.test(read))));
const engineReads = (requests: readonly LoggedRequest[]) => new Set(requests.filter((request) => /app\/session-manager-role/.test(request.userAgent)).map(readIdentity));

let config0: MatrixConfig;
let terraformPlanReads: Set<string>;
let converged: MatrixResult;

test('Terraform finds every account converged after the apply, and writes its converged record beside the state', async () => {
  const applied = await cli('apply', '-c', 'accounts.yml', '--auto-approve');
  expect(applied.code).toBe(0);
  // An apply proves nothing about convergence (a change between the apply and its refresh is absorbed into the state):
  // the record beside each state says what was applied, not that it is converged.
  for (const id of Object.values(ACCOUNTS)) {
    expect(bucket().getObjectJson(recordKey(id))).toMatchObject({ applied: { run_id: applied.result.run.id } });
    expect(bucket().getObjectJson(recordKey(id))).not.toHaveProperty('converged');
  }
  // A section a later release keeps in the same record: writes leave it as it is.
  bucket().putObject(recordKey(ACCOUNTS.minimal), { ...(bucket().getObjectJson(recordKey(ACCOUNTS.minimal)) as object), later_release: { kept: true } });

  const from = emulator.requests.length;
  const { code, result } = await cli('drift', '-c', 'accounts.yml');
  converged = result;
  terraformPlanReads = terraformReads(emulator.requests.slice(from));
  expect(code).toBe(0);
  for (const account of result.accounts) {
    expect(account).toMatchObject({ status: 'no_changes', drift: [], precheck: { without_terraform: false, recorded: true } });
    expect(account.phases.map((phase) => phase.phase)).toEqual(['precheck', 'prepare', 'plan', 'output', 'record']);
    const record = bucket().getObjectJson(recordKey(account.id)) as { version: number; account_id: string; converged: Record<string, unknown> };
    expect(record).toMatchObject({
      version: 1,
      account_id: account.id,
      converged: {
        since: account.precheck!.converged_since,
        verified_at: account.precheck!.verified_at,
        run_id: result.run.id,
        command: 'drift',
        terraform_version: result.run.terraform_version,
        aws_provider_version: TESTED_AWS_PROVIDER_VERSION,
        state: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), serial: expect.any(Number) },
      },
    });
  }
  expect(byName(result).minimal.precheck!.terraform_reason).toMatch(/^no converged record yet \(s3:\/\/org-tfstate\/session-manager-role\/260000000001\.tfstate\.session-manager-role\.json\)$/);
  expect(bucket().getObjectJson(recordKey(ACCOUNTS.minimal))).toMatchObject({ later_release: { kept: true } });
  config0 = loadConfig(join(dir, 'accounts.yml'), { builtInModules: MODULES });
});

test('unchanged accounts are checked without Terraform, with every read a real plan makes, and their credentials reported for masking', async () => {
  // Used since it converged: AWS updates RoleLastUsed, which Terraform ignores.
  emulator.outOfBand(ACCOUNTS.minimal).useRole('ssm-minimal', 'eu-west-1');
  const secrets: string[] = [];
  const from = emulator.requests.length;
  const result = await runMatrix({
    config: config0,
    configLabel: 'accounts.yml',
    command: 'drift',
    workDir: join(dir, 'work'),
    env: { ...process.env, ...EMULATOR_KEY },
    onSecret: (secret) => secrets.push(secret),
  });
  const requests = emulator.requests.slice(from);
  expect(requests.filter((request) => /Terraform\//.test(request.userAgent))).toEqual([]);
  for (const account of result.accounts) {
    expect(account).toMatchObject({ status: 'no_changes', drift: [], precheck: { without_terraform: true }, phases: [{ phase: 'precheck' }] });
    expect(account.reason).toMatch(/^checked without Terraform: configuration, state and AWS objects unchanged since it converged \(\d{4}-\d\d-\d\dT/);
    // The outputs the state holds: those a Terraform plan without changes reported.
    expect(account.outputs).toEqual(byName(converged)[account.name as keyof typeof ACCOUNTS].outputs);
  }

  // Soundness: each read Terraform's plan made (per account, action and what it names), the pre-check made too.
  const precheckReads = engineReads(requests);
  expect([...terraformPlanReads].filter((read) => !precheckReads.has(read))).toEqual([]);
  for (const id of Object.values(ACCOUNTS)) expect([...terraformPlanReads].filter((read) => read.includes(` ${id} `)).length).toBeGreaterThan(5);
  // Without an instance profile, Terraform does not read one; with one, it does.
  expect([...terraformPlanReads].some((read) => read.startsWith(`iam ${ACCOUNTS.minimal} GetInstanceProfile`))).toBe(false);
  expect([...terraformPlanReads].some((read) => read.startsWith(`iam ${ACCOUNTS.logging} GetInstanceProfile {"InstanceProfileName":"ssm-logging"}`))).toBe(true);
  // The same role, external id and session name as the account's Terraform run.
  const assumed = requests.filter((request) => request.action === 'AssumeRole' && request.params.RoleArn.endsWith(':role/terraform'));
  expect(new Set(assumed.map((request) => request.params.RoleSessionName))).toEqual(new Set([sessionName(result.run.id)]));
  // Every credential obtained (key id, secret, token of each AssumeRole) went to onSecret, besides the environment's.
  const allAssumed = requests.filter((request) => request.action === 'AssumeRole');
  const obtained = secrets.filter((secret) => !Object.values(EMULATOR_KEY).includes(secret));
  expect(obtained).toHaveLength(3 * allAssumed.length);
  expect(obtained.filter((secret) => /^ASIA[0-9A-F]{16}$/.test(secret))).toHaveLength(allAssumed.length);
});

test('plan checks unchanged accounts without Terraform too; applying that plan has nothing to apply; --full plans anyway', async () => {
  const planned = await cli('plan', '-c', 'accounts.yml');
  expect(planned.code).toBe(0);
  expect(planned.result.accounts.map((account) => account.precheck?.without_terraform)).toEqual([true, true]);
  // The fingerprint a Terraform plan without changes has, so that reviews and applies treat both alike.
  expect(planned.result.accounts.map((account) => account.fingerprint)).toEqual(converged.accounts.map((account) => account.fingerprint));
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(planned.result));
  const applied = await cli('apply', '-c', 'accounts.yml', '--plan-result', 'plan.json');
  expect(applied.code).toBe(0);
  for (const account of applied.result.accounts) expect(account).toMatchObject({ status: 'no_changes', reason: expect.stringMatching(/^nothing to apply: run \S+ checked it without Terraform/) });

  const full = await cli('drift', '-c', 'only-minimal.yml', '--full');
  expect(full.code).toBe(0);
  const [minimal] = full.result.accounts;
  expect(minimal.phases.map((phase) => phase.phase)).toEqual(['prepare', 'plan', 'output', 'record']);
  // Proven converged again with nothing changed: the record keeps the time it first converged.
  expect(minimal.precheck).toEqual({
    without_terraform: false,
    terraform_reason: 'a full check was asked for: Terraform plans every account',
    recorded: true,
    converged_since: byName(converged).minimal.precheck!.converged_since,
    verified_at: expect.any(String),
  });
  expect(Date.parse(minimal.precheck!.verified_at!)).toBeGreaterThan(Date.parse(minimal.precheck!.converged_since!));
});

test('what the pre-check cannot vouch for goes to Terraform: configuration, module, versions, age, lock, state, records, failed reads', async () => {
  const env = { PATH: process.env.PATH, ...EMULATOR_KEY };
  const precheck = (options: Partial<DriftPrecheckOptions> = {}) =>
    new DriftPrecheck({ aws: new AwsAccess(env), runId: 'precheck-test', command: 'drift', terraformVersion: converged.run.terraform_version!, awsProviderVersion: TESTED_AWS_PROVIDER_VERSION, ...options });
  const account = (name: keyof typeof ACCOUNTS, from: MatrixConfig = config0): ResolvedAccount => from.accounts.find((entry) => entry.name === name)!;
  const reason = async (name: keyof typeof ACCOUNTS, options?: Partial<DriftPrecheckOptions>, from?: MatrixConfig) => {
    const verdict = await precheck(options).check(account(name, from));
    return verdict.unchanged ? 'unchanged' : verdict.reason;
  };
  const configFile = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return loadConfig(join(dir, name), { builtInModules: MODULES });
  };
  expect(await reason('minimal')).toBe('unchanged');

  // Configuration: another input.
  expect(await reason('minimal', {}, configFile('described.yml', config({ description: 'Another description' })))).toBe('the configuration (root module, inputs or module content) changed since it converged');
  // Module: the same content elsewhere is the same module; one file changed is another.
  cpSync(MODULES, join(dir, 'modules-copy'), { recursive: true });
  const copied = configFile('copied.yml', config({ moduleSource: './modules-copy' }));
  expect(await reason('minimal', {}, copied)).toBe('unchanged');
  writeFileSync(join(dir, 'modules-copy', 'session-manager-role-minimal', 'README.md'), 'edited\n');
  expect(await reason('minimal', {}, copied)).toMatch(/^the configuration \(root module, inputs or module content\) changed/);
  expect(await reason('logging', {}, copied)).toBe('unchanged');
  // A module whose content only Terraform's init would know.
  const remote = configFile('remote.yml', config({ moduleSource: 'git::https://git.example.com/ssm.git//modules?ref=v1.2.0' }));
  expect(await reason('minimal', {}, remote)).toMatch(/^the module source git::https:\/\/git\.example\.com\/ssm\.git\/\/modules\/session-manager-role-minimal\?ref=v1\.2\.0 is not a local folder or a git commit/);

  // Provider and Terraform versions, and the record's age.
  expect(VERIFIED_AWS_PROVIDER_VERSIONS).toContain(TESTED_AWS_PROVIDER_VERSION);
  expect(await reason('minimal', { awsProviderVersion: '5.101.0' })).toBe(`the pre-check's reads are verified for hashicorp/aws ${VERIFIED_AWS_PROVIDER_VERSIONS.join(', ')}; this run uses 5.101.0`);
  const recordOfMinimal = bucket().getObjectText(recordKey(ACCOUNTS.minimal));
  bucket().putObject(recordKey(ACCOUNTS.minimal), recordOfMinimal.replace(`"aws_provider_version": "${TESTED_AWS_PROVIDER_VERSION}"`, '"aws_provider_version": "5.99.0"'));
  expect(await reason('minimal')).toBe(`the AWS provider changed since it converged (5.99.0, now ${TESTED_AWS_PROVIDER_VERSION})`);
  bucket().putObject(recordKey(ACCOUNTS.minimal), recordOfMinimal);
  expect(await reason('minimal', { terraformVersion: '1.12.0' })).toBe(`Terraform changed since it converged (${converged.run.terraform_version}, now 1.12.0)`);
  const later = new Date(Date.now() + DEFAULT_MAX_AGE_MS + 60_000);
  expect(await reason('minimal', { now: () => later })).toMatch(/^Terraform last checked it 7 days ago, longer than the maximum age of 7 days$/);
  expect(await reason('minimal', { maxAgeMs: 1000, now: () => new Date(Date.now() + 60_000) })).toMatch(/longer than the maximum age of 1 seconds$/);

  // Another run holds the state lock; the state changed; the record is gone, or of a format this release does not read.
  const lock = `${stateKey(ACCOUNTS.minimal)}.tflock`;
  bucket().putObject(lock, { ID: 'other-run' });
  expect(await reason('minimal')).toBe(`the state is locked (s3://org-tfstate/${lock}): another run is working on this account`);
  bucket().deleteObject(lock);
  const state = bucket().getObjectText(stateKey(ACCOUNTS.minimal));
  const serial = (JSON.parse(state) as { serial: number }).serial;
  bucket().putObject(stateKey(ACCOUNTS.minimal), JSON.stringify({ ...JSON.parse(state), serial: serial + 1 }, null, 2));
  expect(await reason('minimal')).toBe(`the state changed since it converged (serial ${serial}, now ${serial + 1})`);
  bucket().putObject(stateKey(ACCOUNTS.minimal), state);
  const record = bucket().getObjectText(recordKey(ACCOUNTS.logging));
  bucket().deleteObject(recordKey(ACCOUNTS.logging));
  expect(await reason('logging')).toBe(`no converged record yet (s3://org-tfstate/${recordKey(ACCOUNTS.logging)})`);
  bucket().putObject(recordKey(ACCOUNTS.logging), record.replace('"version": 1', '"version": 2'));
  expect(await reason('logging')).toBe(`s3://org-tfstate/${recordKey(ACCOUNTS.logging)} has format version 2; this release reads version 1`);
  bucket().putObject(recordKey(ACCOUNTS.logging), record);
  expect(await reason('logging')).toBe('unchanged');

  // Reads without an answer: throttled past the retries, denied.
  emulator.injectFault({ accountId: ACCOUNTS.minimal, action: 'GetRole', kind: 'Throttling' });
  expect(await reason('minimal')).toMatch(/^GetRole ssm-minimal: Throttling: Injected: Rate exceeded \(after 5 attempts\)$/);
  emulator.clearFaults();
  emulator.injectFault({ action: 'GetObject', key: recordKey(ACCOUNTS.logging), kind: 'AccessDenied' });
  expect(await reason('logging')).toMatch(/^could not read s3:\/\/org-tfstate\/\S+: AccessDenied: Injected: Access Denied$/);
  emulator.clearFaults();
  expect(await reason('logging')).toBe('unchanged');
});

test("the engine's AWS calls use only the environment given: credentials from it or a profile, never process.env", async () => {
  const check = (env: NodeJS.ProcessEnv) =>
    new DriftPrecheck({ aws: new AwsAccess(env), runId: 'env-test', command: 'drift', terraformVersion: converged.run.terraform_version!, awsProviderVersion: TESTED_AWS_PROVIDER_VERSION })
      .check(config0.accounts[0])
      .then((verdict) => (verdict.unchanged ? 'unchanged' : verdict.reason));
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG0', AWS_SECRET_ACCESS_KEY: 'wrong', AWS_MAX_ATTEMPTS: '1', AWS_USE_FIPS_ENDPOINT: 'true', HTTPS_PROXY: 'http://127.0.0.1:9' });
  try {
    expect(await check({ ...EMULATOR_KEY })).toBe('unchanged');
    // A profile in the shared files (here with the same static key).
    const credentials = join(dir, 'aws-credentials');
    writeFileSync(credentials, `[ci]\naws_access_key_id = ${EMULATOR_KEY.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${EMULATOR_KEY.AWS_SECRET_ACCESS_KEY}\n`);
    expect(await check({ AWS_PROFILE: 'ci', AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: join(dir, 'no-config') })).toBe('unchanged');
    expect(await check({ HOME: join(dir, 'empty-home') })).toMatch(/^no AWS credentials in the environment \(AWS_ACCESS_KEY_ID\) or in shared files/);
    expect(await check({ ...EMULATOR_KEY, HTTPS_PROXY: 'http://proxy.example.com:3128' })).toBe("the environment asks for a proxy (http://proxy.example.com:3128), which the engine's own AWS calls do not use");
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
});

test('each change made outside Terraform is seen by the pre-check and reported by the plan', async () => {
  const policyArn = (id: string, name: string) => `arn:aws:iam::${id}:policy/${name}`;
  // minimal: the role's own settings, then the role deleted and created again under another path (a role's path
  // cannot change in place).
  const minimal = emulator.outOfBand(ACCOUNTS.minimal);
  minimal.setTrustPolicy('ssm-minimal', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'sts:AssumeRole' }] });
  minimal.setRoleDescription('ssm-minimal', 'Changed in the console');
  minimal.setMaxSessionDuration('ssm-minimal', 10800);
  minimal.setPermissionsBoundary('ssm-minimal', 'arn:aws:iam::aws:policy/AdministratorAccess');
  minimal.tagRole('ssm-minimal', 'owner', 'someone-else');
  minimal.recreateRole('ssm-minimal', '/moved/');
  // logging: its policies, and its instance profile deleted.
  const logging = emulator.outOfBand(ACCOUNTS.logging);
  logging.editPolicy(policyArn(ACCOUNTS.logging, 'session-logging'), { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] });
  logging.attachRolePolicy('ssm-logging', logging.createPolicy('AdminByHand', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));
  logging.putRolePolicy('ssm-logging', 'added-by-hand', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ec2:*', Resource: '*' }] });
  logging.deleteInstanceProfile('ssm-logging');

  const { code, result } = await cli('drift', '-c', 'accounts.yml');
  expect(code).toBe(2);
  const checked = byName(result);
  for (const entry of result.accounts) expect(entry.precheck).toEqual({ without_terraform: false, terraform_reason: expect.stringMatching(/^AWS objects differ from the converged record: /) });
  // Drift found: the records say converged no longer (the next convergence starts a new `since`); other sections stay.
  for (const id of Object.values(ACCOUNTS)) expect(bucket().getObjectJson(recordKey(id))).not.toHaveProperty('converged');
  expect(bucket().getObjectJson(recordKey(ACCOUNTS.minimal))).toMatchObject({ later_release: { kept: true } });

  // Each change is a field the pre-check names, and an attribute Terraform reports.
  expect(checked.minimal.precheck!.terraform_reason).toBe(
    'AWS objects differ from the converged record: GetRole ssm-minimal (Arn, AssumeRolePolicyDocument, CreateDate, Description, MaxSessionDuration, Path, PermissionsBoundary, RoleId, Tags)',
  );
  expect(driftOf(checked.minimal)['aws_iam_role.this']).toEqual(
    expect.arrayContaining(['arn', 'assume_role_policy', 'description', 'max_session_duration', 'path', 'permissions_boundary', 'tags', 'tags_all', 'unique_id']),
  );

  const reason = checked.logging.precheck!.terraform_reason!;
  expect(reason).toContain(`GetPolicy ${policyArn(ACCOUNTS.logging, 'session-logging')} (DefaultVersionId`);
  expect(reason).toContain(`GetPolicyVersion ${policyArn(ACCOUNTS.logging, 'session-logging')} v2 (not read when it converged)`);
  expect(reason).toContain('ListAttachedRolePolicies ssm-logging (AttachedPolicies)');
  expect(reason).toContain('ListRolePolicies ssm-logging (PolicyNames)');
  expect(reason).toContain('GetRolePolicy ssm-logging added-by-hand (not read when it converged)');
  expect(reason).toContain('GetInstanceProfile ssm-logging (was found, now NoSuchEntity)');
  expect(driftOf(checked.logging)).toEqual({
    'aws_iam_instance_profile.this[0]': 'deleted',
    'aws_iam_policy.this': ['policy'],
    'aws_iam_role.this': ['inline_policy'],
    'aws_iam_role_policies_exclusive.this': ['policy_names'],
    'aws_iam_role_policy_attachments_exclusive.this': ['policy_arns'],
  });
});
