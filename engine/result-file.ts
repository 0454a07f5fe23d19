import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Ajv from 'ajv';
import { MatrixResult, RESULT_VERSION } from './result';
import { resultSchema } from './result-schema';

const validate = new Ajv({ allErrors: true, strict: false, formats: { 'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/ } }).compile(resultSchema());

/** Problems with a result document: where, and what, every one of them. */
export function resultProblems(document: unknown): string[] {
  if (validate(document)) return [];
  return (validate.errors ?? []).map((error) => `${error.instancePath || '(document)'} ${error.message ?? 'is not valid'}`);
}

/** Reads a result document written by this tool (e.g. by a plan, or by each shard), checking it against its schema. */
export function readResult(path: string): MatrixResult {
  if (!existsSync(path)) throw new Error(`${path}: no such result file`);
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`);
  }
  const version = (document as { version?: unknown })?.version;
  if (version !== RESULT_VERSION) throw new Error(`${path}: result version ${JSON.stringify(version)}, this release reads version ${RESULT_VERSION}`);
  const problems = resultProblems(document);
  if (problems.length > 0) throw new Error(`${path} is not a valid result document:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return document as MatrixResult;
}

export function writeResult(path: string, result: MatrixResult): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
}
