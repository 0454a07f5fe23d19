import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import Ajv, { ErrorObject } from 'ajv';
import { InputProblem, anyOfGroups, checkInputs, forbiddenTagCharacter, terraformMessage } from '../lib/module-input-check';
import { MODULE_INPUTS, MODULE_VARIANTS, ModuleInput, ModuleVariant, moduleInput, moduleInputs, moduleName } from '../lib/module-inputs';
import {
  AccountEntry,
  AccountSettings,
  DEFAULT_STATE_KEY,
  MatrixConfig,
  MatrixConfigFile,
  ModuleInputValues,
  ModuleSource,
  ResolvedAccount,
  ResolvedBackend,
} from './config';
import { configSchema } from './config-schema';
import { didYouMean } from './private/did-you-mean';
import { DocumentPath, YamlSource } from './private/yaml-source';
import { PLACEHOLDERS, TemplateValues, fillValue, unknownPlaceholders } from './templates';

/** One problem in a config file: where it is, which account it concerns, which field, and what is wrong. */
export interface ConfigProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Names of the accounts the problem concerns; empty for settings shared by all. */
  readonly accounts: readonly string[];
  /** Dotted path of the field, e.g. `accounts[2].inputs.role_name`. */
  readonly field: string;
  readonly message: string;
}

/** A config file that cannot be used; lists every problem found, not just the first. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`${problemCount(problems)} in the config:\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** "1 problem", "3 problems". */
export function problemCount(problems: readonly ConfigProblem[]): string {
  return `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}: ${describeProblem(problem)}`;
}

/** A problem without its place in the file, for where the place is shown apart (annotations). */
export function describeProblem(problem: ConfigProblem): string {
  const accounts = problem.accounts.length === 0 ? '' : `account${problem.accounts.length > 1 ? 's' : ''} ${listNames(problem.accounts)}: `;
  return `${accounts}${problem.field}: ${problem.message}`;
}

function listNames(names: readonly string[]): string {
  return names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
}

export interface LoadOptions {
  /** Folder of the modules this release ships (used when the config names no module source). */
  readonly builtInModules: string;
}

/** Reads and validates a config file; throws ConfigError with every problem. Reads files, changes nothing. */
export function loadConfig(path: string, options: LoadOptions): MatrixConfig {
  const absolute = resolve(path);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) {
    throw new ConfigError([{ file: path, line: 1, column: 1, accounts: [], field: '(file)', message: 'the config file does not exist' }]);
  }
  return parseConfig(readFileSync(absolute, 'utf8'), absolute, options, path);
}

