import { readFileSync } from 'node:fs';
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Context, Document, OpenAPIBackend, Operation } from 'openapi-backend';
import { REST_DOCS } from './responses';

/**
 * openapi-backend, loaded by Node's own loader rather than the test runner's: it require()s an ES module
 * (@apidevtools/json-schema-ref-parser), which Node 20.19 and later can and Jest's CommonJS module runtime cannot (and
 * Jest hands out its own `createRequire`, so the real one comes from `process.getBuiltinModule`). Nothing mocks it.
 */
const openApiBackend = process.getBuiltinModule('node:module').createRequire(__filename)('openapi-backend') as typeof import('openapi-backend');

/** A request as the server received it, before routing. */
export interface RawRequest {
  readonly method: string;
  /** URL path, still percent-encoded. */
  readonly path: string;
  /** Query string without the `?`. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | string[]>>;
  /** Raw body; undefined when empty. */
  readonly body?: string;
}

/** The outcome of routing a request and checking it against the description. */
export type RoutedRequest =
  | { readonly kind: 'unknown-route' }
  | { readonly kind: 'invalid'; readonly operationId: string; readonly errors: readonly ErrorObject[] }
  | {
      readonly kind: 'valid';
      readonly operationId: string;
      /** Path parameters, percent-decoded. */
      readonly params: Readonly<Record<string, string>>;
      /** Query parameters as strings; the description has checked their types. */
      readonly query: Readonly<Record<string, string>>;
      readonly body: unknown;
    };

type JsonSchema = Record<string, unknown>;

/**
 * Formats the description uses beyond those openapi-backend knows. Timestamps and URLs are what GitHub's clients
 * parse, so they are checked; templates and the rest are free text to a client.
 */
const FORMATS: Readonly<Record<string, true | ((value: string) => boolean)>> = {
  'date-time': (value) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) && !Number.isNaN(Date.parse(value)),
  date: (value) => /^\d{4}-\d\d-\d\d$/.test(value) && !Number.isNaN(Date.parse(value)),
  uri: (value) => /^[a-z][a-z\d+.-]*:/i.test(value) && URL.canParse(value),
  email: (value) => /^[^\s@]+@[^\s@]+$/.test(value),
  'uri-template': true,
  'repo.nwo': true,
  timestamp: true,
};

/**
 * GitHub's REST API description (api.github.com, from @octokit/openapi) with a router and validators built from it:
 * requests are routed and checked by openapi-backend, responses by Ajv against the operation's schema for the status.
 */
export class GitHubApiDescription {
  private readonly responseAjv: Ajv;
  private readonly responseValidators = new Map<string, ValidateFunction | 'no-content' | undefined>();
  private readonly operations: ReadonlyMap<string, Operation>;

  constructor(private readonly backend: OpenAPIBackend) {
    // openapi-backend rebuilds its list of 1,200 operations on every lookup, several times per request; the
    // description never changes, so one list serves every request.
    const operations = backend.router.getOperations();
    backend.router.getOperations = () => operations;
    // It also builds a regular expression per operation for each lookup, twice a request: a method and path (without
    // the query) is matched once. A path that matches nothing is looked up again, for the error of a strict lookup.
    const router = backend.router;
    const matchOperation = router.matchOperation.bind(router);
    const matched = new Map<string, Operation | undefined>();
    router.matchOperation = ((request: Parameters<typeof router.matchOperation>[0], strict?: boolean) => {
      const { method, path } = router.normalizeRequest(request);
      const key = `${method} ${path}`;
      if (!matched.has(key)) matched.set(key, matchOperation(request, false));
      return matched.get(key) ?? matchOperation(request, strict as true);
    }) as typeof router.matchOperation;
    this.operations = new Map(operations.map((operation) => [operation.operationId as string, operation]));
    this.responseAjv = backend.validator.getAjv(openApiBackend.ValidationContext.Response, { allErrors: false });
    backend.register({
      notFound: () => ({ kind: 'unknown-route' }),
      methodNotAllowed: () => ({ kind: 'unknown-route' }),
      validationFail: (context: Context) => ({ kind: 'invalid', operationId: context.operation.operationId, errors: context.validation.errors ?? [] }),
      // No handler is registered per operation, so every routed and valid request ends here; the server decides.
      notImplemented: (context: Context) => ({
        kind: 'valid',
        operationId: context.operation.operationId,
        params: Object.fromEntries(Object.entries(context.request.params as Record<string, string>).map(([name, value]) => [name, decodeURIComponent(value)])),
        query: context.request.query,
        body: context.request.requestBody,
      }),
    });
  }

  async route(request: RawRequest): Promise<RoutedRequest> {
    return (await this.backend.handleRequest({ ...request })) as RoutedRequest;
  }

  /** The docs page GitHub names in `documentation_url` for errors of this operation. */
  documentationUrl(operationId: string | undefined): string {
    return (operationId && this.operations.get(operationId)?.externalDocs?.url) || REST_DOCS;
  }

