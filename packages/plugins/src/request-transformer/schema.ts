import { Type, type FieldError, type Static } from '@gatehouse/schema';
import { compileTemplate } from './template.ts';

// Kong's request-transformer config (kong/plugins/request-transformer/schema.lua; Konnect's JSON
// schema in specs/kong-plugins/3.15/RequestTransformer.json). Kong splits every "name:value" item at the
// first colon and skips the colons that follow (`^([^:]+):*(.-)$`), so `h:a:b` is `h` = `a:b`.

// kong/tools/http.lua validate_header_name: letters, digits, '-' and '_'.
const HEADER_NAME = '[A-Za-z0-9_-]+';
// Header values: no control characters but HTAB (RFC 9110 §5.5 field-value).
const HEADER_VALUE = '[^\\u0000-\\u0008\\u000A-\\u001F\\u007F]*';

const array = (pattern: string | null, description: string) =>
  Type.Array(pattern === null ? Type.String() : Type.String({ pattern }), { default: [], description });

/** remove: plain names; a header name is checked up to its first colon, as Kong does. */
const removeSchema = Type.Object(
  {
    body: array(null, 'Body parameter names to remove.'),
    headers: array(`^${HEADER_NAME}(:[\\s\\S]*)?$`, 'Header names to remove.'),
    querystring: array(null, 'Query argument names to remove.'),
  },
  { additionalProperties: false, default: {} },
);

// body and querystring pairs: a name and a non-empty value (Kong's check_for_value).
const PAIR = '^[^:]+:+[^:][\\s\\S]*$';
// header pairs: a valid header name and a valid header value (which may be empty).
const HEADER_PAIR = `^${HEADER_NAME}:${HEADER_VALUE}$`;
// header renames: both sides valid header names.
const HEADER_RENAME = `^${HEADER_NAME}:+${HEADER_NAME}$`;

const pairs = (what: string) => ({
  body: array(PAIR, `"name:value" pairs of body parameters to ${what}.`),
  headers: array(HEADER_PAIR, `"name:value" pairs of headers to ${what}.`),
  querystring: array(PAIR, `"name:value" pairs of query arguments to ${what}.`),
});

const renameSchema = Type.Object(
  {
    body: array(PAIR, '"old:new" body parameter renames.'),
    headers: array(HEADER_RENAME, '"old:new" header renames.'),
    querystring: array(PAIR, '"old:new" query argument renames.'),
  },
  { additionalProperties: false, default: {} },
);

const replaceSchema = Type.Object(
  { ...pairs('replace when present'), uri: Type.Optional(Type.String({ description: 'New upstream path (a template).' })) },
  { additionalProperties: false, default: {} },
);

/** Config of the request-transformer plugin, with Kong's defaults. */
export const requestTransformerSchema = Type.Object(
  {
    // typedefs.http_method: uppercase letters only.
    http_method: Type.Optional(Type.String({ pattern: '^[A-Z]+$', description: 'Upstream request method, such as GET or POST; uppercase letters only.' })),
    remove: removeSchema,
    rename: renameSchema,
    replace: replaceSchema,
    add: Type.Object(pairs('add when absent'), { additionalProperties: false, default: {} }),
    append: Type.Object(pairs('append'), { additionalProperties: false, default: {} }),
  },
  { additionalProperties: false, default: {} },
);
export type RequestTransformerConfig = Static<typeof requestTransformerSchema>;

/** Splits a config item like Kong: name before the first colon, value after the colons that follow. */
export function splitPair(item: string): [name: string, value: string] {
  const colon = item.indexOf(':');
  if (colon === -1) return [item, ''];
  let start = colon + 1;
  while (item.charCodeAt(start) === 58 /* ':' */) start++;
  return [item.slice(0, colon), item.slice(start)];
}

const TEMPLATED = ['replace', 'add', 'append'] as const;
const PARTS = ['body', 'headers', 'querystring'] as const;

/**
 * The refinement JSON Schema cannot express: every value template must compile (Kong compiles them
 * in the schema, too). Returns one error per bad item.
 * @example refineRequestTransformer({ ...config, add: { headers: ['x:$(nope'] } }) // [{ field: 'add.headers.0', ... }]
 */
export function refineRequestTransformer(config: RequestTransformerConfig): FieldError[] {
  const errors: FieldError[] = [];
  const check = (field: string, source: string) => {
    try {
      compileTemplate(source);
    } catch (error) {
      errors.push({ field, rule: 'invalid', reason: `value '${source}' is not in supported format, error: ${(error as Error).message}` });
    }
  };
  for (const op of TEMPLATED) {
    for (const part of PARTS) config[op][part].forEach((item, i) => check(`${op}.${part}.${i}`, splitPair(item)[1]));
  }
  if (config.replace.uri !== undefined) check('replace.uri', config.replace.uri);
  return errors;
}
