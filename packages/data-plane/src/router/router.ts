import type { Route } from '@gatehouse/schema';
import { DP_ERRORS, DataPlaneError } from '../errors.ts';
import { compileHosts, matchHosts, type HostMatcher } from './hosts.ts';

// A first router: Kong's traditional_compatible priority (reference §1.5) over a sorted list, tried
// in order. Pure: no I/O, no node:http. The full router (Kong's ATC-style index, expressions, stream
// routes) replaces the linear scan behind the same `createRouter`/`match` API.
//
// Order, highest first: the compat key (match weight, plain hosts only, header count, regex path,
// regex_priority, prefix length), then the reference's tie breaks: a host with an explicit port, the
// traditional category (host > headers > paths > methods > snis), older created_at, larger id.

/** Request facts the router looks at. `path` is the normalized path (see normalize.ts). */
export interface MatchInput {
  method: string;
  /** Lower-case host without port. */
  host: string;
  /** Host header port, else the listening port. */
  port: number;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface RouteMatch<T> {
  route: Route;
  payload: T;
  /** What the route path matched (for strip_path), or null when the route has no paths. */
  prefix: string | null;
  /** Regex captures ('0' = whole match, numbered, named), or null without capture groups. */
  captures: Record<string, string | undefined> | null;
}

export interface Router<T> {
  match(input: MatchInput): RouteMatch<T> | null;
  readonly size: number;
}

interface PathMatcher {
  source: string;
  prefix: string | null;
  regex: RegExp | null;
}

interface HeaderMatcher {
  name: string;
  values: Set<string> | null;
  regex: RegExp | null;
}

interface Entry<T> {
  route: Route;
  payload: T;
  hosts: HostMatcher[] | null;
  methods: Set<string> | null;
  headers: HeaderMatcher[] | null;
  path: PathMatcher | null;
  key: number[];
}

const isSet = (v: unknown[] | Record<string, unknown> | null): boolean => v !== null && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

function compilePath(source: string, routeId: string): PathMatcher {
  if (!source.startsWith('~')) return { source, prefix: source, regex: null };
  // Kong compat anchors at the start only and accepts PCRE's (?P<name>) groups.
  const pattern = '^' + source.slice(1).replaceAll('(?P<', '(?<');
  try {
    return { source, prefix: null, regex: new RegExp(pattern) };
  } catch (error) {
    throw new DataPlaneError(DP_ERRORS.ROUTE_REGEX_INVALID, `route ${routeId}: invalid regex path '${source}': ${(error as Error).message}`);
  }
}

function compileHeaders(headers: Route['headers']): HeaderMatcher[] | null {
  if (headers === null || Object.keys(headers).length === 0) return null;
  return Object.entries(headers).map(([name, values]) => {
    const isRegex = values.length === 1 && values[0].startsWith('~*');
    return {
      name: name.toLowerCase(),
      values: isRegex ? null : new Set(values.map((v) => v.toLowerCase())),
      regex: isRegex ? new RegExp(values[0].slice(2), 'i') : null,
    };
  });
}

function entryKey(route: Route, hosts: HostMatcher[] | null, path: PathMatcher | null): number[] {
  const has = { methods: isSet(route.methods), hosts: isSet(route.hosts), headers: isSet(route.headers), snis: isSet(route.snis), paths: path !== null };
  const weight = Number(has.methods) + Number(has.hosts) + Number(has.headers) + Number(has.snis) + Number(has.paths);
  const isPlainHostOnly = route.hosts !== null && route.hosts.every((h) => !h.includes('*'));
  const headerCount = route.headers === null ? 0 : Math.min(255, Object.keys(route.headers).length);
  const isRegex = path !== null && path.regex !== null;
  const category = (has.hosts ? 0x40 : 0) | (has.headers ? 0x20 : 0) | (has.paths ? 0x10 : 0) | (has.methods ? 0x08 : 0) | (has.snis ? 0x04 : 0);
  const hasPortHost = hosts !== null && hosts.some((h) => h.port !== null);
  return [weight, Number(isPlainHostOnly), headerCount, Number(isRegex), isRegex ? route.regex_priority : 0, path?.prefix?.length ?? 0, Number(hasPortHost), category, -route.created_at];
}

function compare<T>(a: Entry<T>, b: Entry<T>): number {
  for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return b.key[i] - a.key[i];
  return a.route.id < b.route.id ? 1 : a.route.id > b.route.id ? -1 : 0;
}

/**
 * Compiles routes (one entry per path, as Kong splits them) into a router. Throws
 * `ERR_DP_ROUTE_REGEX_INVALID` for a bad regex path.
 * @example createRouter([{ route, payload }]).match({ method: 'GET', host: 'a.test', port: 80, path: '/x', headers: {} })
 */
export function createRouter<T>(routes: Array<{ route: Route; payload: T }>): Router<T> {
  const entries: Entry<T>[] = [];
  for (const { route, payload } of routes) {
    const hosts = isSet(route.hosts) ? compileHosts(route.hosts as string[]) : null;
    const methods = isSet(route.methods) ? new Set(route.methods) : null;
    const headers = compileHeaders(route.headers);
    const paths = isSet(route.paths) ? (route.paths as string[]).map((p) => compilePath(p, route.id)) : [null];
    for (const path of paths) entries.push({ route, payload, hosts, methods, headers, path, key: entryKey(route, hosts, path) });
  }
  entries.sort(compare);
  return {
    size: entries.length,
    match: (input) => {
      for (let i = 0; i < entries.length; i++) {
        const m = tryEntry(entries[i], input);
        if (m !== null) return m;
      }
      return null;
    },
  };
}

function headersMatch(matchers: HeaderMatcher[], headers: MatchInput['headers']): boolean {
  for (const m of matchers) {
    const got = headers[m.name];
    if (got === undefined) return false;
    const values = Array.isArray(got) ? got : [got];
    let ok = false;
    for (const v of values) if (m.regex !== null ? m.regex.test(v) : m.values!.has(v.toLowerCase())) ok = true;
    if (!ok) return false;
  }
  return true;
}

function tryEntry<T>(e: Entry<T>, input: MatchInput): RouteMatch<T> | null {
  if (e.methods !== null && !e.methods.has(input.method)) return null;
  if (e.hosts !== null && !matchHosts(e.hosts, input.host, input.port)) return null;
  if (e.headers !== null && !headersMatch(e.headers, input.headers)) return null;
  if (e.path === null) return { route: e.route, payload: e.payload, prefix: null, captures: null };
  if (e.path.prefix !== null) {
    // '/v1' matches '/v1', '/v1/a' and '/v1abc': Kong's prefixes are not segment-aware.
    if (!input.path.startsWith(e.path.prefix)) return null;
    return { route: e.route, payload: e.payload, prefix: e.path.prefix, captures: null };
  }
  const m = e.path.regex!.exec(input.path);
  if (m === null) return null;
  let captures: Record<string, string | undefined> | null = null;
  if (m.length > 1) {
    captures = { ...m.groups };
    for (let i = 0; i < m.length; i++) captures[i] = m[i];
  }
  return { route: e.route, payload: e.payload, prefix: m[0], captures };
}
