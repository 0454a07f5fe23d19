import { createHash, randomBytes } from 'node:crypto';
import { AwsError, XmlValue } from './query-protocol';

export interface Tagged {
  readonly tags: Map<string, string>;
}

export interface Role extends Tagged {
  readonly name: string;
  readonly path: string;
  readonly id: string;
  readonly arn: string;
  readonly createDate: string;
  assumeRolePolicyDocument: string;
  description?: string;
  maxSessionDuration: number;
  permissionsBoundary?: string;
  /** When and where the role was last used (sessions that used it), as GetRole reports it. */
  lastUsed?: { readonly date: string; readonly region: string };
  readonly attachedPolicies: string[];
  readonly inlinePolicies: Map<string, string>;
}

export interface PolicyVersion {
  readonly id: string;
  readonly document: string;
  readonly createDate: string;
}

export interface ManagedPolicy extends Tagged {
  readonly name: string;
  readonly path: string;
  readonly id: string;
  readonly arn: string;
  readonly createDate: string;
  readonly description?: string;
  updateDate: string;
  versions: PolicyVersion[];
  defaultVersionId: string;
  nextVersion: number;
}

export interface InstanceProfile extends Tagged {
  readonly name: string;
  readonly path: string;
  readonly id: string;
  readonly arn: string;
  readonly createDate: string;
  readonly roles: string[];
}

/** One account's IAM namespace. */
export class IamAccount {
  readonly roles = new Map<string, Role>();
  readonly policies = new Map<string, ManagedPolicy>();
  readonly instanceProfiles = new Map<string, InstanceProfile>();

  constructor(readonly id: string) {}

  role(name: string): Role {
    const role = this.roles.get(name);
    if (!role) throw new AwsError(404, 'NoSuchEntity', `The role with name ${name} cannot be found.`);
    return role;
  }

