import { StringEnum, Type, type FieldError, type Static } from '@gatehouse/schema';

// Kong's cors config (kong/plugins/cors/schema.lua; specs/kong-plugins/3.15/Cors.json).

const METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const;

/** Config of the cors plugin, with Kong's defaults. */
export const corsSchema = Type.Object(
  {
    origins: Type.Optional(Type.Array(Type.String(), { description: 'Allowed origins: literal origins, PCRE regexes or `*`. Empty allows all.' })),
    headers: Type.Optional(Type.Array(Type.String(), { description: 'Value of `Access-Control-Allow-Headers`.' })),
    exposed_headers: Type.Optional(Type.Array(Type.String(), { description: 'Value of `Access-Control-Expose-Headers`.' })),
    // Kong's default order (schema.lua), which is the order of the Allow-Methods header.
    methods: Type.Array(StringEnum(METHODS), { default: [...METHODS], description: 'Value of `Access-Control-Allow-Methods`.' }),
    max_age: Type.Optional(Type.Number({ description: 'Seconds a preflight result may be cached (`Access-Control-Max-Age`).' })),
    credentials: Type.Boolean({ default: false, description: 'Send `Access-Control-Allow-Credentials: true`.' }),
    private_network: Type.Boolean({ default: false, description: 'Send `Access-Control-Allow-Private-Network: true` when requested.' }),
    preflight_continue: Type.Boolean({ default: false, description: 'Proxy preflight requests to the upstream.' }),
    allow_origin_absent: Type.Boolean({ default: true, description: 'Add CORS headers when the request has no Origin.' }),
  },
  { additionalProperties: false, default: {} },
);
export type CorsConfig = Static<typeof corsSchema>;

// An origin entry with a character outside this set is a regex (kong/plugins/cors/handler.lua).
export const LITERAL_ORIGIN = /^[A-Za-z0-9.:/-]+$/;

/**
 * Kong's origin regexes are PCRE anchored at the start, with `$` appended unless present.
 * `(?P<name>` is accepted as in PCRE.
 * @example compileOriginRegex('^https?://.*\\.example\\.com') // /^(?:https?:\/\/.*\.example\.com$)/
 */
export function compileOriginRegex(entry: string): RegExp {
  let source = entry.startsWith('^') ? entry.slice(1) : entry;
  if (!source.endsWith('$')) source += '$';
  return new RegExp(`^(?:${source.replaceAll('(?P<', '(?<')})`);
}

/** Kong validates every origin that is not `*` as a regex. */
export function refineCors(config: CorsConfig): FieldError[] {
  const errors: FieldError[] = [];
  (config.origins ?? []).forEach((origin, i) => {
    if (origin === '*' || LITERAL_ORIGIN.test(origin)) return;
    try {
      compileOriginRegex(origin);
    } catch (error) {
      errors.push({ field: `origins.${i}`, rule: 'invalid', reason: `'${origin}' is not a valid regex: ${(error as Error).message}` });
    }
  });
  return errors;
}
