import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** One request an EC2 instance's role could make, with the resource's account and request context. */
export interface IamRequest {
  readonly description: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context?: Readonly<Record<string, string>>;
  /** Key policy or bucket policy that also decides the request. */
  readonly resourcePolicy?: object;
}

/**
 * Decides a request made by `principal` with `identityPolicy`, using an independent IAM policy evaluator
 * (@cloud-copilot/iam-simulate): identity and resource policies, same- and cross-account rules, conditions.
 */
export async function decide(principal: string, identityPolicy: object, request: IamRequest): Promise<Decision> {
  const principalAccount = principal.split(':')[4];
  const response = await runSimulation(
    {
      identityPolicies: [{ name: 'role-policy', policy: identityPolicy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: request.resourceAccount },
        contextVariables: { 'aws:PrincipalAccount': principalAccount, ...request.context },
      },
    },
    {},
  );
  if (response.resultType === 'error') {
    throw new Error(`The evaluator rejected "${request.description}": ${JSON.stringify(response.errors)}`);
  }
  return response.overallResult as Decision;
}

/** A service principal assuming a role, decided by the role's trust policy alone. */
export async function decideAssumeRole(trustPolicy: object, servicePrincipal: string, roleArn: string): Promise<Decision> {
  const response = await runSimulation(
    {
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: trustPolicy,
      request: {
        principal: servicePrincipal,
        action: 'sts:AssumeRole',
        resource: { resource: roleArn, accountId: roleArn.split(':')[4] },
        contextVariables: {},
      },
    },
    {},
  );
  if (response.resultType === 'error') throw new Error(JSON.stringify(response.errors));
  return response.overallResult as Decision;
}

/** AWS's guide "Create a custom IAM role for Session Manager", as read on the date the fixture records. */
export interface GuidePolicies {
  readonly title: string;
  readonly url: string;
  readonly read_on: string;
  readonly policies: { readonly minimal: { Statement: object[] }; readonly logging: { Statement: object[] } };
}

/**
 * The guide's two policies as the page prints them (placeholders included): the minimal policy, with its optional
 * kms:Decrypt statement, and the logging policy. A fixture in the repository, so that the tests need nothing outside it.
 */
export function guidePolicies(): GuidePolicies['policies'] {
  const fixture: GuidePolicies = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'session-manager-guide-policies.json'), 'utf8'));
  return fixture.policies;
}