  /**
   * Problems of a response body against the description: the operation's schema for the status (a status it does not
   * declare must be an error in GitHub's basic shape), and, in successful answers, properties the schema does not
   * name: GitHub's schemas allow them, but a stand-in that invents them would teach clients to rely on them. (Error
   * bodies carry `status`, which GitHub sends but the 422 schema does not name.)
   */
  checkResponse(operationId: string | undefined, status: number, body: unknown): string[] {
    const validator = this.responseValidator(operationId, status);
    if (validator === undefined) return [`status ${status} is not a response of ${operationId}`];
    if (validator === 'no-content') return body === undefined ? [] : [`status ${status} of ${operationId} has no body`];
    if (validator(body)) return status < 300 ? undeclaredProperties(body, [validator.schema as JsonSchema], '') : [];
    return (validator.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}${paramsText(error)}`);
  }

  private responseValidator(operationId: string | undefined, status: number): ValidateFunction | 'no-content' | undefined {
    const key = `${operationId} ${status}`;
    if (!this.responseValidators.has(key)) this.responseValidators.set(key, this.buildResponseValidator(operationId, status));
    return this.responseValidators.get(key);
  }

  private buildResponseValidator(operationId: string | undefined, status: number): ValidateFunction | 'no-content' | undefined {
    const responses = (operationId && this.operations.get(operationId)?.responses) || {};
    const declared = responses[String(status)] as { content?: Record<string, { schema?: JsonSchema }> } | undefined;
    if (declared && !declared.content) return 'no-content';
    const schema = declared?.content?.['application/json']?.schema ?? (status >= 400 ? this.basicErrorSchema() : undefined);
    return schema ? this.responseAjv.compile(schema) : undefined;
  }

  private basicErrorSchema(): JsonSchema {
    return (this.backend.definition.components?.schemas as Record<string, JsonSchema>)['basic-error'];
  }
}

/** Object keys that no schema in `schemas` (the branches that apply at this point) declares. */
function undeclaredProperties(value: unknown, schemas: readonly JsonSchema[], path: string): string[] {
  const branches = schemas.flatMap(expandBranches);
  if (Array.isArray(value)) {
    const items = branches.flatMap((branch) => (branch.items ? [branch.items as JsonSchema] : []));
    return value.flatMap((item, index) => undeclaredProperties(item, items, `${path}/${index}`));
  }
  if (value === null || typeof value !== 'object') return [];
  const objectBranches = branches.filter((branch) => branch.properties || branch.additionalProperties !== undefined);
  // A free-form object (no properties, or any additional ones allowed) declares every key.
  if (objectBranches.length === 0 || objectBranches.some((branch) => branch.additionalProperties && branch.additionalProperties !== false)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const declared = objectBranches.flatMap((branch) => {
      const property = (branch.properties as Record<string, JsonSchema> | undefined)?.[key];
      return property ? [property] : [];
    });
    return declared.length > 0 ? undeclaredProperties(child, declared, `${path}/${key}`) : [`${path}/${key} is not in the response schema`];
  });
}

function expandBranches(schema: JsonSchema): JsonSchema[] {
  const nested = ['allOf', 'anyOf', 'oneOf'].flatMap((keyword) => (schema[keyword] as JsonSchema[] | undefined) ?? []);
  return [schema, ...nested.flatMap(expandBranches)];
}

function paramsText(error: ErrorObject): string {
  const { additionalProperty, missingProperty, allowedValues } = error.params as Record<string, unknown>;
  const detail = additionalProperty ?? missingProperty ?? allowedValues;
  return detail === undefined ? '' : ` (${JSON.stringify(detail)})`;
}

/**
 * Makes OpenAPI 3.0's `nullable` mean to Ajv what GitHub means by it. Ajv honours `nullable` only next to `type`
 * (and refuses to compile it alone, which GitHub writes next to oneOf/allOf), and lets an `enum` without null refuse
 * null; GitHub's nullable enums (such as `state_reason`) hold null in real answers.
 */
function allowNullWhereNullable(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  for (const child of Object.values(node)) allowNullWhereNullable(child);
  const schema = node as JsonSchema;
  if (schema.nullable !== true) return;
  if (schema.type === undefined) {
    const rest = { ...schema };
    delete rest.nullable;
    for (const key of Object.keys(schema)) delete schema[key];
    schema.anyOf = [{ type: 'null' }, rest];
  } else if (Array.isArray(schema.enum) && !schema.enum.includes(null)) {
    schema.enum.push(null);
  }
}

let loading: Promise<GitHubApiDescription> | undefined;

/**
 * The description, loaded and initialised once per process (in Jest, once per test file, which has modules of its
 * own): it is 13 MB, and every server shares it. openapi-backend's quick mode resolves references in place and
 * compiles validators on first use, so start-up is about half a second: parsing the JSON, loading openapi-backend,
 * resolving references.
 */
export function loadGitHubApiDescription(): Promise<GitHubApiDescription> {
  loading ??= (async () => {
    const path = require.resolve('@octokit/openapi/generated/api.github.com.json');
    const definition = JSON.parse(readFileSync(path, 'utf8')) as Document;
    allowNullWhereNullable(definition);
    const backend = new openApiBackend.OpenAPIBackend({
      definition,
      quick: true,
      strict: true,
      // Paths in the description have no trailing slash; a client that adds one has built its URL wrongly.
      ignoreTrailingSlashes: false,
      // Every problem of a request, each with the offending value, for messages like GitHub's ("For
      // 'properties/body', 1 is not a string.").
      ajvOpts: { verbose: true, allErrors: true },
      customizeAjv: (ajv) => {
        for (const [name, format] of Object.entries(FORMATS)) ajv.addFormat(name, format);
        return ajv;
      },
    });
    await backend.init();
    return new GitHubApiDescription(backend);
  })();
  return loading;
}
