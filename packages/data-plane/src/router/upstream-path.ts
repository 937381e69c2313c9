// The upstream path: service.path + route path + request path, exactly as Kong builds it
// (kong/router/utils.lua get_upstream_uri_v0; v1 from the traditional router's find_match).
// Golden table: upstream-path.test.ts (Kong's spec/fixtures/router_path_handling_tests.lua).

export type PathHandling = 'v0' | 'v1';

const SLASH = 47;

/** Kong's sanitize_uri_postfix: a postfix of `.`/`..` is empty; a leading `./` or `../` is dropped. */
export function sanitizePostfix(postfix: string): string {
  if (postfix === '.' || postfix === '..') return '';
  if (postfix.startsWith('./')) return postfix.slice(2);
  if (postfix.startsWith('../')) return postfix.slice(3);
  return postfix;
}

/**
 * Builds the upstream path (no query).
 * @param base service.path, or '/' when null
 * @param req the normalized request path
 * @param prefix what the route's path matched (prefix or regex match), or null for host/method-only
 *   matches; it is stripped only when `stripPath` is set.
 * @example upstreamPath('/srv', '/roureq', '/rou', true, 'v0') // '/srv/req'
 */
export function upstreamPath(base: string, req: string, prefix: string | null, stripPath: boolean, handling: PathHandling): string {
  const postfix = sanitizePostfix(stripPath && prefix !== null ? req.slice(prefix.length) : req.slice(1));
  const baseEndsWithSlash = base.charCodeAt(base.length - 1) === SLASH;
  if (handling === 'v1') {
    if (!stripPath) return base + req.slice(1);
    return baseEndsWithSlash && postfix.charCodeAt(0) === SLASH ? base + postfix.slice(1) : base + postfix;
  }
  if (baseEndsWithSlash) {
    if (!stripPath) return base + req.slice(1);
    if (postfix === '') {
      if (base === '/') return '/';
      return req.charCodeAt(req.length - 1) === SLASH ? base : base.slice(0, -1);
    }
    return postfix.charCodeAt(0) === SLASH ? base.slice(0, -1) + postfix : base + postfix;
  }
  if (!stripPath) return req === '/' ? base : base + req;
  if (postfix === '') return req.length > 1 && req.charCodeAt(req.length - 1) === SLASH ? base + '/' : base;
  return postfix.charCodeAt(0) === SLASH ? base + postfix : base + '/' + postfix;
}
