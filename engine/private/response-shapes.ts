/**
 * The fields of the AWS responses the drift pre-check compares, by action, as the AWS SDK for JavaScript v3 returns
 * them. Every field is either compared or named as one that changes by itself (`RoleLastUsed`) or carries no state
 * (`$metadata`, pagination markers); a field named nowhere makes the response unreadable, so that a newer SDK or API
 * adding one sends the account to Terraform instead of being compared blindly or skipped.
 */
export type Shape = typeof COMPARED | typeof IGNORED | { readonly [field: string]: Shape } | readonly [Shape];

const COMPARED = 'compared';
const IGNORED = 'ignored';

const TAGS = [{ Key: COMPARED, Value: COMPARED }] as const;

const ROLE = {
  Path: COMPARED,
  RoleName: COMPARED,
  RoleId: COMPARED,
  Arn: COMPARED,
  CreateDate: COMPARED,
  AssumeRolePolicyDocument: COMPARED,
  Description: COMPARED,
  MaxSessionDuration: COMPARED,
  PermissionsBoundary: { PermissionsBoundaryType: COMPARED, PermissionsBoundaryArn: COMPARED },
  Tags: TAGS,
  SourceRoleTemplate: { TemplateArn: COMPARED, TemplateMinorVersion: COMPARED },
  // Changes whenever the role is used; Terraform ignores it.
  RoleLastUsed: IGNORED,
} as const;

const POLICY = {
  PolicyName: COMPARED,
  PolicyId: COMPARED,
  Arn: COMPARED,
  Path: COMPARED,
  DefaultVersionId: COMPARED,
  // Counts attachments elsewhere: a change there sends the account to Terraform, which reports no drift for it.
  AttachmentCount: COMPARED,
  PermissionsBoundaryUsageCount: COMPARED,
  IsAttachable: COMPARED,
  Description: COMPARED,
  CreateDate: COMPARED,
  UpdateDate: COMPARED,
  Tags: TAGS,
} as const;

const METADATA = { $metadata: IGNORED } as const;
const PAGING = { IsTruncated: IGNORED, Marker: IGNORED } as const;

/** The whole response of each action the pre-check makes, `$metadata` and pagination included. */
export const RESPONSE_SHAPES: Readonly<Record<string, Shape>> = {
  GetCallerIdentity: { ...METADATA, UserId: COMPARED, Account: COMPARED, Arn: COMPARED },
  GetRole: { ...METADATA, Role: ROLE },
  ListRolePolicies: { ...METADATA, ...PAGING, PolicyNames: [COMPARED] },
  GetRolePolicy: { ...METADATA, RoleName: COMPARED, PolicyName: COMPARED, PolicyDocument: COMPARED },
  ListAttachedRolePolicies: { ...METADATA, ...PAGING, AttachedPolicies: [{ PolicyName: COMPARED, PolicyArn: COMPARED }] },
  GetPolicy: { ...METADATA, Policy: POLICY },
  GetPolicyVersion: { ...METADATA, PolicyVersion: { Document: COMPARED, VersionId: COMPARED, IsDefaultVersion: COMPARED, CreateDate: COMPARED } },
  GetInstanceProfile: {
    ...METADATA,
    InstanceProfile: { Path: COMPARED, InstanceProfileName: COMPARED, InstanceProfileId: COMPARED, Arn: COMPARED, CreateDate: COMPARED, Roles: [ROLE], Tags: TAGS },
  },
};

/** A response field the shapes do not name. */
export class UnknownField extends Error {
  constructor(readonly path: string) {
    super(`the response has a field the pre-check does not know: ${path}`);
  }
}

/**
 * The compared part of a response as plain JSON: ignored fields and undefined values left out, dates as ISO
 * strings. Throws UnknownField for a field the shape does not name.
 */
export function comparedPart(value: unknown, shape: Shape, path: string): unknown {
  if (shape === COMPARED) {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'object' && value !== null) throw new UnknownField(`${path} (a structure where a value was expected)`);
    return value;
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) throw new UnknownField(`${path} (not a list)`);
    return value.map((item, index) => comparedPart(item, shape[0], `${path}[${index}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UnknownField(`${path} (not a structure)`);
  const fields = shape as { readonly [field: string]: Shape };
  const compared: Record<string, unknown> = {};
  for (const [field, item] of Object.entries(value)) {
    if (item === undefined) continue;
    const inner = fields[field];
    if (inner === undefined) throw new UnknownField(`${path}.${field}`);
    if (inner !== IGNORED) compared[field] = comparedPart(item, inner, `${path}.${field}`);
  }
  return compared;
}
