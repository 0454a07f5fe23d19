import {
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { canonicalJson } from './fingerprint';
import { RESPONSE_SHAPES, UnknownField, comparedPart } from './private/response-shapes';
import { isStatus } from './backend-objects';

/** One read-only call, as the emulator's request log and AWS's documentation name it: action and parameters. */
export interface ReadRequest {
  readonly service: 'iam' | 'sts';
  readonly action: string;
  readonly params: Readonly<Record<string, string>>;
}

/** A read and what AWS answered: the compared part of the response (every page), or the error code of an answer that is one (NoSuchEntity). */
export interface ObservedRead extends ReadRequest {
  readonly response?: unknown;
  readonly error?: string;
}

/** The parts of a Terraform state (format version 4) the pre-check reads. */
export interface TerraformState {
  readonly version: number;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs?: Readonly<Record<string, { readonly value?: unknown; readonly sensitive?: boolean }>>;
  readonly resources?: readonly StateResource[];
}

interface StateResource {
  readonly module?: string;
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly provider: string;
  readonly instances: readonly { readonly index_key?: unknown; readonly attributes?: Readonly<Record<string, unknown>> }[];
}

/**
 * The hashicorp/aws releases whose refresh makes no read beyond those below, as test/drift-precheck.test.ts proves by
 * recording the requests of real plans. With any other release the pre-check does not run: another release may read
 * something more, whose changes the pre-check would not see. Add a release only with that test passing on it.
 */
export const VERIFIED_AWS_PROVIDER_VERSIONS: readonly string[] = ['5.100.0'];

/** Something in the state that the pre-check cannot read as Terraform would: Terraform must run. */
export class UnreadableState extends Error {}

/** The provider's own start: with an assumed role, it learns the account id (for `allowed_account_ids`) from STS. */
const CALLER_IDENTITY: ReadRequest = { service: 'sts', action: 'GetCallerIdentity', params: {} };

const AWS_PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]';

type Attributes = Readonly<Record<string, unknown>>;

/**
 * The read-only calls the AWS provider's refresh makes for each kind of object in a state (hashicorp/aws 5.x), from
 * the attributes the state holds. The follow-up calls that depend on an answer (a policy's default version, each
 * inline policy) are made by `observe`. Data sources not listed here (aws_partition, aws_iam_policy_document) are
 * computed by the provider without calling AWS.
 */
const REFRESH_READS: Readonly<Record<string, (attributes: Attributes) => ReadRequest[]>> = {
  'managed aws_iam_role': (attributes) => {
    const RoleName = text(attributes, 'name');
    return [iam('GetRole', { RoleName }), iam('ListRolePolicies', { RoleName }), iam('ListAttachedRolePolicies', { RoleName })];
  },
  'managed aws_iam_policy': (attributes) => [iam('GetPolicy', { PolicyArn: text(attributes, 'arn') })],
  'managed aws_iam_role_policy_attachment': (attributes) => [iam('ListAttachedRolePolicies', { RoleName: text(attributes, 'role') })],
  'managed aws_iam_role_policy_attachments_exclusive': (attributes) => [iam('ListAttachedRolePolicies', { RoleName: text(attributes, 'role_name') })],
  'managed aws_iam_role_policies_exclusive': (attributes) => [iam('ListRolePolicies', { RoleName: text(attributes, 'role_name') })],
  'managed aws_iam_instance_profile': (attributes) => [iam('GetInstanceProfile', { InstanceProfileName: text(attributes, 'name') })],
  'data aws_caller_identity': () => [CALLER_IDENTITY],
  'data aws_partition': () => [],
  'data aws_iam_policy_document': () => [],
};

const iam = (action: string, params: Record<string, string>): ReadRequest => ({ service: 'iam', action, params });

function text(attributes: Attributes, name: string): string {
  const value = attributes[name];
  if (typeof value !== 'string' || value === '') throw new UnreadableState(`the state has no ${name} for an object that needs one`);
  return value;
}

/** The reads Terraform's refresh of this state makes, each once, in a stable order. Throws UnreadableState. */
export function refreshReads(state: TerraformState): ReadRequest[] {
  if (state.version !== 4) throw new UnreadableState(`the state has format version ${state.version}; the pre-check reads version 4`);
  const reads = [CALLER_IDENTITY];
  for (const resource of state.resources ?? []) {
    const kind = `${resource.mode} ${resource.type}`;
    const reader = REFRESH_READS[kind];
    if (!reader) throw new UnreadableState(`the state holds ${resource.mode === 'data' ? 'data source ' : ''}${resource.type}, which the pre-check does not read`);
    if (resource.provider !== AWS_PROVIDER) throw new UnreadableState(`${resource.type}.${resource.name} belongs to ${resource.provider}`);
    for (const instance of resource.instances) reads.push(...reader(instance.attributes ?? {}));
  }
  return unique(reads);
}

export function readKey(read: ReadRequest): string {
  return `${read.service}:${read.action} ${canonicalJson(read.params)}`;
}

function unique(reads: readonly ReadRequest[]): ReadRequest[] {
  const byKey = new Map(reads.map((read) => [readKey(read), read]));
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}

/** A read that failed without an answer about the account's objects (throttled past retries, denied, unreachable). */
export class ReadFailure extends Error {}

