/**
 * Plan normalisation and fingerprints on plans made by the real Terraform CLI, with its built-in `terraform_data`
 * resource (no provider to install): secrets never reach the result, unknown values are marked, moves and changes
 * are counted, and the fingerprint depends on what the apply would do and on nothing else.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, generalise, matrixFingerprint, planFingerprint, planShape } from '../engine/fingerprint';
import { NormalisedPlan, PlanJson, normalisePlan } from '../engine/plan-normalise';
import { SENSITIVE, UNKNOWN } from '../engine/result';
import { terraformOk } from './support/terraform';

const SECRET = 'hunter2-do-not-print';
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'smr-normalise-'));
  await terraformOk(dir, ['init', '-input=false', '-no-color']);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(configuration: object): void {
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(configuration));
}

const secretVariable = { secret: { type: 'string', sensitive: true } };
/** The second test's plan (a rotated secret and a move), reused by the fingerprint test. */
let rotatedPlan: PlanJson;

async function plan(vars: string[] = []): Promise<{ raw: PlanJson; plan: NormalisedPlan }> {
  await terraformOk(dir, ['plan', '-input=false', '-no-color', '-out=tfplan', ...vars]);
  const raw = JSON.parse(await terraformOk(dir, ['show', '-json', 'tfplan'])) as PlanJson;
  return { raw, plan: normalisePlan(raw) };
}

test('a first plan: creates counted, the secret redacted, ids unknown', async () => {
  write({
    variable: secretVariable,
    resource: { terraform_data: { with_secret: { input: '${var.secret}' }, plain: { input: 'visible' } } },
    output: { secret: { value: '${var.secret}', sensitive: true }, plain: { value: '${terraform_data.plain.output}' } },
  });
  const { raw, plan: first } = await plan([`-var=secret=${SECRET}`]);
  expect(JSON.stringify(raw)).toContain(SECRET);
  expect(JSON.stringify(first)).not.toContain(SECRET);
  expect(first.counts).toEqual({ add: 2, change: 0, destroy: 0, replace: 0, import: 0, move: 0 });
  const withSecret = first.changes.find((change) => change.address === 'terraform_data.with_secret')!;
  expect(withSecret.attributes).toEqual(
    expect.arrayContaining([
      { name: 'input', after: SENSITIVE },
      { name: 'id', after: UNKNOWN },
    ]),
  );
  expect(first.outputs).toEqual([
    { name: 'plain', action: 'create', after: UNKNOWN },
    { name: 'secret', action: 'create', after: SENSITIVE },
  ]);
  await terraformOk(dir, ['apply', '-input=false', '-no-color', 'tfplan']);
});

test('a changed secret is a change, shown without its value even where Terraform drops the mark; moves are counted', async () => {
  write({
    variable: secretVariable,
    resource: {
      terraform_data: { with_secret: { input: '${var.secret}' }, renamed: { input: 'visible' } },
    },
    moved: [{ from: 'terraform_data.plain', to: 'terraform_data.renamed' }],
    output: { secret: { value: '${var.secret}', sensitive: true } },
  });
  const { raw, plan: second } = await plan([`-var=secret=${SECRET}-rotated`]);
  rotatedPlan = raw;
  expect(JSON.stringify(second)).not.toContain(SECRET);
  // The prior state holds the old secret in `output` too, and Terraform does not mark it there: it is scrubbed anyway.
  expect(second.counts).toMatchObject({ add: 0, change: 1, move: 1 });
  expect(second.changes.find((change) => change.address === 'terraform_data.renamed')).toMatchObject({ action: 'no-op', moved_from: 'terraform_data.plain' });
  const rotated = second.changes.find((change) => change.address === 'terraform_data.with_secret')!;
  expect(rotated.action).toBe('update');
  expect(rotated.attributes).toEqual(expect.arrayContaining([{ name: 'input', before: SENSITIVE, after: SENSITIVE }, { name: 'output', before: SENSITIVE, after: UNKNOWN }]));
});

test('the fingerprint ignores order, timestamps and run-specific fields, and follows every change', () => {
  const raw = rotatedPlan;
  const reordered: PlanJson = {
    ...raw,
    resource_changes: [...(raw.resource_changes ?? [])].reverse(),
    timestamp: '2000-01-01T00:00:00Z',
    variables: { secret: { value: 'other' } },
  } as PlanJson;
  const fingerprint = planFingerprint(normalisePlan(raw));
  expect(planFingerprint(normalisePlan(reordered))).toBe(fingerprint);

  const touched = JSON.parse(JSON.stringify(raw)) as { resource_changes: { change: { actions: string[]; after: { input?: unknown } } }[] };
  const renamed = touched.resource_changes.find((change) => change.change.after?.input === 'visible')!;
  renamed.change.after.input = 'visible, but different';
  renamed.change.actions = ['update'];
  expect(planFingerprint(normalisePlan(touched as unknown as PlanJson))).not.toBe(fingerprint);
});

test('plans that differ only in the account are the same shape, and the matrix fingerprint covers every account', () => {
  const planFor = (id: string, name: string): NormalisedPlan => ({
    changes: [{ address: 'aws_iam_role.this', type: 'aws_iam_role', action: 'create', cause: 'configuration', attributes: [{ name: 'arn', after: `arn:aws:iam::${id}:role/ssm-${name}` }] }],
    drift: [],
    outputs: [],
    counts: { add: 1, change: 0, destroy: 0, replace: 0, import: 0, move: 0 },
  });
  const a = { id: '111111111111', name: 'dev', region: 'eu-west-1' };
  const b = { id: '222222222222', name: 'prod', region: 'eu-west-1' };
  expect(planFingerprint(planFor(a.id, a.name))).not.toBe(planFingerprint(planFor(b.id, b.name)));
  expect(planShape(planFor(a.id, a.name), a)).toBe(planShape(planFor(b.id, b.name), b));
  // Names are replaced as whole words only.
  expect(generalise('ssm-dev device', a)).toBe('ssm-{name} device');
  expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');

  const one = matrixFingerprint([{ id: a.id, fingerprint: 'x' }, { id: b.id, fingerprint: 'y' }]);
  expect(matrixFingerprint([{ id: b.id, fingerprint: 'y' }, { id: a.id, fingerprint: 'x' }])).toBe(one);
  expect(matrixFingerprint([{ id: a.id, fingerprint: 'x' }, { id: b.id, fingerprint: 'z' }])).not.toBe(one);
});

test('the provider\'s refresh noise right after a first apply is not drift', () => {
  // Recorded from Terraform 1.11.4 and hashicorp/aws 5.100.0: tags null -> {} on the role, the policy and the profile,
  // the policy's attachment_count 0 -> 1 and the role's managed_policy_arns [] -> [the policy], with no change made.
  const recorded = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'plans', 'refresh-noise-after-apply.json'), 'utf8')) as PlanJson;
  expect(recorded.resource_drift?.map((entry) => entry.address).sort()).toEqual([
    'module.session_manager_role.aws_iam_instance_profile.this[0]',
    'module.session_manager_role.aws_iam_policy.this',
    'module.session_manager_role.aws_iam_role.this',
  ]);
  expect(normalisePlan(recorded)).toMatchObject({ drift: [], changes: [] });
});
