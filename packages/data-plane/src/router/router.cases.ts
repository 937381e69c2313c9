import { routeSchema, validate, type Route } from '@gatehouse/schema';

// The shared router suite (reference §1.2-1.6, Appendices A-B): each case lists routes, one request
// and the route that must win, and optionally what the route path consumed, the regex captures and
// the upstream path. router.test.ts runs it against the router alone; test/router/router-e2e.test.ts
// runs it through the data plane to a real upstream (cases it cannot drive there say why in
// `routerOnly`). Routes get ids and created_at in list order, so ties break the same way in both.

export type RouteSpec = Partial<Omit<Route, 'name'>> & { name: string };

export interface CaseRequest {
  method?: string;
  /** The Host header as sent, port included when any. */
  host: string;
  /** The raw request target path, query allowed. */
  path: string;
  headers?: Record<string, string | string[]>;
  /** Router-only inputs: TLS facts and addresses. */
  scheme?: 'http' | 'https';
  sni?: string | null;
  sourceIp?: string;
  sourcePort?: number;
}

export interface RouterCase {
  name: string;
  routes: RouteSpec[];
  request: CaseRequest;
  /** The winning route's name, or null for no match (404 end to end). */
  expect: string | null;
  /** What the route path matched (RouteMatch.prefix). */
  prefix?: string | null;
  captures?: Record<string, string | undefined> | null;
  /** The expected route's service.path, for `upstreamPath` (default '/_<route name>'). */
  servicePath?: string;
  /** The path (no query) the upstream must receive. */
  upstreamPath?: string;
  /** Why the case cannot run end to end. */
  routerOnly?: string;
}

/** Listening port the router suite assumes when the Host header carries none. */
export const LISTEN_PORT = 8000;

/** Routes of a case with Kong's defaults, ids and created_at ascending in list order. */
export function caseRoutes(c: RouterCase): Route[] {
  return c.routes.map((spec, i) => {
    const n = String(i + 1).padStart(12, '0');
    const r = validate(routeSchema, { id: `00000000-0000-4000-8000-${n}`, created_at: 1_000 + i, updated_at: 1_000 + i, ...spec });
    if (!r.ok) throw new Error(`case '${c.name}': ${JSON.stringify(r.errors)}`);
    return r.value;
  });
}

const get = (path: string, host = 'example.test'): CaseRequest => ({ host, path });

const NO_LISTEN_PORT = 'needs the implicit listening port to be 8000';
const NO_TLS = 'needs a TLS listener (SNI)';