/** How a read is described in messages: `GetRole ssm-alpha`. */
export function describeRead(read: ReadRequest): string {
  const subject = Object.values(read.params).join(' ');
  return subject ? `${read.action} ${subject}` : read.action;
}

interface Clients {
  readonly iam: IAMClient;
  readonly sts: STSClient;
  /** The assume-role session name: part of the caller's ARN and user id, which differ by it from run to run. */
  readonly sessionName: string;
}

/**
 * Makes the reads and their follow-ups (each page of a list, the default version of each policy, each inline policy),
 * independent ones at the same time, and returns every read with what AWS answered, sorted by read. Throws
 * ReadFailure for a read without an answer, UnknownField for an answer with a field the pre-check does not know.
 */
export async function observe(clients: Clients, reads: readonly ReadRequest[]): Promise<ObservedRead[]> {
  const observed = new Map<string, Promise<ObservedRead>>();
  const read = (request: ReadRequest): Promise<ObservedRead> => {
    const key = readKey(request);
    if (!observed.has(key)) observed.set(key, perform(clients, request));
    return observed.get(key)!;
  };
  const followUps = async (request: ReadRequest): Promise<void> => {
    const result = await read(request);
    if (request.action === 'GetPolicy' && result.response) {
      const VersionId = (result.response as { Policy?: { DefaultVersionId?: string } }).Policy?.DefaultVersionId;
      if (VersionId) await read(iam('GetPolicyVersion', { PolicyArn: request.params.PolicyArn, VersionId }));
    }
    if (request.action === 'ListRolePolicies' && result.response) {
      const names = (result.response as { PolicyNames?: string[] }).PolicyNames ?? [];
      await Promise.all(names.map((PolicyName) => read(iam('GetRolePolicy', { RoleName: request.params.RoleName, PolicyName }))));
    }
  };
  await Promise.all(reads.map(followUps));
  const results = await Promise.all(observed.values());
  return results.sort((a, b) => (readKey(a) < readKey(b) ? -1 : 1));
}

async function perform(clients: Clients, request: ReadRequest): Promise<ObservedRead> {
  const shape = RESPONSE_SHAPES[request.action];
  try {
    const response = comparedPart(await send(clients, request), shape, request.action);
    // The caller is the run's own session: its name is not part of the account.
    if (request.action === 'GetCallerIdentity') return { ...request, response: JSON.parse(JSON.stringify(response).split(clients.sessionName).join('{session}')) };
    return { ...request, response };
  } catch (error) {
    const answer = answeredError(error);
    if (answer) return { ...request, error: answer };
    if (error instanceof UnknownField) throw error;
    throw new ReadFailure(`${describeRead(request)}: ${errorText(error)}`);
  }
}

/** The SDK call of a read; a list's pages joined into one answer. */
async function send(clients: Clients, request: ReadRequest): Promise<unknown> {
  const p = request.params;
  switch (request.action) {
    case 'GetCallerIdentity':
      return clients.sts.send(new GetCallerIdentityCommand({}));
    case 'GetRole':
      return clients.iam.send(new GetRoleCommand({ RoleName: p.RoleName }));
    case 'GetRolePolicy':
      return clients.iam.send(new GetRolePolicyCommand({ RoleName: p.RoleName, PolicyName: p.PolicyName }));
    case 'GetPolicy':
      return clients.iam.send(new GetPolicyCommand({ PolicyArn: p.PolicyArn }));
    case 'GetPolicyVersion':
      return clients.iam.send(new GetPolicyVersionCommand({ PolicyArn: p.PolicyArn, VersionId: p.VersionId }));
    case 'GetInstanceProfile':
      return clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: p.InstanceProfileName }));
    case 'ListRolePolicies':
      return allPages('PolicyNames', (Marker) => clients.iam.send(new ListRolePoliciesCommand({ RoleName: p.RoleName, Marker })));
    case 'ListAttachedRolePolicies':
      return allPages('AttachedPolicies', (Marker) => clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: p.RoleName, Marker })));
    default:
      throw new Error(`no SDK call for ${request.action}`);
  }
}

interface Page {
  readonly IsTruncated?: boolean;
  readonly Marker?: string;
  readonly $metadata?: unknown;
}

async function allPages<K extends string>(list: K, fetch: (marker?: string) => Promise<Page & Partial<Record<K, unknown[]>>>): Promise<unknown> {
  const items: unknown[] = [];
  let marker: string | undefined;
  let page: Page & Partial<Record<K, unknown[]>>;
  do {
    page = await fetch(marker);
    items.push(...(page[list] ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return { ...page, [list]: items, IsTruncated: undefined, Marker: undefined };
}

/**
 * An error that is an answer about the account, recorded like a response: the object does not exist (404).
 * Throttling past retries, access denied, server errors and network trouble are no answer.
 */
function answeredError(error: unknown): string | undefined {
  return isStatus(error, 404) ? errorCode(error) : undefined;
}

function errorCode(error: unknown): string {
  const { Code, name } = error as { Code?: string; name?: string };
  return String(Code ?? name ?? 'Error').replace(/Exception$/, '');
}

function errorText(error: unknown): string {
  const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts;
  const message = error instanceof Error ? error.message : String(error);
  return `${errorCode(error)}: ${message}${attempts && attempts > 1 ? ` (after ${attempts} attempts)` : ''}`;
}
