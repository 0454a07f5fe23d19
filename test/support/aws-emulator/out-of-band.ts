import { addPolicyVersion } from './iam-actions';
import { IamAccount } from './iam';

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

  setTrustPolicy(roleName: string, document: object): void {
    this.account.role(roleName).assumeRolePolicyDocument = JSON.stringify(document);
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