/** Validates config text as if read from `path` (relative local paths resolve against its folder). */
export function parseConfig(text: string, path: string, options: LoadOptions, displayPath = path): MatrixConfig {
  const source = new YamlSource(text);
  const problems = new ProblemList(displayPath, source);
  for (const error of source.syntaxErrors) problems.addAt(error, '(syntax)', `YAML syntax error: ${error.message}`);
  if (problems.size === 0) {
    if (!isObject(source.data)) {
      problems.add([], 'the file must hold a mapping with version, backend and accounts');
    } else {
      checkSchema(source.data, problems);
      const accounts = new ConfigChecker(source.data as Partial<MatrixConfigFile>, source, resolve(path), options, problems).check();
      if (problems.size === 0) return { path: resolve(path), accounts };
    }
  }
  throw new ConfigError(problems.sorted());
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

class ProblemList {
  private readonly problems = new Map<string, { problem: Omit<ConfigProblem, 'accounts'>; accounts: Set<string> }>();

  constructor(
    private readonly file: string,
    private readonly source: YamlSource,
  ) {}

  get size(): number {
    return this.problems.size;
  }

  /** A problem with the value (or key) at `path`; the same problem in several accounts is reported once. */
  add(path: DocumentPath, message: string, options: { account?: string; at?: 'key' | 'value' } = {}): void {
    this.addAt(this.source.position(path, options.at), fieldName(path), message, options.account);
  }

  addAt(position: { line: number; column: number }, field: string, message: string, account?: string): void {
    const problem = { file: this.file, line: position.line, column: position.column, field, message };
    const key = JSON.stringify(problem);
    const entry = this.problems.get(key) ?? { problem, accounts: new Set<string>() };
    if (account !== undefined) entry.accounts.add(account);
    this.problems.set(key, entry);
  }

  sorted(): ConfigProblem[] {
    return [...this.problems.values()]
      .map(({ problem, accounts }) => ({ ...problem, accounts: [...accounts] }))
      .sort((a, b) => a.line - b.line || a.column - b.column || a.message.localeCompare(b.message));
  }
}

function fieldName(path: DocumentPath): string {
  if (path.length === 0) return '(file)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`)).join('');
}

const validateSchema = new Ajv({ allErrors: true, verbose: true, strict: false }).compile(configSchema());

/** Structure, key names and simple types, from the published schema. */
function checkSchema(data: Json, problems: ProblemList): void {
  if (validateSchema(data)) return;
  for (const error of validateSchema.errors ?? []) {
    const path = error.instancePath.split('/').slice(1).map((part) => (/^\d+$/.test(part) ? Number(part) : part.replace(/~1/g, '/').replace(/~0/g, '~')));
    // Account ids and module input values get more precise messages from the checks below.
    if (path[0] === 'accounts' && path[2] === 'id' && path.length === 3) continue;
    if (path.includes('inputs') && path.indexOf('inputs') < path.length - 1) continue;
    const account = path[0] === 'accounts' && typeof path[1] === 'number' ? accountLabel(data, path[1]) : undefined;
    const { at, message, target } = schemaMessage(error, path);
    problems.add(target, message, { account, at });
  }
}

function schemaMessage(error: ErrorObject, path: DocumentPath): { at: 'key' | 'value'; message: string; target: DocumentPath } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      const target = [...path, key];
      if (path[path.length - 1] === 'inputs') {
        return { at: 'key', target, message: `"${key}" is not an input of the modules${didYouMean(key, known)}` };
      }
      return { at: 'key', target, message: `unknown key "${key}"${didYouMean(key, known)}; known keys: ${known.filter((k) => k !== '$schema').join(', ')}` };
    }
    case 'required':
      return { at: 'value', target: path, message: `"${params.missingProperty}" is required here` };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      return { at: 'value', target: path, message: `must be one of ${allowed.join(', ')} (got ${JSON.stringify(error.data)})${didYouMean(String(error.data), allowed)}` };
    }
    case 'const':
      return { at: 'value', target: path, message: `must be ${JSON.stringify(params.allowedValue)} (got ${JSON.stringify(error.data)})` };
    case 'type':
      return { at: 'value', target: path, message: `must be ${article(String(params.type))} (got ${JSON.stringify(error.data)})` };
    case 'minItems':
      return { at: 'value', target: path, message: 'needs at least one account' };
    case 'minProperties':
    case 'maxProperties':
      return { at: 'value', target: path, message: 'must hold exactly one of s3 or local' };
    case 'minLength':
      return { at: 'value', target: path, message: 'must not be empty' };
    case 'pattern':
      return { at: 'value', target: path, message: patternMessage(path, error.data) };
    default:
      return { at: 'value', target: path, message: error.message ?? 'is not valid' };
  }
}

function article(type: string): string {
  return { string: 'a string', boolean: 'true or false', object: 'a mapping', array: 'a list', number: 'a number' }[type] ?? type;
}

function patternMessage(path: DocumentPath, value: unknown): string {
  const field = path[path.length - 1];
  if (field === 'name') return `must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit (got ${JSON.stringify(value)})`;
  if (path.includes('endpoints')) return `must be an http:// or https:// URL (got ${JSON.stringify(value)})`;
  return `is not valid (got ${JSON.stringify(value)})`;
}

function accountLabel(data: Json, index: number): string {
  const account = Array.isArray(data.accounts) ? data.accounts[index] : undefined;
  if (isObject(account) && typeof account.name === 'string') return account.name;
  if (isObject(account) && typeof account.id === 'string') return account.id;
  return `#${index + 1}`;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ROLE_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-[a-z])?:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const ACCOUNT_ID = /^\d{12}$/;
const TAG_CHARACTERS_ALLOWED = 'tag keys and values may hold letters, digits, spaces and _ . : / = + - @';
const REGISTRY_SOURCE = /^([a-z0-9.-]+\.[a-z]{2,}\/)?[A-Za-z0-9][\w-]*\/[A-Za-z0-9][\w-]*\/[A-Za-z0-9][\w-]*(\/\/.+)?$/;

