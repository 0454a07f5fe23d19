import type { ErrorObject } from 'ajv';
import { GitHubError, apiError, notFound } from './responses';

/**
 * GitHub's answer to a request the description rejects: 400 "Problems parsing JSON" for a body that is not JSON, 404
 * for a path parameter of the wrong type (GitHub has no such route), else 422 "Invalid request." followed by one line
 * per problem, phrased like GitHub's schema errors ("For 'properties/body', 1 is not a string.").
 */
export function invalidRequest(errors: readonly ErrorObject[], documentationUrl: string): GitHubError {
  if (errors.some((error) => error.keyword === 'parse')) return apiError(400, 'Problems parsing JSON', documentationUrl);
  if (errors.some((error) => error.instancePath.startsWith('/path'))) return notFound(documentationUrl);
  return apiError(422, `Invalid request.\n\n${describeProblems(errors).join('\n')}`, documentationUrl);
}

/** One line per problem; the branches of a failed oneOf are merged into one "is not a string or an integer". */
export function describeProblems(errors: readonly ErrorObject[]): string[] {
  const parseError = errors.find((error) => error.keyword === 'parse');
  if (parseError) return [`Problems parsing JSON: ${parseError.message}`];
  const typeErrors = new Map<string, { value: unknown; types: string[] }>();
  const lines: string[] = [];
  for (const error of errors) {
    const where = location(error.instancePath);
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'type') {
      const entry = typeErrors.get(where) ?? { value: error.data, types: [] };
      entry.types.push(...String(params.type).split(','));
      typeErrors.set(where, entry);
    } else if (error.keyword === 'required') {
      lines.push(params.missingProperty === 'requestBody' ? `For '${location('/requestBody')}', nil is not an object.` : `"${params.missingProperty}" wasn't supplied.`);
    } else if (error.keyword === 'additionalProperties') {
      lines.push(`"${params.additionalProperty}" is not a permitted key.`);
    } else if (error.keyword === 'enum') {
      lines.push(`For '${where}', ${rubyValue(error.data)} is not one of ${(params.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(', ')}.`);
    } else if (error.keyword !== 'oneOf' && error.keyword !== 'anyOf') {
      lines.push(`For '${where}', ${rubyValue(error.data)} ${error.message}.`);
    }
  }
  for (const [where, { value, types }] of typeErrors) {
    lines.push(`For '${where}', ${rubyValue(value)} is not ${[...new Set(types)].map(withArticle).join(' or ')}.`);
  }
  // A oneOf that failed without a clearer error below it still has to say something.
  if (lines.length === 0) lines.push(...errors.map((error) => `For '${location(error.instancePath)}', ${rubyValue(error.data)} ${error.message}.`));
  return [...new Set(lines)];
}

/** Where a problem is, the way GitHub names it: the body's schema pointer, or the query or path parameter. */
function location(instancePath: string): string {
  const [, part, ...rest] = instancePath.split('/');
  if (part !== 'requestBody') return [part, ...rest].join('/');
  if (rest.length === 0) return 'links/0/schema';
  return rest.map((segment) => (/^\d+$/.test(segment) ? 'items' : `properties/${segment}`)).join('/');
}

/** Values as GitHub (a Ruby service) prints them in these messages: `nil`, quoted strings. */
function rubyValue(value: unknown): string {
  return value === null || value === undefined ? 'nil' : JSON.stringify(value);
}

function withArticle(type: string): string {
  if (type === 'null') return 'null';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
