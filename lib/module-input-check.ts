import { ANY_OF_RULES, ModuleInput, ModuleKind, TerraformType, moduleInput } from './module-inputs';
import { InputRule } from './private/input-rule';

export { forbiddenTagCharacter } from './private/input-rule';

/** One way a set of input values breaks the input table. */
export type InputProblem =
  | { readonly kind: 'required'; readonly input: ModuleInput }
  | { readonly kind: 'type'; readonly input: ModuleInput; readonly value: unknown }
  | { readonly kind: 'rule'; readonly input: ModuleInput; readonly rule: InputRule; readonly value: unknown }
  | { readonly kind: 'requires'; readonly input: ModuleInput; readonly required: ModuleInput }
  | { readonly kind: 'any-of'; readonly inputs: readonly ModuleInput[] };

export interface InputCheckOptions {
  /** Values that Terraform will only know later (tokens of a CDKTF app): their rules are left to Terraform. */
  readonly isDeferred?: (value: unknown) => boolean;
  /** Which rules that need one of several inputs apply. */
  readonly anyOf?: readonly (readonly ModuleInput[])[];
}

/**
 * Checks values against the inputs they are for: every problem, not just the first. `valueOf` gives the value of an
 * input (undefined or null: not set).
 */
export function checkInputs(
  inputs: readonly ModuleInput[],
  valueOf: (input: ModuleInput) => unknown,
  options: InputCheckOptions = {},
): InputProblem[] {
  const isSet = (input: ModuleInput) => valueOf(input) !== undefined && valueOf(input) !== null;
  const problems: InputProblem[] = [];
  for (const input of inputs) {
    const value = valueOf(input);
    if (!isSet(input)) {
      if (!('default' in input)) problems.push({ kind: 'required', input });
      continue;
    }
    if (input.requires && !isSet(moduleInput(input.requires))) {
      problems.push({ kind: 'requires', input, required: moduleInput(input.requires) });
    }
    if (options.isDeferred?.(value)) continue;
    if (!hasType(value, input.type)) {
      problems.push({ kind: 'type', input, value });
      continue;
    }
    for (const rule of input.rules ?? []) if (!rule.test(value)) problems.push({ kind: 'rule', input, rule, value });
  }
  for (const group of options.anyOf ?? []) {
    if (!group.some(isSet)) problems.push({ kind: 'any-of', inputs: group });
  }
  return problems;
}

/**
 * The rules that need one of several inputs, for a generated module. The root module has none: without a log
 * destination it is the minimal role.
 */
export function anyOfGroups(kind: ModuleKind): ModuleInput[][] {
  if (kind === 'root') return [];
  return ANY_OF_RULES.filter((rule) => rule.variants.includes(kind)).map((rule) => rule.inputs.map(moduleInput));
}

function hasType(value: unknown, type: TerraformType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'bool':
      return typeof value === 'boolean';
    case 'map(string)':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
  }
}

/**
 * The messages the generated modules print, word for word: the module's validations and preconditions use them, and
 * tools that check inputs before Terraform runs say the same thing.
 */
export const terraformMessages = {
  rule: (input: ModuleInput, rule: InputRule) => `${input.name} must ${rule.requirement}.`,
  requires: (input: ModuleInput, required: ModuleInput) =>
    `${input.name} is set but ${required.name} is not: set ${required.name}, or leave ${input.name} null.`,
  anyOf: (inputs: readonly ModuleInput[]) =>
    `Set at least one of ${inputs.map((input) => input.name).join(', ')}: session logs need a destination.`,
  required: (input: ModuleInput) => `${input.name} is required.`,
  type: (input: ModuleInput) => `${input.name} must be a ${describeType(input.type)}.`,
};

function describeType(type: TerraformType): string {
  return { string: 'string', number: 'number', bool: 'boolean (true or false)', 'map(string)': 'map of strings' }[type];
}

/** A problem in the modules' own words. */
export function terraformMessage(problem: InputProblem): string {
  switch (problem.kind) {
    case 'required':
      return terraformMessages.required(problem.input);
    case 'type':
      return terraformMessages.type(problem.input);
    case 'rule':
      return terraformMessages.rule(problem.input, problem.rule);
    case 'requires':
      return terraformMessages.requires(problem.input, problem.required);
    case 'any-of':
      return terraformMessages.anyOf(problem.inputs);
  }
}
