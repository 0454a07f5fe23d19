import { Token } from 'cdktf';
import { ANY_OF_RULES, MODULE_INPUTS, ModuleInput, moduleInput } from '../module-inputs';

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

function isSet(props: object, input: ModuleInput): boolean {
  return propValue(props, input.prop) !== undefined;
}

/**
 * Checks literal props against the rules the generated module's variables enforce. Values that are Terraform tokens
 * (variables, other resources' attributes) are left to Terraform.
 */
export function validateProps(constructPath: string, props: object & { readonly logging?: object }): void {
  const applicable = MODULE_INPUTS.filter((input) => !input.prop.startsWith('logging.') || props.logging);
  const problems: string[] = [];
  for (const input of applicable) {
    const value = propValue(props, input.prop);
    if (value === undefined) {
      if (!('default' in input)) problems.push(`${input.prop} is required`);
      continue;
    }
    if (input.requires && !isSet(props, moduleInput(input.requires))) {
      problems.push(`${input.prop} requires ${moduleInput(input.requires).prop}`);
    }
    if (Token.isUnresolved(value)) continue;
    for (const rule of input.rules ?? []) {
      if (!rule.test(value)) problems.push(`${input.prop} must ${rule.requirement} (got ${JSON.stringify(value)})`);
    }
  }
  if (props.logging) {
    for (const rule of ANY_OF_RULES) {
      const inputs = rule.inputs.map(moduleInput);
      if (!inputs.some((input) => isSet(props, input))) {
        problems.push(`logging needs at least one of ${inputs.map((input) => input.prop).join(', ')}`);
      }
    }
  }
  if (problems.length > 0) throw new InvalidPropsError(constructPath, problems);
}
