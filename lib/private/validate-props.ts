import { Token } from 'cdktf';
import { InputProblem, anyOfGroups, checkInputs } from '../module-input-check';
import { MODULE_INPUTS, ModuleInput } from '../module-inputs';

/** Thrown for props that break the construct's rules; lists every problem, not just the first. */
export class InvalidPropsError extends Error {
  constructor(
    readonly constructPath: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid props for SessionManagerRole ${constructPath}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidPropsError';
  }
}

function propValue(props: object, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], props);
}

/** A problem in the construct's words: props by their path, as the caller wrote them. */
function propMessage(problem: InputProblem): string {
  switch (problem.kind) {
    case 'required':
      return `${problem.input.prop} is required`;
    case 'type':
      return `${problem.input.prop} must be of Terraform type ${problem.input.type} (got ${JSON.stringify(problem.value)})`;
    case 'rule':
      return `${problem.input.prop} must ${problem.rule.requirement} (got ${JSON.stringify(problem.value)})`;
    case 'requires':
      return `${problem.input.prop} requires ${problem.required.prop}`;
    case 'any-of':
      return `logging needs at least one of ${problem.inputs.map((input) => input.prop).join(', ')}`;
  }
}

/**
 * Checks literal props against the rules the generated module's variables enforce. Values that are Terraform tokens
 * (variables, other resources' attributes) are left to Terraform.
 */
export function validateProps(constructPath: string, props: object & { readonly logging?: object }): void {
  const isApplicable = (input: ModuleInput) => !input.prop.startsWith('logging.') || props.logging !== undefined;
  const problems = checkInputs(MODULE_INPUTS.filter(isApplicable), (input) => propValue(props, input.prop), {
    isDeferred: (value) => Token.isUnresolved(value),
    anyOf: props.logging ? anyOfGroups('logging') : [],
  });
  if (problems.length > 0) throw new InvalidPropsError(constructPath, problems.map(propMessage));
}
