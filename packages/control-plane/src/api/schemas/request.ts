import { isUuid, validate, type FieldError, type Static, type TSchema } from '@gatehouse/schema';
import { ProblemError, invalidParameters } from '../errors.ts';

// Konnect-native request reading (reference/konnect-api.md §1.3–§1.4): JSON bodies checked against
// their schema, path ids, and list queries with `page[size]`, `page[number]` and deepObject filters
// `filter[field][op]=value`. Fastify hands us the flat keys ('filter[name][eq]').

/** Unpublished by Konnect (§9.8): the spec's examples use 10; decK notes a maximum of 100. */
export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;

export interface Page {
  number: number;
  size: number;
  offset: number;
}

export type Query = Record<string, unknown>;

function pageParam(query: Query, key: string, fallback: number, maximum: number | undefined, errors: FieldError[]): number {
  const raw = query[key];
  // `allowEmptyValue: true` in the spec: `page[size]=` means the default.
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw)) {
    errors.push({ field: key, rule: 'is_integer', reason: `${key} must be an integer number` });
    return fallback;
  }
  const value = Number(raw);
  if (value < 1) errors.push({ field: key, rule: 'min', minimum: 1, reason: `${key} must be greater than or equal to 1` });
  else if (maximum !== undefined && value > maximum) errors.push({ field: key, rule: 'max', maximum, reason: `${key} must be less than or equal to ${maximum}` });
  return value;
}

/**
 * Reads `page[size]` and `page[number]` (1-based), pushing errors for bad values.
 * @example readPage({ 'page[size]': '2', 'page[number]': '3' }, []) // { number: 3, size: 2, offset: 4 }
 */
export function readPage(query: Query, errors: FieldError[]): Page {
  const size = pageParam(query, 'page[size]', DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, errors);
  const number = pageParam(query, 'page[number]', 1, undefined, errors);
  return { number, size, offset: (number - 1) * size };
}

/** Operators given per filtered field: `{ name: { eq: 'a', contains: 'b' } }`. */
export type Filters = Record<string, Record<string, string>>;

const FILTER_KEY = /^filter\[([^\]]*)\](?:\[([^\]]*)\])?$/;

/**
 * Collects `filter[...]` keys, allowing only the listed fields and operators. The bare form
 * `filter[name]=x` means `eq` (§1.4), so `eq` must be allowed for it.
 * @example readFilters({ 'filter[name]': 'a' }, { name: ['eq'] }, []) // { name: { eq: 'a' } }
 */
export function readFilters(query: Query, allowed: Record<string, readonly string[]>, errors: FieldError[]): Filters {
  const filters: Filters = {};
  for (const [key, raw] of Object.entries(query)) {
    if (!key.startsWith('filter')) continue;
    const match = FILTER_KEY.exec(key);
    const field = match?.[1];
    if (!match || field === undefined || !Object.hasOwn(allowed, field)) {
      errors.push({ field: key, rule: 'unknown_property', reason: `${key} is not a supported filter; filter by: ${Object.keys(allowed).join(', ')}` });
      continue;
    }
    const op = match[2] ?? 'eq';
    if (!allowed[field].includes(op)) {
      errors.push({ field: key, rule: 'enum', choices: [...allowed[field]], reason: `filter[${field}] supports the operators: ${allowed[field].join(', ')}` });
      continue;
    }
    if (typeof raw !== 'string') {
      errors.push({ field: key, rule: 'is_string', reason: `${key} must be given once, as a string` });
      continue;
    }
    (filters[field] ??= {})[op] = raw;
  }
  return filters;
}

/** `a,b` → ['a', 'b'] (the `oeq` list form). */
export const splitList = (value: string): string[] => value.split(',').map((v) => v.trim()).filter((v) => v !== '');

/** Throws the Konnect 400 when any query parameter was bad. */
export function assertNoQueryErrors(errors: FieldError[]): void {
  if (errors.length > 0) throw invalidParameters(errors, 'Invalid query parameters');
}

/** Konnect's page envelope. */
export const pageMeta = (page: Page, total: number) => ({ page: { number: page.number, size: page.size, total } });

/**
 * Validates a JSON body against a request schema; throws Konnect's 400 listing every bad field.
 * @example readBody(createControlPlaneSchema, { name: 'a' }) // throws: name min_length
 */
export function readBody<S extends TSchema>(schema: S, body: unknown): Static<S> {
  const result = validate(schema, body);
  if (result.ok) return result.value;
  throw bodyError(result.errors);
}

/** The 400 for body field errors; the detail names the commonest cause as Konnect's examples do. */
export function bodyError(errors: FieldError[]): ProblemError {
  // A root-level fault (no body, an array, a string) is about the body itself.
  const named = errors.map((e) => (e.field === '' ? { ...e, field: 'body', reason: e.reason.replace(/^body\b/, 'request body') } : e));
  const detail = named.every((e) => e.rule === 'unknown_property') ? 'Request contains unknown property' : 'Invalid Parameters';
  return invalidParameters(named, detail);
}

/** Path ids are UUIDs (spec `format: uuid`); anything else is Konnect's "invalid ID format" 400. */
export function assertUuid(id: string, field = 'id'): void {
  if (!isUuid(id)) throw invalidParameters([{ field, rule: 'is_uuid', reason: 'invalid ID format' }], 'Request contains invalid ID format');
}

/**
 * Route `preValidation` hook: Fastify also parses text/plain bodies, but these APIs take JSON only
 * (spec: "This API only supports requests with `Content-Type: application/json`").
 */
export async function requireJsonBody(request: { headers: Record<string, string | string[] | undefined> }): Promise<void> {
  const type = request.headers['content-type'];
  if (type === undefined) return;
  const mediaType = String(type).split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json') throw new ProblemError(415, 'This API only supports requests with `Content-Type: application/json`');
}
