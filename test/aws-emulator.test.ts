/**
 * The emulator's own behaviour, driven by the real AWS SDK for JavaScript v3 over HTTP (real SigV4 signing).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  AddRoleToInstanceProfileCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  paginateListAttachedRolePolicies,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsEmulator } from '../emulator';

const ACCOUNT = '111111111111';
const OTHER = '222222222222';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });

let emulator: AwsEmulator;

const credentials = (accessKeyId: string, sessionToken?: string) => ({ accessKeyId, secretAccessKey: 'secret', sessionToken });
const iam = (accessKeyId = 'AKIAACCOUNTAAAAAAAAA', sessionToken?: string) =>
  new IAMClient({ endpoint: emulator.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: credentials(accessKeyId, sessionToken) });
const sts = (accessKeyId = 'AKIAACCOUNTAAAAAAAAA', sessionToken?: string) =>
  new STSClient({ endpoint: emulator.endpoint, region: 'us-east-1', maxAttempts: 1, credentials: credentials(accessKeyId, sessionToken) });

beforeAll(async () => {
  emulator = await AwsEmulator.start({
    credentials: [
      { accessKeyId: 'AKIAACCOUNTAAAAAAAAA', accountId: ACCOUNT },
      { accessKeyId: 'AKIAOTHERAAAAAAAAAAA', accountId: OTHER },
    ],
    accounts: [{ id: OTHER, assumableRoles: ['terraform'] }],
    pageSize: 1,
  });
});

afterAll(() => emulator.close());

afterEach(() => emulator.clearFaults());

test('a created role reads back with AWS-shaped ids, ARN, date and URL-decoded trust policy', async () => {
  await iam().send(new CreateRoleCommand({ RoleName: 'shape', Path: '/ssm/', AssumeRolePolicyDocument: TRUST }));
  const { Role } = await iam().send(new GetRoleCommand({ RoleName: 'shape' }));
  expect(Role).toMatchObject({ RoleName: 'shape', Path: '/ssm/', Arn: `arn:aws:iam::${ACCOUNT}:role/ssm/shape`, MaxSessionDuration: 3600 });
  expect(Role!.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/);
  expect(Role!.CreateDate).toBeInstanceOf(Date);
  expect(JSON.parse(decodeURIComponent(Role!.AssumeRolePolicyDocument!))).toEqual(JSON.parse(TRUST));
});

test.each([
  ['NoSuchEntityException', 404, () => iam().send(new GetRoleCommand({ RoleName: 'missing' }))],
  ['ValidationError', 400, () => iam().send(new CreateRoleCommand({ RoleName: 'bad name', AssumeRolePolicyDocument: TRUST }))],
  ['MalformedPolicyDocumentException', 400, () => iam().send(new CreateRoleCommand({ RoleName: 'malformed', AssumeRolePolicyDocument: '{not json' }))],
  ['MalformedPolicyDocumentException', 400, () => iam().send(new CreatePolicyCommand({ PolicyName: 'no-resource', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*' }] }) }))],
])('%s (HTTP %i)', async (code, status, call) => {
  await expect(call()).rejects.toMatchObject({ name: code, $metadata: { httpStatusCode: status } });
});

test('EntityAlreadyExists, DeleteConflict and LimitExceeded are 409s', async () => {
  await iam().send(new CreateRoleCommand({ RoleName: 'conflicts', AssumeRolePolicyDocument: TRUST }));
  await expect(iam().send(new CreateRoleCommand({ RoleName: 'conflicts', AssumeRolePolicyDocument: TRUST }))).rejects.toMatchObject({ name: 'EntityAlreadyExistsException', $metadata: { httpStatusCode: 409 } });

  await iam().send(new CreateInstanceProfileCommand({ InstanceProfileName: 'conflicts' }));
  await iam().send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'conflicts', RoleName: 'conflicts' }));
  await expect(iam().send(new DeleteRoleCommand({ RoleName: 'conflicts' }))).rejects.toMatchObject({ name: 'DeleteConflictException', $metadata: { httpStatusCode: 409 } });

  const { Policy } = await iam().send(new CreatePolicyCommand({ PolicyName: 'versions', PolicyDocument: POLICY }));
  for (let n = 2; n <= 5; n += 1) await iam().send(new CreatePolicyVersionCommand({ PolicyArn: Policy!.Arn, PolicyDocument: POLICY }));
  await expect(iam().send(new CreatePolicyVersionCommand({ PolicyArn: Policy!.Arn, PolicyDocument: POLICY }))).rejects.toMatchObject({ name: 'LimitExceededException', $metadata: { httpStatusCode: 409 } });
});

test('lists are paginated with IsTruncated and Marker, and a paginator collects every page', async () => {
  await iam().send(new CreateRoleCommand({ RoleName: 'paged', AssumeRolePolicyDocument: TRUST }));
  const arns: string[] = [];
  for (const name of ['first', 'second', 'third']) {
    const { Policy } = await iam().send(new CreatePolicyCommand({ PolicyName: `paged-${name}`, PolicyDocument: POLICY }));
    await iam().send(new AttachRolePolicyCommand({ RoleName: 'paged', PolicyArn: Policy!.Arn }));
    arns.push(Policy!.Arn!);
  }
  const firstPage = await iam().send(new ListAttachedRolePoliciesCommand({ RoleName: 'paged' }));
  expect(firstPage).toMatchObject({ IsTruncated: true, AttachedPolicies: [{ PolicyArn: arns[0] }] });
  expect(firstPage.Marker).toBeTruthy();
  const all: string[] = [];
  for await (const page of paginateListAttachedRolePolicies({ client: iam() }, { RoleName: 'paged' })) {
    all.push(...page.AttachedPolicies!.map((policy) => policy.PolicyArn!));
  }
  expect(all).toEqual(arns);
});

test('a request re-sent with the same amz-sdk-invocation-id gets the first answer again', async () => {
  const client = iam();
  // Between the retry middleware (which sets the id) and signing: the client re-sends one invocation.
  type Next = (args: { request: { headers: Record<string, string> } }) => Promise<unknown>;
  const fixedInvocationId = (next: Next) => (args: Parameters<Next>[0]) => {
    args.request.headers['amz-sdk-invocation-id'] = 'a1b2c3d4-replayed-request';
    return next(args);
  };
  client.middlewareStack.addRelativeTo(fixedInvocationId as never, { relation: 'after', toMiddleware: 'retryMiddleware', name: 'fixedInvocationId' });
  const first = await client.send(new CreateRoleCommand({ RoleName: 'replayed', AssumeRolePolicyDocument: TRUST }));
  const again = await client.send(new CreateRoleCommand({ RoleName: 'replayed', AssumeRolePolicyDocument: TRUST }));
  expect(again.Role!.RoleId).toBe(first.Role!.RoleId);
  // Without the same invocation id, the repeat is a conflict as in AWS.
  await expect(iam().send(new CreateRoleCommand({ RoleName: 'replayed', AssumeRolePolicyDocument: TRUST }))).rejects.toMatchObject({ name: 'EntityAlreadyExistsException' });
});

test('accounts are isolated, and AssumeRole reaches only the roles an account allows', async () => {
  await iam().send(new CreateRoleCommand({ RoleName: 'isolated', AssumeRolePolicyDocument: TRUST }));
  await expect(iam('AKIAOTHERAAAAAAAAAAA').send(new GetRoleCommand({ RoleName: 'isolated' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });

  const { Credentials } = await sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${OTHER}:role/terraform`, RoleSessionName: 'test-session' }));
  expect(Credentials!.AccessKeyId).toMatch(/^ASIA/);
  const identity = await sts(Credentials!.AccessKeyId, Credentials!.SessionToken).send(new GetCallerIdentityCommand({}));
  expect(identity).toMatchObject({ Account: OTHER, Arn: `arn:aws:sts::${OTHER}:assumed-role/terraform/test-session` });
  await iam(Credentials!.AccessKeyId, Credentials!.SessionToken).send(new CreateRoleCommand({ RoleName: 'in-other', AssumeRolePolicyDocument: TRUST }));
  expect(emulator.account(OTHER).roles.has('in-other')).toBe(true);
  expect(emulator.account(ACCOUNT).roles.has('in-other')).toBe(false);

  await expect(sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${OTHER}:role/admin`, RoleSessionName: 'denied' }))).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
  await expect(iam(Credentials!.AccessKeyId).send(new GetRoleCommand({ RoleName: 'in-other' }))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
  await expect(iam('AKIAUNKNOWNAAAAAAAAA').send(new GetRoleCommand({ RoleName: 'x' }))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
});

test('unsigned requests and wrong API versions are refused', async () => {
  const unsigned = await fetch(emulator.endpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'Action=GetRole&Version=2010-05-08&RoleName=x' });
  expect(unsigned.status).toBe(403);
  expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>');
});

test('injected faults: the Nth call fails, per account and action, with the chosen error', async () => {
  await iam().send(new CreateRoleCommand({ RoleName: 'faulty', AssumeRolePolicyDocument: TRUST }));
  emulator.injectFault({ accountId: ACCOUNT, action: 'GetRole', kind: 'Throttling', nth: 2 });
  await iam().send(new GetRoleCommand({ RoleName: 'faulty' }));
  await expect(iam().send(new GetRoleCommand({ RoleName: 'faulty' }))).rejects.toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
  await iam().send(new GetRoleCommand({ RoleName: 'faulty' }));

  emulator.clearFaults();
  emulator.injectFault({ action: 'GetRole', kind: 'InternalError' });
  await expect(iam().send(new GetRoleCommand({ RoleName: 'faulty' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
  emulator.clearFaults();
  emulator.injectFault({ accountId: OTHER, kind: 'AccessDenied' });
  await iam().send(new GetRoleCommand({ RoleName: 'faulty' }));
  await expect(iam('AKIAOTHERAAAAAAAAAAA').send(new ListAttachedRolePoliciesCommand({ RoleName: 'x' }))).rejects.toMatchObject({ name: 'AccessDenied' });

  emulator.clearFaults();
  emulator.injectFault({ action: 'GetRole', kind: 'Latency', delayMs: 200 });
  const started = Date.now();
  await iam().send(new GetRoleCommand({ RoleName: 'faulty' }));
  expect(Date.now() - started).toBeGreaterThanOrEqual(200);
});

test('the request log names account, action and parameters', async () => {
  await iam().send(new GetRoleCommand({ RoleName: 'shape' }));
  expect(emulator.requests.at(-1)).toMatchObject({ service: 'iam', action: 'GetRole', accountId: ACCOUNT, params: { RoleName: 'shape' } });
});

test('standalone: prints its address and takes out-of-band changes over the control endpoint', async () => {
  const child = spawn(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [join(__dirname, '..', 'emulator', 'cli.ts'), '--port', '0']);
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk.toString());
        if (match) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
    });
    const client = new IAMClient({ endpoint, region: 'us-east-1', maxAttempts: 1, credentials: credentials('AKIAIOSFODNN7EXAMPLE') });
    await client.send(new CreateRoleCommand({ RoleName: 'standalone', AssumeRolePolicyDocument: TRUST }));
    const control = (path: string, body: object) =>
      fetch(`${endpoint}/_emulator/${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ result: string }>);
    const { result: arn } = await control('out-of-band', { accountId: ACCOUNT, change: 'createPolicy', args: ['ByHand', JSON.parse(POLICY)] });
    await control('out-of-band', { accountId: ACCOUNT, change: 'attachRolePolicy', args: ['standalone', arn] });
    const { AttachedPolicies } = await client.send(new ListAttachedRolePoliciesCommand({ RoleName: 'standalone' }));
    expect(AttachedPolicies).toEqual([{ PolicyName: 'ByHand', PolicyArn: arn }]);
  } finally {
    child.kill('SIGTERM');
  }
});