/** The checks that need more than a schema: templates, merges, uniqueness, the module's own input rules. */
class ConfigChecker {
  private readonly defaults: AccountSettings;
  private readonly configDir: string;

  constructor(
    private readonly data: Partial<MatrixConfigFile>,
    private readonly source: YamlSource,
    path: string,
    private readonly options: LoadOptions,
    private readonly problems: ProblemList,
  ) {
    this.defaults = isObject(data.defaults) ? (data.defaults as AccountSettings) : {};
    this.configDir = dirname(path);
  }

  check(): ResolvedAccount[] {
    const entries = Array.isArray(this.data.accounts) ? this.data.accounts : [];
    this.checkPlaceholders(['defaults'], this.defaults);
    this.checkPlaceholders(['backend'], this.data.backend);
    const accounts = entries.flatMap((entry, index) => (isObject(entry) ? [this.resolveAccount(entry as unknown as AccountEntry, index)] : []));
    const resolved = accounts.filter((account): account is ResolvedAccount => account !== undefined);
    this.checkUnique(entries);
    this.checkModules(resolved);
    return resolved;
  }

  /**
   * The account a problem is reported for: none when the value is shared (in `defaults` or `backend`) and has no
   * placeholders, since it is then the same mistake in every account.
   */
  private accountFor(path: DocumentPath, account: string): string | undefined {
    if (path[0] === 'accounts') return account;
    const raw = path.reduce<unknown>((value, key) => (isObject(value) ? value[key as string] : undefined), this.data);
    return JSON.stringify(raw ?? '').match(/\{[A-Za-z_]\w*\}/) ? account : undefined;
  }