export const ROUTER_CASES: RouterCase[] = [
  // Paths (§1.3): plain prefixes, not segment-aware; longer prefix wins at equal weight.
  { name: 'the root prefix catches everything', routes: [{ name: 'root', paths: ['/'] }], request: get('/anything'), expect: 'root', prefix: '/', upstreamPath: '/_root/anything' },
  { name: 'a longer prefix wins', routes: [{ name: 'v1', paths: ['/v1'] }, { name: 'v1-users', paths: ['/v1/users'] }], request: get('/v1/users/7'), expect: 'v1-users', prefix: '/v1/users', upstreamPath: '/_v1-users/7' },
  { name: 'prefixes are not segment-aware', routes: [{ name: 'route', paths: ['/route'] }], request: get('/routereq'), expect: 'route', upstreamPath: '/_route/req' },
  { name: 'paths are case-sensitive', routes: [{ name: 'lower', paths: ['/abc'] }], request: get('/ABC'), expect: null },
  { name: 'no route answers 404', routes: [{ name: 'a', paths: ['/a'] }], request: get('/b'), expect: null },
  // Regex paths: anchored at the start only, captures from the normalized path.
  {
    name: 'a regex beats a prefix of the same weight',
    routes: [{ name: 'long-prefix', paths: ['/items/42/x'] }, { name: 'regex', paths: ['~/items/(?<id>\\d+)'] }],
    request: get('/items/42/x'),
    expect: 'regex',
    prefix: '/items/42',
    captures: { 0: '/items/42', 1: '42', id: '42' },
    upstreamPath: '/_regex/x',
  },
  { name: 'a regex is anchored at the start only', routes: [{ name: 'root', paths: ['/'] }, { name: 'regex', paths: ['~/items/\\d+$'] }], request: get('/x/items/42'), expect: 'root' },
  { name: 'a regex is not anchored at the end', routes: [{ name: 'regex', paths: ['~/items/\\d+'] }], request: get('/items/42abc'), expect: 'regex', prefix: '/items/42', captures: null, upstreamPath: '/_regex/abc' },
  { name: "PCRE's (?P<name>) groups are accepted", routes: [{ name: 'pcre', paths: ['~/u/(?P<user>[a-z]+)/(\\d+)'] }], request: get('/u/ann/7'), expect: 'pcre', captures: { 0: '/u/ann/7', 1: 'ann', 2: '7', user: 'ann' } },
  { name: 'an optional literal does not hide a regex', routes: [{ name: 'opt', paths: ['~/colou?r$'] }], request: get('/color'), expect: 'opt' },
  { name: 'an alternation is tried on every path', routes: [{ name: 'alt', paths: ['~/a|/b'] }], request: get('/x/b'), expect: 'alt' },
  {
    name: 'regex_priority orders regex routes',
    routes: [{ name: 'low', paths: ['~/a'], regex_priority: 1 }, { name: 'high', paths: ['~/a/b'], regex_priority: 5 }],
    request: get('/a/b'),
    expect: 'high',
  },
  {
    name: 'regex_priority never lifts a regex over more fields',
    routes: [{ name: 'host-path', hosts: ['example.test'], paths: ['/a'] }, { name: 'regex', paths: ['~/a'], regex_priority: 100 }],
    request: get('/a'),
    expect: 'host-path',
  },
  { name: 'a negative regex_priority still beats a prefix', routes: [{ name: 'prefix', paths: ['/abcdef'] }, { name: 'regex', paths: ['~/abc'], regex_priority: -5 }], request: get('/abcdef'), expect: 'regex' },
  // Multi-path routes are split (Appendix A).
  {
    name: 'each path of a route ranks by its own length',
    routes: [{ name: 'multi', paths: ['/a', '/bbbbbbb'] }, { name: 'mid', paths: ['/bbbb'] }],
    request: get('/bbbbbbb/x'),
    expect: 'multi',
  },
  { name: 'the short path of a split route loses to a longer one', routes: [{ name: 'multi', paths: ['/a', '/bbbbbbb'] }, { name: 'mid', paths: ['/bbbb'] }], request: get('/bbbb/x'), expect: 'mid' },
  { name: 'a route mixing regex and prefix paths', routes: [{ name: 'mixed', paths: ['~/r/\\d+', '/p'] }, { name: 'other', paths: ['/r/1/deeper'] }], request: get('/r/1/deeper'), expect: 'mixed' },
  // Normalization before matching (§1.2).
  { name: 'dot segments are removed before matching', routes: [{ name: 'v1', paths: ['/v1'] }, { name: 'users', paths: ['/v1/users'] }], request: get('/v1/x/../users/7'), expect: 'users', upstreamPath: '/_users/7' },
  { name: 'repeated slashes are merged', routes: [{ name: 'users', paths: ['/v1/users'] }], request: get('//v1///users'), expect: 'users', upstreamPath: '/_users' },
  { name: 'unreserved escapes are decoded', routes: [{ name: 'tilde', paths: ['/~user'] }], request: get('/%7euser/x'), expect: 'tilde', upstreamPath: '/_tilde/x' },
  { name: 'an encoded slash stays encoded', routes: [{ name: 'v1', paths: ['/v1'] }, { name: 'users', paths: ['/v1/users'] }], request: get('/v1%2fusers'), expect: 'v1', upstreamPath: '/_v1/%2Fusers' },
  { name: 'regex captures come from the normalized path', routes: [{ name: 'regex', paths: ['~/items/(?<id>\\d+)$'] }], request: get('/items/%34%32'), expect: 'regex', captures: { 0: '/items/42', 1: '42', id: '42' } },
  { name: 'the query is not part of the path', routes: [{ name: 'exact', paths: ['~/q$'] }], request: get('/q?x=/y'), expect: 'exact', upstreamPath: '/_exact' },
  // Hosts (§1.3).
  { name: 'a plain host alone beats any single path', routes: [{ name: 'path', paths: ['/x'] }, { name: 'host', hosts: ['api.test'] }], request: get('/x', 'api.test'), expect: 'host', prefix: null, upstreamPath: '/_host/x' },
  { name: 'host + path beats host alone', routes: [{ name: 'host', hosts: ['api.test'] }, { name: 'host-path', hosts: ['api.test'], paths: ['/v1'] }], request: get('/v1/x', 'api.test'), expect: 'host-path' },
  { name: 'hosts compare case-insensitively', routes: [{ name: 'host', hosts: ['api.test'] }], request: get('/', 'API.Test'), expect: 'host' },
  { name: 'a portless route host matches any port', routes: [{ name: 'host', hosts: ['api.test'] }], request: get('/', 'api.test:9999'), expect: 'host' },
  { name: 'another host does not match', routes: [{ name: 'host', hosts: ['api.test'] }], request: get('/', 'other.test'), expect: null },
  { name: 'a leading wildcard matches subdomains', routes: [{ name: 'wild', hosts: ['*.wild.test'] }], request: get('/', 'a.b.wild.test'), expect: 'wild' },
  { name: 'a leading wildcard does not match the apex', routes: [{ name: 'wild', hosts: ['*.wild.test'] }], request: get('/', 'wild.test'), expect: null },
  { name: 'a trailing wildcard matches any suffix', routes: [{ name: 'shop', hosts: ['shop.*'] }], request: get('/', 'shop.example.org'), expect: 'shop' },
  { name: 'a plain host beats a wildcard host', routes: [{ name: 'wild', hosts: ['*.api.test'] }, { name: 'plain', hosts: ['v1.api.test'] }], request: get('/', 'v1.api.test'), expect: 'plain' },
  { name: 'a path route outranks a wildcard-host-only route', routes: [{ name: 'wild', hosts: ['*.wild.test'] }, { name: 'path', paths: ['/x'] }], request: get('/x', 'a.wild.test'), expect: 'path' },
  { name: 'a port-specific host needs that port', routes: [{ name: 'any', paths: ['/'] }, { name: 'port', hosts: ['ported.test:9000'] }], request: get('/x', 'ported.test:9000'), expect: 'port' },
  { name: 'a port-specific host ignores other ports', routes: [{ name: 'any', paths: ['/'] }, { name: 'port', hosts: ['ported.test:9000'] }], request: get('/x', 'ported.test:9001'), expect: 'any' },
  { name: 'without a Host port the listening port counts', routes: [{ name: 'port', hosts: ['ported.test:8000'] }], request: get('/x', 'ported.test'), expect: 'port', routerOnly: NO_LISTEN_PORT },
  { name: 'a host matched with its port beats the same host without', routes: [{ name: 'portless', hosts: ['domain-1.org'] }, { name: 'ported', hosts: ['domain-1.org:321'] }], request: get('/', 'domain-1.org:321'), expect: 'ported' },
  {
    name: 'the port tie break looks at the host that matched',
    routes: [{ name: 'both', hosts: ['domain-1.org', 'other.org:321'] }, { name: 'ported', hosts: ['domain-1.org:321'] }],
    request: get('/', 'domain-1.org:321'),
    expect: 'ported',
  },
  { name: 'a port-specific wildcard host', routes: [{ name: 'wild', hosts: ['*.wild.test'] }, { name: 'wild-port', hosts: ['*.wild.test:9000'] }], request: get('/', 'a.wild.test:9000'), expect: 'wild-port' },
  // Methods (Appendix B).
  { name: 'methods filter', routes: [{ name: 'any', paths: ['/'] }, { name: 'post', methods: ['POST'], paths: ['/form'] }], request: { host: 'example.test', path: '/form', method: 'POST' }, expect: 'post' },
  { name: 'methods filter out', routes: [{ name: 'any', paths: ['/'] }, { name: 'post', methods: ['POST'], paths: ['/form'] }], request: get('/form'), expect: 'any' },
  {
    name: 'a host route beats path and method routes (Appendix B)',
    routes: [{ name: 'A', hosts: ['domain-1.org', 'domain-2.org'] }, { name: 'B', methods: ['TRACE'] }, { name: 'C', paths: ['/my-route'] }, { name: 'D', hosts: ['domain-1.org', 'domain-2.org'], paths: ['/route-4'] }, { name: 'E', hosts: ['domain-1.org', 'domain-2.org'], methods: ['POST', 'PUT', 'PATCH'] }],
    request: { host: 'domain-2.org', path: '/', method: 'TRACE' },
    expect: 'A',
  },
  {
    name: 'a path route beats a method route (Appendix B)',
    routes: [{ name: 'A', hosts: ['domain-1.org', 'domain-2.org'] }, { name: 'B', methods: ['TRACE'] }, { name: 'C', paths: ['/my-route'] }],
    request: { host: 'domain.org', path: '/my-route', method: 'TRACE' },
    expect: 'C',
  },
  { name: 'method + path beats path', routes: [{ name: 'path', paths: ['/x'] }, { name: 'get-path', methods: ['GET'], paths: ['/x'] }], request: get('/x'), expect: 'get-path' },
  // Headers.
  { name: 'headers add weight', routes: [{ name: 'path', paths: ['/v1'] }, { name: 'header', headers: { 'x-version': ['2'] }, paths: ['/v1'] }], request: { host: 'example.test', path: '/v1', headers: { 'x-version': '2' } }, expect: 'header' },
  { name: 'a missing header falls back', routes: [{ name: 'path', paths: ['/v1'] }, { name: 'header', headers: { 'x-version': ['2'] }, paths: ['/v1'] }], request: { host: 'example.test', path: '/v1', headers: { 'x-version': '3' } }, expect: 'path' },
  { name: 'header names and values compare case-insensitively', routes: [{ name: 'header', headers: { 'X-Tier': ['Gold'] } }], request: { host: 'example.test', path: '/', headers: { 'x-tier': 'GOLD' } }, expect: 'header' },
  { name: 'a ~* header value is a regex', routes: [{ name: 'regex', headers: { 'x-tier': ['~*^gold'] } }], request: { host: 'example.test', path: '/', headers: { 'x-tier': 'Gold-Plus' } }, expect: 'regex' },
  { name: 'a header regex is not anchored', routes: [{ name: 'regex', headers: { 'x-tier': ['~*gold'] } }], request: { host: 'example.test', path: '/', headers: { 'x-tier': 'rose-gold' } }, expect: 'regex' },
  { name: 'one of several header values suffices', routes: [{ name: 'header', headers: { 'x-version': ['1', '2'] } }], request: { host: 'example.test', path: '/', headers: { 'x-version': '2' } }, expect: 'header' },
  {
    name: 'any of repeated request headers may match',
    routes: [{ name: 'header', headers: { 'x-version': ['2'] } }],
    request: { host: 'example.test', path: '/', headers: { 'x-version': ['1', '2'] } },
    expect: 'header',
    routerOnly: 'node:http joins repeated headers into one value',
  },
  { name: 'every configured header must match', routes: [{ name: 'two', headers: { 'x-a': ['1'], 'x-b': ['2'] } }], request: { host: 'example.test', path: '/', headers: { 'x-a': '1' } }, expect: null },
  {
    name: 'the header count beats the path length',
    routes: [{ name: 'one-header', headers: { v: ['1'] }, paths: ['/root/fixture'] }, { name: 'two-headers', headers: { v: ['1'], loc: ['x'] }, paths: ['/root'] }],
    request: { host: 'example.test', path: '/root/fixture', headers: { v: '1', loc: 'x' } },
    expect: 'two-headers',
  },
  // SNIs: ignored on plain http (Kong #6425), compared on TLS.
  { name: 'snis are ignored on plain http', routes: [{ name: 'sni', snis: ['secure.test'], paths: ['/s'] }], request: get('/s'), expect: 'sni' },
  { name: 'a TLS request with the route SNI matches', routes: [{ name: 'path', paths: ['/s'] }, { name: 'sni', snis: ['secure.test'], paths: ['/s'] }], request: { host: 'x.test', path: '/s', scheme: 'https', sni: 'secure.test' }, expect: 'sni', routerOnly: NO_TLS },
  { name: 'a TLS request with another SNI falls back', routes: [{ name: 'path', paths: ['/s'] }, { name: 'sni', snis: ['secure.test'], paths: ['/s'] }], request: { host: 'x.test', path: '/s', scheme: 'https', sni: 'other.test' }, expect: 'path', routerOnly: NO_TLS },
  { name: 'a TLS request without SNI matches no sni route', routes: [{ name: 'sni', snis: ['secure.test'] }], request: { host: 'x.test', path: '/', scheme: 'https', sni: null }, expect: null, routerOnly: NO_TLS },
  { name: 'a wildcard SNI and a trailing dot', routes: [{ name: 'sni', snis: ['*.secure.test.'] }], request: { host: 'x.test', path: '/', scheme: 'https', sni: 'a.secure.test' }, expect: 'sni', routerOnly: NO_TLS },
  // Sources and destinations.
  { name: 'a source CIDR matches the client', routes: [{ name: 'any', paths: ['/'] }, { name: 'local', sources: [{ ip: '127.0.0.0/8' }], paths: ['/'] }], request: get('/'), expect: 'local' },
  { name: 'a source CIDR excludes other clients', routes: [{ name: 'any', paths: ['/'] }, { name: 'ten', sources: [{ ip: '10.0.0.0/8' }], paths: ['/'] }], request: get('/'), expect: 'any' },
  {
    name: 'a source ip and port',
    routes: [{ name: 'src', sources: [{ ip: '192.0.2.7', port: 4000 }] }],
    request: { host: 'example.test', path: '/', sourceIp: '::ffff:192.0.2.7', sourcePort: 4000 },
    expect: 'src',
    routerOnly: 'needs a chosen client address and port',
  },
  // Deterministic tie breaks (§1.5 recommendation).
  { name: 'equal priority: host before method (category order)', routes: [{ name: 'method', methods: ['GET'] }, { name: 'wild', hosts: ['*.t.test'] }], request: get('/', 'a.t.test'), expect: 'wild' },
  { name: 'equal priority: the older route wins', routes: [{ name: 'older', paths: ['/same'] }, { name: 'newer', paths: ['/same'] }], request: get('/same'), expect: 'older' },
  { name: 'equal priority and age: the larger id wins', routes: [{ name: 'small-id', paths: ['/same'], created_at: 5 }, { name: 'large-id', paths: ['/same'], created_at: 5 }], request: get('/same'), expect: 'large-id' },
  // Upstream path (§1.6; the full golden table is upstream-path.test.ts).
  { name: 'strip_path removes the matched prefix', routes: [{ name: 'r', paths: ['/rou'] }], request: get('/roureq?a=1&b'), expect: 'r', servicePath: '/srv', upstreamPath: '/srv/req' },
  { name: 'strip_path false keeps the request path', routes: [{ name: 'r', paths: ['/rou'], strip_path: false }], request: get('/roureq'), expect: 'r', servicePath: '/srv', upstreamPath: '/srv/roureq' },
  { name: 'a service path with a trailing slash', routes: [{ name: 'r', paths: ['/route/'] }], request: get('/route/'), expect: 'r', servicePath: '/service/', upstreamPath: '/service/' },
  { name: 'strip_path removes what a regex consumed', routes: [{ name: 'r', paths: ['~/users/\\d+'] }], request: get('/users/42/x'), expect: 'r', servicePath: '/s', upstreamPath: '/s/x' },
  { name: 'a host-only route appends the whole path', routes: [{ name: 'r', hosts: ['api.test'] }], request: get('/route/', 'api.test'), expect: 'r', servicePath: '/service', upstreamPath: '/service/route/' },
];
