import {
  IamAccount,
  MAX_POLICY_VERSIONS,
  ManagedPolicy,
  Role,
  Tagged,
  instanceProfileXml,
  now,
  policyVersionXml,
  policyXml,
  roleXml,
  tagsXml,
  roleArn,
  uniqueId,
  validateMaxSessionDuration,
  validateName,
  validatePath,
  validatePolicyDocument,
} from './iam';
import { AwsError, XmlValue } from './query-protocol';

export interface ActionContext {
  readonly account: IamAccount;
  readonly params: Readonly<Record<string, string>>;
  /** Largest page a list action returns, so that tests exercise Marker. */
  readonly pageSize: number;
  /** Present for static (IAM user) credentials, absent for assumed-role sessions. */
  readonly userName?: string;
}

type IamAction = (context: ActionContext) => XmlValue;

/** `Prefix.member.N` values, in N order. */
function memberValues(params: Readonly<Record<string, string>>, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix}\\.member\\.(\\d+)$`);
  return Object.entries(params)
    .map(([key, value]) => [pattern.exec(key)?.[1], value] as const)
    .filter((entry): entry is readonly [string, string] => entry[0] !== undefined)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, value]) => value);
}

function tagParams(params: Readonly<Record<string, string>>): Map<string, string> {
  const tags = new Map<string, string>();
  for (let n = 1; params[`Tags.member.${n}.Key`] !== undefined; n += 1) {
    tags.set(params[`Tags.member.${n}.Key`], params[`Tags.member.${n}.Value`] ?? '');
  }
  if (tags.size > 50) throw new AwsError(400, 'LimitExceeded', 'Cannot exceed quota for TagsPerRole: 50');
  return tags;
}

function required(params: Readonly<Record<string, string>>, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') {
    throw new AwsError(400, 'ValidationError', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

/** A page of `items` from the Marker on, at most MaxItems or the emulator's page size. */
function page<T>(context: ActionContext, items: readonly T[], listName: string, toXml: (item: T) => XmlValue): XmlValue {
  const start = context.params.Marker ? Number(Buffer.from(context.params.Marker, 'base64').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new AwsError(400, 'ValidationError', 'Invalid Marker.');
  const limit = Math.min(Number(context.params.MaxItems ?? 100), context.pageSize);
  const end = Math.min(start + limit, items.length);
  const truncated = end < items.length;
  return {
    [listName]: items.slice(start, end).map(toXml),
    IsTruncated: truncated,
    Marker: truncated ? Buffer.from(String(end)).toString('base64') : undefined,
  };
}

function untag(target: Tagged, params: Readonly<Record<string, string>>): XmlValue {
  for (const key of memberValues(params, 'TagKeys')) target.tags.delete(key);
  return undefined;
}

function tag(target: Tagged, params: Readonly<Record<string, string>>): XmlValue {
  for (const [key, value] of tagParams(params)) target.tags.set(key, value);
  return undefined;
}

function createRole({ account, params }: ActionContext): XmlValue {
  const name = validateName('Role', params.RoleName, 64);
  if (account.roles.has(name)) throw new AwsError(409, 'EntityAlreadyExists', `Role with name ${name} already exists.`);
  const path = validatePath(params.Path);
  const maxSessionDuration = validateMaxSessionDuration(Number(params.MaxSessionDuration ?? 3600));
  const role: Role = {
    name,
    path,
    id: uniqueId('AROA'),
    arn: roleArn(account.id, path, name),
    createDate: now(),
    assumeRolePolicyDocument: validatePolicyDocument(params.AssumeRolePolicyDocument, true),
    description: params.Description,
    maxSessionDuration,
    permissionsBoundary: params.PermissionsBoundary,
    tags: tagParams(params),
    attachedPolicies: [],
    inlinePolicies: new Map(),
  };
  account.roles.set(name, role);
  return { Role: roleXml(role) };
}

function deleteRole({ account, params }: ActionContext): XmlValue {
  const role = account.role(required(params, 'RoleName'));
  if (role.attachedPolicies.length > 0) {
    throw new AwsError(409, 'DeleteConflict', 'Cannot delete entity, must detach all policies first.');
  }
  if (role.inlinePolicies.size > 0) throw new AwsError(409, 'DeleteConflict', 'Cannot delete entity, must delete policies first.');
  if ([...account.instanceProfiles.values()].some((profile) => profile.roles.includes(role.name))) {
    throw new AwsError(409, 'DeleteConflict', 'Cannot delete entity, must remove roles from instance profile first.');
  }
  account.roles.delete(role.name);
  return undefined;
}

function createPolicy({ account, params }: ActionContext): XmlValue {
  const name = validateName('Policy', params.PolicyName, 128);
  const path = validatePath(params.Path);
  const arn = `arn:aws:iam::${account.id}:policy${path}${name}`;
  if ([...account.policies.values()].some((policy) => policy.name === name)) {
    throw new AwsError(409, 'EntityAlreadyExists', `A policy called ${name} already exists. Duplicate names are not allowed.`);
  }
  const created = now();
  const policy: ManagedPolicy = {
    name,
    path,
    id: uniqueId('ANPA'),
    arn,
    createDate: created,
    updateDate: created,
    description: params.Description,
    tags: tagParams(params),
    versions: [{ id: 'v1', document: validatePolicyDocument(params.PolicyDocument), createDate: created }],
    defaultVersionId: 'v1',
    nextVersion: 2,
  };
  account.policies.set(arn, policy);
  return { Policy: policyXml(account, policy) };
}

/** Adds a policy version as IAM does, refusing a sixth one. Shared by CreatePolicyVersion and out-of-band edits. */
export function addPolicyVersion(policy: ManagedPolicy, document: string, setAsDefault: boolean): string {
  if (policy.versions.length >= MAX_POLICY_VERSIONS) {
    throw new AwsError(409, 'LimitExceeded', `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`);
  }
  const id = `v${policy.nextVersion}`;
  policy.nextVersion += 1;
  policy.versions.push({ id, document: validatePolicyDocument(document), createDate: now() });
  if (setAsDefault) policy.defaultVersionId = id;
  policy.updateDate = now();
  return id;
}

function version(policy: ManagedPolicy, id: string) {
  const found = policy.versions.find((candidate) => candidate.id === id);
  if (!found) throw new AwsError(404, 'NoSuchEntity', `Policy ${policy.arn} version ${id} does not exist or is not attachable.`);
  return found;
}

function deletePolicy({ account, params }: ActionContext): XmlValue {
  const policy = account.policy(required(params, 'PolicyArn'));
  if (account.attachmentCount(policy.arn) > 0) throw new AwsError(409, 'DeleteConflict', 'Cannot delete a policy attached to entities.');
  if (policy.versions.length > 1) throw new AwsError(409, 'DeleteConflict', 'Cannot delete a policy with non-default versions; delete them first.');
  account.policies.delete(policy.arn);
  return undefined;
}

function attachRolePolicy({ account, params }: ActionContext): XmlValue {
  const role = account.role(required(params, 'RoleName'));
  const policy = account.policy(required(params, 'PolicyArn'));
  if (!role.attachedPolicies.includes(policy.arn)) {
    if (role.attachedPolicies.length >= 10) throw new AwsError(409, 'LimitExceeded', 'Cannot exceed quota for PoliciesPerRole: 10');
    role.attachedPolicies.push(policy.arn);
  }
  return undefined;
}

function detachRolePolicy({ account, params }: ActionContext): XmlValue {
  const role = account.role(required(params, 'RoleName'));
  const arn = required(params, 'PolicyArn');
  const index = role.attachedPolicies.indexOf(arn);
  if (index < 0) throw new AwsError(404, 'NoSuchEntity', `Policy ${arn} was not found.`);
  role.attachedPolicies.splice(index, 1);
  return undefined;
}

function addRoleToInstanceProfile({ account, params }: ActionContext): XmlValue {
  const profile = account.instanceProfile(required(params, 'InstanceProfileName'));
  const role = account.role(required(params, 'RoleName'));
  if (profile.roles.length > 0) throw new AwsError(409, 'LimitExceeded', 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1');
  profile.roles.push(role.name);
  return undefined;
}

function removeRoleFromInstanceProfile({ account, params }: ActionContext): XmlValue {
  const profile = account.instanceProfile(required(params, 'InstanceProfileName'));
  const name = required(params, 'RoleName');
  if (!profile.roles.includes(name)) throw new AwsError(404, 'NoSuchEntity', `The role with name ${name} cannot be found.`);
  profile.roles.splice(profile.roles.indexOf(name), 1);
  return undefined;
}

export const IAM_ACTIONS: Record<string, IamAction> = {
  GetUser: ({ account, userName }) => {
    if (!userName) throw new AwsError(400, 'ValidationError', 'Must specify userName when calling with non-User credentials');
    return { User: { Path: '/', UserName: userName, UserId: `AIDA${account.id}`, Arn: `arn:aws:iam::${account.id}:user/${userName}`, CreateDate: now() } };
  },
  ListRoles: (context) => page(context, [...context.account.roles.values()], 'Roles', (role) => roleXml(role)),

  CreateRole: createRole,
  GetRole: ({ account, params }) => ({ Role: roleXml(account.role(required(params, 'RoleName')), { lastUsed: true }) }),
  DeleteRole: deleteRole,
  UpdateRole: ({ account, params }) => {
    const role = account.role(required(params, 'RoleName'));
    if (params.Description !== undefined) role.description = params.Description;
    if (params.MaxSessionDuration !== undefined) role.maxSessionDuration = validateMaxSessionDuration(Number(params.MaxSessionDuration));
    return {};
  },
  UpdateRoleDescription: ({ account, params }) => {
    const role = account.role(required(params, 'RoleName'));
    role.description = params.Description;
    return { Role: roleXml(role) };
  },
  UpdateAssumeRolePolicy: ({ account, params }) => {
    account.role(required(params, 'RoleName')).assumeRolePolicyDocument = validatePolicyDocument(params.PolicyDocument, true);
    return undefined;
  },
  PutRolePermissionsBoundary: ({ account, params }) => {
    account.role(required(params, 'RoleName')).permissionsBoundary = required(params, 'PermissionsBoundary');
    return undefined;
  },
  DeleteRolePermissionsBoundary: ({ account, params }) => {
    account.role(required(params, 'RoleName')).permissionsBoundary = undefined;
    return undefined;
  },
  TagRole: ({ account, params }) => tag(account.role(required(params, 'RoleName')), params),
  UntagRole: ({ account, params }) => untag(account.role(required(params, 'RoleName')), params),
  ListRoleTags: (context) => page(context, [...tagsFor(context.account.role(required(context.params, 'RoleName')))], 'Tags', (t) => t),

  ListRolePolicies: (context) => page(context, [...context.account.role(required(context.params, 'RoleName')).inlinePolicies.keys()], 'PolicyNames', (name) => name),
  GetRolePolicy: ({ account, params }) => {
    const role = account.role(required(params, 'RoleName'));
    const document = role.inlinePolicies.get(required(params, 'PolicyName'));
    if (document === undefined) throw new AwsError(404, 'NoSuchEntity', `The role policy with name ${params.PolicyName} cannot be found.`);
    return { RoleName: role.name, PolicyName: params.PolicyName, PolicyDocument: encodeURIComponent(document) };
  },
  PutRolePolicy: ({ account, params }) => {
    const role = account.role(required(params, 'RoleName'));
    role.inlinePolicies.set(validateName('Policy', params.PolicyName, 128), validatePolicyDocument(params.PolicyDocument));
    return undefined;
  },
  DeleteRolePolicy: ({ account, params }) => {
    const role = account.role(required(params, 'RoleName'));
    if (!role.inlinePolicies.delete(required(params, 'PolicyName'))) {
      throw new AwsError(404, 'NoSuchEntity', `The role policy with name ${params.PolicyName} cannot be found.`);
    }
    return undefined;
  },
  ListAttachedRolePolicies: (context) =>
    page(context, context.account.role(required(context.params, 'RoleName')).attachedPolicies, 'AttachedPolicies', (arn) => ({
      PolicyName: context.account.policies.get(arn)?.name ?? arn.split('/').pop(),
      PolicyArn: arn,
    })),
  AttachRolePolicy: attachRolePolicy,
  DetachRolePolicy: detachRolePolicy,
  ListInstanceProfilesForRole: (context) => {
    const role = context.account.role(required(context.params, 'RoleName'));
    const profiles = [...context.account.instanceProfiles.values()].filter((profile) => profile.roles.includes(role.name));
    return page(context, profiles, 'InstanceProfiles', (profile) => instanceProfileXml(context.account, profile));
  },

  CreatePolicy: createPolicy,
  GetPolicy: ({ account, params }) => ({ Policy: policyXml(account, account.policy(required(params, 'PolicyArn'))) }),
  DeletePolicy: deletePolicy,
  GetPolicyVersion: ({ account, params }) => {
    const policy = account.policy(required(params, 'PolicyArn'));
    return { PolicyVersion: policyVersionXml(policy, version(policy, required(params, 'VersionId'))) };
  },
  ListPolicyVersions: (context) => {
    const policy = context.account.policy(required(context.params, 'PolicyArn'));
    return page(context, [...policy.versions].reverse(), 'Versions', (v) => policyVersionXml(policy, v));
  },
  CreatePolicyVersion: ({ account, params }) => {
    const policy = account.policy(required(params, 'PolicyArn'));
    const id = addPolicyVersion(policy, params.PolicyDocument, params.SetAsDefault === 'true');
    return { PolicyVersion: policyVersionXml(policy, version(policy, id)) };
  },
  DeletePolicyVersion: ({ account, params }) => {
    const policy = account.policy(required(params, 'PolicyArn'));
    const id = required(params, 'VersionId');
    version(policy, id);
    if (id === policy.defaultVersionId) throw new AwsError(409, 'DeleteConflict', 'Cannot delete the default version of a policy.');
    policy.versions = policy.versions.filter((candidate) => candidate.id !== id);
    return undefined;
  },
  SetDefaultPolicyVersion: ({ account, params }) => {
    const policy = account.policy(required(params, 'PolicyArn'));
    policy.defaultVersionId = version(policy, required(params, 'VersionId')).id;
    return undefined;
  },
  TagPolicy: ({ account, params }) => tag(account.policy(required(params, 'PolicyArn')), params),
  UntagPolicy: ({ account, params }) => untag(account.policy(required(params, 'PolicyArn')), params),
  ListPolicyTags: (context) => page(context, [...tagsFor(context.account.policy(required(context.params, 'PolicyArn')))], 'Tags', (t) => t),
  ListEntitiesForPolicy: (context) => {
    const arn = context.account.policy(required(context.params, 'PolicyArn')).arn;
    const roles = [...context.account.roles.values()].filter((role) => role.attachedPolicies.includes(arn));
    return { ...(page(context, roles, 'PolicyRoles', (role) => ({ RoleName: role.name, RoleId: role.id })) as object), PolicyGroups: [], PolicyUsers: [] };
  },

  CreateInstanceProfile: ({ account, params }) => {
    const name = validateName('InstanceProfile', params.InstanceProfileName, 128);
    if (account.instanceProfiles.has(name)) throw new AwsError(409, 'EntityAlreadyExists', `Instance Profile ${name} already exists.`);
    const path = validatePath(params.Path);
    const profile = {
      name,
      path,
      id: uniqueId('AIPA'),
      arn: `arn:aws:iam::${account.id}:instance-profile${path}${name}`,
      createDate: now(),
      roles: [],
      tags: tagParams(params),
    };
    account.instanceProfiles.set(name, profile);
    return { InstanceProfile: instanceProfileXml(account, profile) };
  },
  GetInstanceProfile: ({ account, params }) => ({
    InstanceProfile: instanceProfileXml(account, account.instanceProfile(required(params, 'InstanceProfileName'))),
  }),
  DeleteInstanceProfile: ({ account, params }) => {
    const profile = account.instanceProfile(required(params, 'InstanceProfileName'));
    if (profile.roles.length > 0) throw new AwsError(409, 'DeleteConflict', 'Cannot delete entity, must remove roles from instance profile first.');
    account.instanceProfiles.delete(profile.name);
    return undefined;
  },
  AddRoleToInstanceProfile: addRoleToInstanceProfile,
  RemoveRoleFromInstanceProfile: removeRoleFromInstanceProfile,
  TagInstanceProfile: ({ account, params }) => tag(account.instanceProfile(required(params, 'InstanceProfileName')), params),
  UntagInstanceProfile: ({ account, params }) => untag(account.instanceProfile(required(params, 'InstanceProfileName')), params),
  ListInstanceProfileTags: (context) =>
    page(context, [...tagsFor(context.account.instanceProfile(required(context.params, 'InstanceProfileName')))], 'Tags', (t) => t),
};

function tagsFor(target: Tagged): XmlValue[] {
  return tagsXml(target.tags) as XmlValue[];
}
