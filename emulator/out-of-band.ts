import { addPolicyVersion } from './iam-actions';
import { IamAccount, Role, now, roleArn, uniqueId, validateMaxSessionDuration, validateName, validatePath, validatePolicyDocument } from './iam';
import { AwsError } from './query-protocol';
import { S3Bucket, storedObject } from './s3';

/**
 * Changes to one account made outside Terraform, the way a person clicking in the console would make them. Each
 * method fails like the console would when the target does not exist.
 */
export class OutOfBand {
  constructor(private readonly account: IamAccount) {}

  attachRolePolicy(roleName: string, policyArn: string): void {
    const role = this.account.role(roleName);
    if (!role.attachedPolicies.includes(policyArn)) role.attachedPolicies.push(policyArn);
  }

  /** Saves a new default version of a managed policy, as the console's policy editor does. */
  editPolicy(policyArn: string, document: object): void {
    addPolicyVersion(this.account.policy(policyArn), JSON.stringify(document), true);
  }

  tagRole(roleName: string, key: string, value: string): void {
    this.account.role(roleName).tags.set(key, value);
  }

  untagRole(roleName: string, key: string): void {
    this.account.role(roleName).tags.delete(key);
  }

  /** Deletes an instance profile together with its role membership, as the console does. */
  deleteInstanceProfile(name: string): void {
    this.account.instanceProfile(name);
    this.account.instanceProfiles.delete(name);
  }

  /** Adds or replaces an inline policy of a role, as the console's inline policy editor does. */
  putRolePolicy(roleName: string, policyName: string, document: object): void {
    const role = this.account.role(roleName);
    role.inlinePolicies.set(validateName('Policy', policyName, 128), validatePolicyDocument(JSON.stringify(document)));
  }

  deleteRolePolicy(roleName: string, policyName: string): void {
    if (!this.account.role(roleName).inlinePolicies.delete(policyName)) {
      throw new AwsError(404, 'NoSuchEntity', `The role policy with name ${policyName} cannot be found.`);
    }
  }

  setTrustPolicy(roleName: string, document: object): void {
    this.account.role(roleName).assumeRolePolicyDocument = JSON.stringify(document);
  }

  setRoleDescription(roleName: string, description: string): void {
    this.account.role(roleName).description = description;
  }

  setMaxSessionDuration(roleName: string, seconds: number): void {
    this.account.role(roleName).maxSessionDuration = validateMaxSessionDuration(seconds);
  }

  /** Sets (or, with undefined, removes) a role's permissions boundary. */
  setPermissionsBoundary(roleName: string, policyArn: string | undefined): void {
    this.account.role(roleName).permissionsBoundary = policyArn;
  }

  /**
   * A role's path cannot be changed: someone who wants another one deletes the role and creates it again under the
   * new path with the same name and settings. The new role has a new id, ARN and creation date; its policies are
   * attached again and its instance profiles still name it.
   */
  recreateRole(roleName: string, path: string): void {
    const old = this.account.role(roleName);
    const newPath = validatePath(path);
    const role: Role = {
      ...old,
      path: newPath,
      id: uniqueId('AROA'),
      arn: roleArn(this.account.id, newPath, roleName),
      createDate: now(),
      lastUsed: undefined,
    };
    this.account.roles.set(roleName, role);
  }

  /** Marks a role as used, as AWS does when a session of it makes a call: GetRole's RoleLastUsed changes. */
  useRole(roleName: string, region: string): void {
    this.account.role(roleName).lastUsed = { date: now(), region };
  }

  /** A managed policy someone created by hand, to attach out of band. */
  createPolicy(name: string, document: object): string {
    const arn = `arn:aws:iam::${this.account.id}:policy/${name}`;
    const created = new Date().toISOString();
    this.account.policies.set(arn, {
      name,
      path: '/',
      id: `ANPA${name.toUpperCase().slice(0, 17)}`,
      arn,
      createDate: created,
      updateDate: created,
      tags: new Map(),
      versions: [{ id: 'v1', document: JSON.stringify(document), createDate: created }],
      defaultVersionId: 'v1',
      nextVersion: 2,
    });
    return arn;
  }
}

/**
 * One bucket's objects, read and changed outside any client: what a test needs to look at the state Terraform
 * wrote, or to change it as another tool (or another Terraform run) would, e.g. plant a `.tflock` left behind by a
 * run that died. Needs no credentials and is not in the request log; reads of a missing key fail with NoSuchKey.
 */
export class BucketOutOfBand {
  constructor(private readonly bucket: S3Bucket) {}

  /** Keys under `prefix`, in S3's listing order. */
  listKeys(prefix = ''): string[] {
    return this.bucket.sortedKeys(prefix);
  }

  getObjectText(key: string): string {
    return this.bucket.object(key).body.toString('utf8');
  }

  getObjectJson(key: string): unknown {
    return JSON.parse(this.getObjectText(key));
  }

  /** Stores an object (a value that is not a string as JSON, with its content type) and returns its ETag. */
  putObject(key: string, body: unknown, contentType?: string): string {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const object = storedObject(Buffer.from(text), { contentType: contentType ?? (typeof body === 'string' ? 'text/plain' : 'application/json') });
    this.bucket.objects.set(key, object);
    return object.etag;
  }

  deleteObject(key: string): void {
    this.bucket.objects.delete(key);
  }
}
