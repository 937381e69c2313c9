import { StringEnum, Type, type Static } from '@gatehouse/schema';

// Kong's response-transformer config (kong/plugins/response-transformer/schema.lua;
// specs/kong-plugins/3.15/ResponseTransformer.json). Items are "name:value", split at the first
// colon like request-transformer's.

const HEADER_NAME = '[A-Za-z0-9!#$%&\'*+.^_`|~-]+';
const HEADER_VALUE = '[^\\u0000-\\u0008\\u000A-\\u001F\\u007F]*';

const list = (pattern: string | null, description: string) => Type.Array(pattern === null ? Type.String() : Type.String({ pattern }), { default: [], description });
const jsonTypes = Type.Array(StringEnum(['boolean', 'number', 'string'] as const), { default: [], description: 'Type of the i-th JSON value: boolean, number or string (default).' });

const HEADER_PAIR = `^${HEADER_NAME}:${HEADER_VALUE}$`;
const JSON_PAIR = '^[^:]+:[\\s\\S]*$';

/** Config of the response-transformer plugin, with Kong's defaults. */
export const responseTransformerSchema = Type.Object(
  {
    remove: Type.Object({ headers: list(`^${HEADER_NAME}$`, 'Header names to remove.'), json: list(null, 'Top-level JSON keys to remove.') }, { additionalProperties: false, default: {} }),
    rename: Type.Object({ headers: list(`^${HEADER_NAME}:${HEADER_NAME}$`, '"old:new" header renames.'), json: list(JSON_PAIR, '"old:new" JSON key renames.') }, { additionalProperties: false, default: {} }),
    replace: Type.Object({ headers: list(HEADER_PAIR, '"name:value" headers to replace when present.'), json: list(JSON_PAIR, '"key:value" JSON keys to replace when present.'), json_types: jsonTypes }, { additionalProperties: false, default: {} }),
    add: Type.Object({ headers: list(HEADER_PAIR, '"name:value" headers to add when absent.'), json: list(JSON_PAIR, '"key:value" JSON keys to add when absent.'), json_types: jsonTypes }, { additionalProperties: false, default: {} }),
    append: Type.Object({ headers: list(HEADER_PAIR, '"name:value" header lines to append.'), json: list(JSON_PAIR, '"key:value" JSON values to append (the key becomes an array).'), json_types: jsonTypes }, { additionalProperties: false, default: {} }),
  },
  { additionalProperties: false, default: {} },
);
export type ResponseTransformerConfig = Static<typeof responseTransformerSchema>;