  policy(arn: string): ManagedPolicy {
    const policy = this.policies.get(arn);
    if (!policy) throw new AwsError(404, 'NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
    return policy;
  }

  instanceProfile(name: string): InstanceProfile {
    const profile = this.instanceProfiles.get(name);
    if (!profile) throw new AwsError(404, 'NoSuchEntity', `Instance Profile ${name} cannot be found.`);
    return profile;
  }

  attachmentCount(policyArn: string): number {
    return [...this.roles.values()].filter((role) => role.attachedPolicies.includes(policyArn)).length;
  }
}

export const MAX_POLICY_VERSIONS = 5;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** A unique id shaped like AWS's: a four-letter prefix (AROA, ANPA, AIPA, ...) and 17 base-32 characters. */
export function uniqueId(prefix: string): string {
  return prefix + Array.from(randomBytes(17), (byte) => ID_ALPHABET[byte % 32]).join('');
}

/**
 * The RoleId of a role that callers may assume (declared, with no IAM object of its own): the same for every session
 * of that role, as AWS's is, and derived from the account and name alone.
 */
export function assumableRoleId(accountId: string, roleName: string): string {
  const digest = createHash('sha256').update(`${accountId}/${roleName}`).digest();
  return `AROA${Array.from(digest.subarray(0, 17), (byte) => ID_ALPHABET[byte % 32]).join('')}`;
}

export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const NAME = /^[\w+=,.@-]+$/;
const PATH = /^(\/|\/[\x21-\x7E]+\/)$/;

export function validateName(kind: string, name: string | undefined, max: number): string {
  if (!name) throw new AwsError(400, 'ValidationError', `1 validation error detected: Value null at '${kind}Name' failed to satisfy constraint: Member must not be null`);
  if (name.length > max || !NAME.test(name)) {
    throw new AwsError(400, 'ValidationError', `1 validation error detected: Value '${name}' at '${kind}Name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length less than or equal to ${max}`);
  }
  return name;
}

/** A role's MaxSessionDuration, refused as IAM refuses it outside one to twelve hours. */
export function validateMaxSessionDuration(seconds: number): number {
  if (!(seconds >= 3600 && seconds <= 43200)) throw new AwsError(400, 'ValidationError', 'The requested MaxSessionDuration must be between 3600 and 43200 seconds.');
  return seconds;
}

/** The ARN of a role with this (validated) path. */
export function roleArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:role${path}${name}`;
}

export function validatePath(path: string | undefined): string {
  const value = path ?? '/';
  if (value.length > 512 || !PATH.test(value)) {
    throw new AwsError(400, 'ValidationError', `The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.`);
  }
  return value;
}

/** Checks that a policy document is JSON shaped like an IAM policy, as IAM's MalformedPolicyDocument does. */
export function validatePolicyDocument(document: string | undefined, trust = false): string {
  const fail = (reason: string) => {
    throw new AwsError(400, 'MalformedPolicyDocument', reason);
  };
  if (!document) return fail('Syntax errors in policy.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return fail('Syntax errors in policy.');
  }
  const statements = (parsed as { Statement?: unknown }).Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  if (typeof parsed !== 'object' || parsed === null || list.length === 0) fail('Policy document should contain at least one Statement.');
  for (const statement of list as Record<string, unknown>[]) {
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') fail('Invalid effect.');
    if (!statement.Action && !statement.NotAction) fail('Policy statement must contain actions.');
    if (trust) {
      if (!statement.Principal) fail('Trust policy statements must contain a principal.');
    } else {
      if (statement.Principal) fail('Policy document should not specify a principal.');
      if (!statement.Resource && !statement.NotResource) fail('Policy statement must contain resources.');
    }
  }
  return document;
}

export function tagsXml(tags: Map<string, string>): XmlValue {
  return [...tags].map(([Key, Value]) => ({ Key, Value }));
}

/** A role as IAM describes it; only GetRole tells when it was last used (ListRoles, CreateRole and instance profiles do not). */
export function roleXml(role: Role, options: { readonly lastUsed?: boolean } = {}): XmlValue {
  return {
    Path: role.path,
    RoleName: role.name,
    RoleId: role.id,
    Arn: role.arn,
    CreateDate: role.createDate,
    AssumeRolePolicyDocument: encodeURIComponent(role.assumeRolePolicyDocument),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
    PermissionsBoundary: role.permissionsBoundary
      ? { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: role.permissionsBoundary }
      : undefined,
    Tags: role.tags.size ? tagsXml(role.tags) : undefined,
    RoleLastUsed: options.lastUsed ? (role.lastUsed ? { LastUsedDate: role.lastUsed.date, Region: role.lastUsed.region } : {}) : undefined,
  };
}

export function policyXml(account: IamAccount, policy: ManagedPolicy): XmlValue {
  return {
    PolicyName: policy.name,
    PolicyId: policy.id,
    Arn: policy.arn,
    Path: policy.path,
    DefaultVersionId: policy.defaultVersionId,
    AttachmentCount: account.attachmentCount(policy.arn),
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: policy.description,
    CreateDate: policy.createDate,
    UpdateDate: policy.updateDate,
    Tags: policy.tags.size ? tagsXml(policy.tags) : undefined,
  };
}

export function policyVersionXml(policy: ManagedPolicy, version: PolicyVersion): XmlValue {
  return {
    Document: encodeURIComponent(version.document),
    VersionId: version.id,
    IsDefaultVersion: version.id === policy.defaultVersionId,
    CreateDate: version.createDate,
  };
}

export function instanceProfileXml(account: IamAccount, profile: InstanceProfile): XmlValue {
  return {
    Path: profile.path,
    InstanceProfileName: profile.name,
    InstanceProfileId: profile.id,
    Arn: profile.arn,
    CreateDate: profile.createDate,
    Roles: profile.roles.filter((name) => account.roles.has(name)).map((name) => roleXml(account.role(name))),
    Tags: profile.tags.size ? tagsXml(profile.tags) : undefined,
  };
}
