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

/**
 * The policies of AWS's guide ("Create a custom IAM role for Session Manager", shared/seeds/002), as printed there:
 * the minimal policy (with its optional kms:Decrypt statement) and the logging policy.
 */
export function guidePolicies(): { minimal: { Statement: object[] }; logging: { Statement: object[] } } {
  const seedsDir = process.env.SEEDS_DIR ?? join(__dirname, '..', '..', '..', 'shared', 'seeds');
  const page = readFileSync(join(seedsDir, '002_15049db1a95bd4d5.txt'), 'utf8');
  const policies = page
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('{ "Version"'))
    .map((line) => JSON.parse(line));
  if (policies.length !== 2) throw new Error(`Expected the guide's two policies in ${seedsDir}, found ${policies.length}`);
  return { minimal: policies[0], logging: policies[1] };
}
