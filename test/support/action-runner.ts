import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import examples from '@octokit/webhooks-examples';
import { RepositoryHandle } from './github-server';

const BUNDLE = join(__dirname, '..', '..', 'action', 'dist', 'index.js');

/** A webhook payload as a test edits it, field by field, deep inside GitHub's own shapes. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type EditablePayload = Record<string, any>;

/** A real webhook payload of GitHub's (from @octokit/webhooks-examples), with the fields a test sets. */
export function eventPayload(name: string, action: string | undefined, change: (payload: EditablePayload) => void): Record<string, unknown> {
  const example = examples.find((entry) => entry.name === name)?.examples.find((candidate) => action === undefined || (candidate as { action?: string }).action === action);
  if (!example) throw new Error(`no ${name}${action ? `.${action}` : ''} example payload`);
  const payload = structuredClone(example) as EditablePayload;
  change(payload);
  return payload;
}

export interface RunnerContext {
  /** The checkout: GITHUB_WORKSPACE and the step's working directory. */
  readonly workspace: string;
  readonly apiUrl: string;
  readonly repository: string;
  /** Environment shared by every step (credentials, PATH, the provider mirror). */
  readonly env: NodeJS.ProcessEnv;
  /** The bundle the runner starts. @default this repository's action/dist/index.js */
  readonly bundle?: string;
}

export interface StepRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

let steps = 0;

/**
 * Starts the bundled action as the runner does: `node action/dist/index.js` with the inputs as `INPUT_*` variables,
 * the event as a payload file, and files for GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, which it reads back.
 */
export async function runActionStep(
  runner: RunnerContext,
  inputs: Record<string, string>,
  event: { readonly name: string; readonly payload: object; readonly sha: string; readonly ref: string },
  env: NodeJS.ProcessEnv = {},
  /** Sees the step's process once started, e.g. to cancel it as the runner does. */
  control?: (step: ChildProcess) => void,
): Promise<StepRun> {
  steps += 1;
  const files = mkdtempSync(join(runner.workspace, '..', `step-${steps}-`));
  const eventPath = join(files, 'event.json');
  const outputPath = join(files, 'output');
  const summaryPath = join(files, 'summary.md');
  const runnerTemp = join(runner.workspace, '..', 'runner-temp');
  mkdirSync(runnerTemp, { recursive: true });
  writeFileSync(eventPath, JSON.stringify(event.payload));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  const inputVariables = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value]));
  const child = spawn(process.execPath, [runner.bundle ?? BUNDLE], {
    cwd: runner.workspace,
    env: {
      ...runner.env,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_EVENT_NAME: event.name,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_SHA: event.sha,
      GITHUB_REF: event.ref,
      GITHUB_REPOSITORY: runner.repository,
      GITHUB_REPOSITORY_OWNER: runner.repository.split('/')[0],
      GITHUB_RUN_ID: String(4200 + steps),
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_RUN_NUMBER: String(steps),
      GITHUB_SERVER_URL: 'https://github.test',
      GITHUB_API_URL: runner.apiUrl,
      GITHUB_GRAPHQL_URL: `${runner.apiUrl}/graphql`,
      GITHUB_WORKSPACE: runner.workspace,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_ACTOR: 'octocat',
      GITHUB_JOB: 'session-manager-role',
      GITHUB_WORKFLOW: 'session-manager-role',
      RUNNER_TEMP: runnerTemp,
      RUNNER_OS: 'Linux',
      ...inputVariables,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  control?.(child);
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, outputs: parseOutputs(readFileSync(outputPath, 'utf8')), summary: readFileSync(summaryPath, 'utf8') };
}

/** GITHUB_OUTPUT's `name<<delimiter` ... `delimiter` blocks, as @actions/core writes them. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1]] = match[3];
  return outputs;
}

/** The plan workflow's file name, as the example workflows are copied (with a `session-manager-role-` prefix). */
export const PLAN_WORKFLOW = 'session-manager-role-plan.yml';

/**
 * A run of the plan workflow for a push to a pull request, as examples/workflows/plan.yml has it: the action's step,
 * run as GitHub numbers the run, then actions/upload-artifact uploading the review record the step wrote, under the
 * name the step gave. A step that fails makes the run fail. `start` starts the step (runActionStep by default).
 */
export async function planWorkflowRun(
  runner: RunnerContext,
  repository: RepositoryHandle,
  inputs: Record<string, string>,
  event: { readonly name: string; readonly payload: object; readonly sha: string; readonly ref: string },
  start: typeof runActionStep = runActionStep,
): Promise<StepRun> {
  const { pull_request: pull } = event.payload as { pull_request: { number: number; head: { sha: string; ref: string } } };
  const runId = repository.addWorkflowRun({ workflow: PLAN_WORKFLOW, event: 'pull_request', headSha: pull.head.sha, headBranch: pull.head.ref, pullRequests: [pull.number] });
  const step = await start(runner, { command: 'plan', ...inputs }, event, { GITHUB_RUN_ID: String(runId) });
  if (step.code !== 0) repository.concludeWorkflowRun(runId, 'failure');
  if (step.outputs['review-record']) repository.uploadArtifact(runId, step.outputs['review-artifact'], { 'review-record.json': readFileSync(step.outputs['review-record']) });
  return step;
}