  /** Every `{placeholder}` in templated values must be known; reported where it is written. */
  private checkPlaceholders(path: DocumentPath, value: unknown, account?: string): void {
    if (typeof value === 'string') {
      for (const name of unknownPlaceholders(value)) {
        this.problems.add(path, `unknown placeholder {${name}}${didYouMean(name, PLACEHOLDERS)}; templates may use ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`, { account });
      }
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) this.checkPlaceholders([...path, key], item, account);
    }
  }

  private resolveAccount(entry: AccountEntry, index: number): ResolvedAccount | undefined {
    const at = (...path: DocumentPath) => ['accounts', index, ...path];
    const label = accountLabel(this.data as Json, index);
    const add = (path: DocumentPath, message: string) => this.problems.add(path, message, { account: this.accountFor(path, label) });
    const { id } = entry;
    this.checkPlaceholders(at(), { ...entry, id: undefined, name: undefined }, label);
    const idOk = this.checkId(id, at('id'), label);

    // A setting comes from the account, else from defaults; problems are reported where the value is written.
    const setting = <K extends keyof AccountSettings>(key: K) =>
      entry[key] !== undefined ? { value: entry[key], path: at(key) } : { value: this.defaults[key], path: ['defaults', key] as DocumentPath };

    const name = typeof entry.name === 'string' ? entry.name : typeof id === 'string' ? id : `#${index + 1}`;
    const variant = (setting('variant').value ?? 'minimal') as ModuleVariant;
    const region = setting('region');
    if (region.value === undefined) add(at(), 'region is not set, here or in defaults');
    else if (typeof region.value === 'string' && !REGION.test(region.value)) add(region.path, `region must be an AWS region such as eu-west-1 (got ${JSON.stringify(region.value)})`);
    const values: TemplateValues = { account_id: String(id), name, region: String(region.value) };

    const roleArn = this.checkRoleArn(setting('role_arn'), idOk ? values : undefined, label, at());
    const externalId = setting('external_id');
    if (typeof externalId.value === 'string' && !EXTERNAL_ID.test(externalId.value)) {
      add(externalId.path, 'external_id must be 2 to 1224 characters: letters, digits and +=,.@:/_-');
    }
    const tags = { ...this.defaults.tags, ...entry.tags };
    const filledTags = fillValue(tags, values);
    this.checkTags(filledTags, entry, index, label);

    const inputs = this.resolveInputs(entry, index, variant, values, label);
    const backend = this.resolveBackend(values, label);
    if (!idOk || !roleArn || !backend || !inputs) return undefined;
    return {
      id,
      name,
      index,
      variant,
      region: String(region.value),
      roleArn,
      externalId: externalId.value as string | undefined,
      inputs,
      tags: filledTags,
      endpoints: this.defaults.endpoints || entry.endpoints ? { ...this.defaults.endpoints, ...entry.endpoints } : undefined,
      module: this.moduleSource(variant),
      awsProviderVersion: this.data.terraform?.aws_provider_version,
      backend,
    };
  }

  private checkId(id: unknown, path: DocumentPath, account: string): boolean {
    if (typeof id === 'string') {
      if (ACCOUNT_ID.test(id)) return true;
      this.problems.add(path, `id must be a 12-digit AWS account id (got ${JSON.stringify(id)})`, { account });
      return false;
    }
    if (typeof id === 'number') {
      const written = this.source.sourceText(path) ?? String(id);
      const message = /^0\d/.test(written)
        ? `id ${written} is not quoted, so YAML reads it as the number ${id} and drops the leading zero; quote it: id: "${written}"`
        : `id must be a quoted string; YAML reads the unquoted ${written} as a number; write id: "${written}"`;
      this.problems.add(path, message, { account });
      return false;
    }
    if (id !== undefined) this.problems.add(path, `id must be a 12-digit AWS account id in quotes (got ${JSON.stringify(id)})`, { account });
    return false;
  }

  /** `values` is undefined when the account's id is wrong: an ARN made from it says nothing new. */
  private checkRoleArn(setting: { value: unknown; path: DocumentPath }, values: TemplateValues | undefined, account: string, accountPath: DocumentPath): string | undefined {
    if (setting.value === undefined) {
      this.problems.add(accountPath, 'role_arn is not set, here or in defaults: Terraform needs a role to assume in each account', { account });
      return undefined;
    }
    // An unknown placeholder is reported on its own; the ARN it leaves behind is no news.
    if (typeof setting.value !== 'string' || unknownPlaceholders(setting.value).length > 0 || !values) return undefined;
    const arn = fillValue(setting.value, values);
    const match = ROLE_ARN.exec(arn);
    if (!match) {
      this.problems.add(setting.path, `role_arn must be an IAM role ARN such as arn:aws:iam::{account_id}:role/terraform (got ${JSON.stringify(arn)})`, { account: this.accountFor(setting.path, account) });
    } else if (match[2] !== values.account_id) {
      this.problems.add(setting.path, `role_arn ${arn} is in account ${match[2]}, not in ${values.account_id}: the role must be in the account it manages`, { account });
    }
    return arn;
  }

  private resolveInputs(entry: AccountEntry, index: number, variant: ModuleVariant, values: TemplateValues, account: string): ModuleInputValues | undefined {
    if (!MODULE_VARIANTS.includes(variant)) return undefined;
    const available = new Set(moduleInputs(variant).map((input) => input.name));
    const own = isObject(entry.inputs) ? entry.inputs : {};
    const shared = isObject(this.defaults.inputs) ? this.defaults.inputs : {};
    let usable = true;
    for (const name of Object.keys(own)) {
      if (available.has(name) || !MODULE_INPUTS.some((input) => input.name === name)) continue;
      const owners = moduleInput(name).variants.join(', ');
      this.problems.add(['accounts', index, 'inputs', name], `${name} is an input of the ${owners} variant, not of ${variant}`, { account, at: 'key' });
      usable = false;
    }
    // Defaults may hold inputs of either variant: each account takes those its variant has.
    const merged = Object.fromEntries(
      Object.entries({ ...shared, ...own }).filter(([name]) => available.has(name)).map(([name, value]) => [name, fillValue(value, values)]),
    ) as ModuleInputValues;
    const where = (input: ModuleInput): DocumentPath =>
      input.name in own ? ['accounts', index, 'inputs', input.name] : input.name in shared ? ['defaults', 'inputs', input.name] : ['accounts', index];
    const problems = checkInputs(moduleInputs(variant), (input) => merged[input.name], {
      anyOf: anyOfGroups(variant),
      // A value with an unknown placeholder is reported for that; its rules would only repeat it.
      isDeferred: (value) => typeof value === 'string' && unknownPlaceholders(value).length > 0,
    });
    for (const problem of problems) {
      const path = problemPath(problem, where, index);
      this.problems.add(path, terraformMessage(problem), { account: this.accountFor(path, account) });
    }
    return usable && problems.length === 0 ? merged : undefined;
  }

  private resolveBackend(values: TemplateValues, account: string): ResolvedBackend | undefined {
    const backend = this.data.backend;
    if (backend?.s3 && isObject(backend.s3)) {
      const s3 = backend.s3;
      const roleArn = s3.role_arn === undefined ? undefined : fillValue(s3.role_arn, values);
      if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) {
        const path = ['backend', 's3', 'role_arn'];
        this.problems.add(path, `role_arn must be an IAM role ARN (got ${JSON.stringify(roleArn)})`, { account: this.accountFor(path, account) });
      }
      if (typeof s3.region === 'string' && !REGION.test(s3.region)) {
        this.problems.add(['backend', 's3', 'region'], `region must be an AWS region such as eu-west-1 (got ${JSON.stringify(s3.region)})`);
      }
      return { type: 's3', settings: { ...s3, key: stateKey(s3, values), role_arn: roleArn, encrypt: s3.encrypt ?? true } };
    }
    if (backend?.local && isObject(backend.local) && typeof backend.local.path === 'string') {
      return { type: 'local', path: this.localStatePath(backend.local.path, values) };
    }
    return undefined;
  }

  /**
   * Tags as IAM takes them: each key and value with only the characters IAM allows (named, with the tag, where it is
   * written), then the count and lengths of the whole set.
   */
  private checkTags(tags: Readonly<Record<string, string>>, entry: AccountEntry, index: number, label: string): void {
    if (!isObject(tags)) return;
    const where = (key: string): DocumentPath => (entry.tags && key in entry.tags ? ['accounts', index, 'tags', key] : ['defaults', 'tags', key]);
    const report = (path: DocumentPath, message: string, at?: 'key') => this.problems.add(path, message, { account: this.accountFor(path, label), at });
    // An unknown placeholder is left in place and reported as such; its braces are not a second problem.
    const checkable = Object.entries(tags).filter(([, value]) => typeof value !== 'string' || unknownPlaceholders(value).length === 0);
    let charactersOk = true;
    for (const [key, value] of checkable) {
      const inKey = forbiddenTagCharacter(key);
      const inValue = typeof value === 'string' ? forbiddenTagCharacter(value) : undefined;
      if (inKey !== undefined) report(where(key), `the tag key holds ${JSON.stringify(inKey)}, which IAM refuses: ${TAG_CHARACTERS_ALLOWED}`, 'key');
      if (inValue !== undefined) report(where(key), `the tag value holds ${JSON.stringify(inValue)}, which IAM refuses: ${TAG_CHARACTERS_ALLOWED}`);
      charactersOk &&= inKey === undefined && inValue === undefined;
    }
    const rule = moduleInput('tags').rules![0];
    if (charactersOk && !rule.test(Object.fromEntries(checkable))) report(entry.tags ? ['accounts', index, 'tags'] : ['defaults', 'tags'], `tags must ${rule.requirement}`);
  }

  /** Ids, names and state locations must each be unique: two accounts sharing a state would overwrite each other. */
  private checkUnique(entries: readonly unknown[]): void {
    const seen = new Map<string, { index: number; label: string }>();
    entries.forEach((entry, index) => {
      if (!isObject(entry)) return;
      const label = accountLabel(this.data as Json, index);
      const claims: [string, DocumentPath, string][] = [];
      if (typeof entry.id === 'string') claims.push([`id ${entry.id}`, ['accounts', index, 'id'], 'id']);
      const name = typeof entry.name === 'string' ? entry.name : entry.id;
      // Names are directory names too: on a file system that ignores case (macOS, Windows) Prod and prod are one.
      if (typeof name === 'string') claims.push([`name ${name.toLowerCase()}`, ['accounts', index, entry.name ? 'name' : 'id'], 'name']);
      for (const [claim, path, what] of claims) {
        const first = seen.get(claim);
        if (!first) {
          seen.set(claim, { index, label });
          continue;
        }
        const line = this.source.position(['accounts', first.index]).line;
        const value = what === 'name' ? String(name) : claim.split(' ')[1];
        const sameCase = what !== 'name' || first.label === value;
        const message = sameCase
          ? `duplicate ${what}: ${value} is already used by account ${first.label} (line ${line})`
          : `duplicate name: ${value} differs only in case from account ${first.label} (line ${line}); names are directory names, and a file system that ignores case would give both accounts one directory`;
        this.problems.add(path, message, { account: label });
      }
    });
    this.checkStateLocations(entries);
  }

  private checkStateLocations(entries: readonly unknown[]): void {
    const backend = this.data.backend;
    const users = new Map<string, string[]>();
    const ids = new Set<string>();
    entries.forEach((entry, index) => {
      // An id given twice is reported as such; its shared state location would only repeat it.
      if (!isObject(entry) || typeof entry.id !== 'string' || ids.has(entry.id)) return;
      ids.add(entry.id);
      const name = typeof entry.name === 'string' ? entry.name : entry.id;
      const region = String(entry.region ?? this.defaults.region);
      const values = { account_id: entry.id, name, region };
      const location = backend?.s3 ? `s3://${backend.s3.bucket}/${stateKey(backend.s3, values)}` : backend?.local ? this.localStatePath(backend.local.path, values) : undefined;
      if (location) users.set(location, [...new Set([...(users.get(location) ?? []), accountLabel(this.data as Json, index)])]);
    });
    for (const [location, accounts] of users) {
      if (accounts.length < 2) continue;
      const field = backend?.s3 ? ['backend', 's3', backend.s3.key ? 'key' : 'bucket'] : ['backend', 'local', 'path'];
      this.problems.add(field, `accounts ${listNames(accounts)} would share the state ${location}; make it unique with {account_id} or {name}`);
    }
  }

  private localStatePath(template: string, values: TemplateValues): string {
    return resolve(this.configDir, fillValue(template, values));
  }

  private moduleSource(variant: ModuleVariant): ModuleSource {
    const module = this.data.module;
    const name = moduleName(variant);
    if (!module || typeof module.source !== 'string') {
      return { source: join(this.options.builtInModules, name), localDirectory: join(this.options.builtInModules, name) };
    }
    if (isLocalSource(module.source)) {
      const directory = join(resolve(this.configDir, module.source), name);
      return { source: directory, localDirectory: directory };
    }
    return { source: withSubdirectory(module.source, name), version: module.version };
  }

  /** The module source must hold the variants the accounts use; `version` only goes with a registry source. */
  private checkModules(accounts: readonly ResolvedAccount[]): void {
    const module = this.data.module;
    if (module && typeof module.source === 'string') {
      const local = isLocalSource(module.source);
      if (module.version !== undefined && (local || !REGISTRY_SOURCE.test(module.source.split('?')[0]))) {
        const pin = local ? 'a local folder has no version' : 'pin this source with ?ref=<tag> instead';
        this.problems.add(['module', 'version'], `version is only for registry sources: ${pin}`);
      }
      if (!local && !module.source.includes('//') && REGISTRY_SOURCE.test(module.source)) {
        this.problems.add(['module', 'source'], `a registry source must name the folder of the variant modules, e.g. ${module.source}//modules`);
      }
    }
    const missing = new Set(accounts.map((account) => account.module.localDirectory).filter((dir): dir is string => !!dir && !existsSync(join(dir, 'main.tf.json'))));
    for (const dir of missing) {
      const shown = isAbsolute(module?.source ?? '') || !module ? dir : relative(this.configDir, dir) || '.';
      this.problems.add(module ? ['module', 'source'] : [], `no module at ${shown} (expected ${basename(dir)}/main.tf.json)`);
    }
  }
}

function problemPath(problem: InputProblem, where: (input: ModuleInput) => DocumentPath, index: number): DocumentPath {
  // A missing input has no place of its own: the account that lacks it is the place.
  return problem.kind === 'any-of' || problem.kind === 'required' ? ['accounts', index] : where(problem.input);
}

/** The S3 key of an account's state, templates filled. */
function stateKey(s3: { readonly key?: string }, values: TemplateValues): string {
  return fillValue(s3.key ?? DEFAULT_STATE_KEY, values);
}

function isLocalSource(source: string): boolean {
  return source.startsWith('./') || source.startsWith('../') || source.startsWith('/') || source === '.' || source === '..';
}

/** Appends the variant's folder to a remote source's path, before any `?query` (git refs). */
function withSubdirectory(source: string, name: string): string {
  const [address, query] = source.split(/\?(.*)/s, 2);
  const path = address.includes('//', address.indexOf('://') + 3) ? `${address.replace(/\/$/, '')}/${name}` : `${address}//${name}`;
  return query !== undefined ? `${path}?${query}` : path;
}
