// Query-string helpers with the semantics of Kong's PDK (`kong.request.get_query`,
// `kong.service.request.set_query`), so that plugins rewrite queries exactly as Kong does.

/** A decoded query argument: a value, `true` for a bare key (`?debug`), or every value of a repeated key. */
export type QueryValue = string | true | Array<string | true>;
export type QueryArgs = Record<string, QueryValue>;

const decode = (s: string): string => {
  const plus = s.includes('+') ? s.replaceAll('+', ' ') : s;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    // Like ngx.unescape_uri, keep malformed escapes as they are.
    return plus;
  }
};

/**
 * Decodes a raw query string (no leading `?`) like `ngx.decode_args`.
 * @example parseQuery('a=1&a=2&b&c=x%20y') // { a: ['1', '2'], b: true, c: 'x y' }
 */
export function parseQuery(raw: string | null): QueryArgs {
  const args: QueryArgs = Object.create(null);
  if (!raw) return args;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode(eq === -1 ? part : part.slice(0, eq));
    if (key === '') continue;
    const value: string | true = eq === -1 ? true : decode(part.slice(eq + 1));
    const prev = args[key];
    if (prev === undefined) args[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else args[key] = [prev, value];
  }
  return args;
}

// ngx.escape_uri keeps only unreserved characters (RFC 3986 §2.3).
const escape = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Encodes arguments like Kong's `set_query`: keys sorted, repeated keys for arrays, bare keys for `true`.
 * @example encodeQuery({ b: '2', a: ['x y', true] }) // 'a=x%20y&a&b=2'
 */
export function encodeQuery(args: QueryArgs): string {
  const keys = Object.keys(args).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const value = args[key];
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) parts.push(v === true ? escape(key) : `${escape(key)}=${escape(v)}`);
  }
  return parts.join('&');
}
