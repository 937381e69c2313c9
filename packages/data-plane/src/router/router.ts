import type { Route } from '@gatehouse/schema';
import { DP_ERRORS, DataPlaneError } from '../errors.ts';
import { compileHosts, type HostMatcher } from './hosts.ts';
import { compareRanked, rankKey } from './priority.ts';
import { RadixNode, childAt, insertPrefix } from './radix.ts';
import { compileHeaders, compileNets, compileSnis, matchesHeaders, matchesNets, matchesSni, type HeaderCondition, type NetCondition, type RequestHeaders, type SniCondition } from './conditions.ts';

// Kong 3.x traditional_compatible routing (reference §1.3-1.5), indexed. Pure: no I/O, no node:http.
//
// Compile: each route becomes entries (one per path, as Kong splits them; and one per host variant,
// port-specific or not, so the port tie break is exact), all ranked by priority.ts. Entries are
// indexed by host (exact map, '*.x' suffix map, 'x.*' prefix map, or host-less), then port, then
// path: a radix tree holding prefix paths under their prefix and regex paths under their literal
// lead ('~/users/\d+' under '/users/'), and a list of path-less entries, all in rank order. Match:
// the best (lowest) rank among the entries of the buckets the request's host and port select whose
// conditions hold. A lookup visits O(path length) tree nodes and stops a list at the first
// candidate ranked below the best so far: its cost does not grow with the number of host, prefix
// or literal-led regex routes. Prefix and path-less results are built at compile time: a match
// allocates nothing unless a regex path has to report what it consumed.

/** Request facts the router looks at. `path` is the normalized path (see normalize.ts). */
export interface MatchInput {
  method: string;
  /** Lower-case host without port. */
  host: string;
  /** Host header port, else the listening port. */
  port: number;
  path: string;
  headers: RequestHeaders;
  /** 'https' when the request came over TLS: only then do route snis apply (Kong #6425). Default 'http'. */
  scheme?: 'http' | 'https';
  /** The TLS server name the client sent, lower-cased; null without one. */
  sni?: string | null;
  /** Client address and port, for route `sources`. */
  sourceIp?: string | null;
  sourcePort?: number | null;
  /** Listener address and port, for route `destinations`. */
  destinationIp?: string | null;
  destinationPort?: number | null;
}

/** A match. Shared between requests for prefix and path-less routes: read it, never mutate it. */
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
  /** Entries after splitting routes by path and host variant. */
  readonly size: number;
}

interface Entry<T> {
  rank: number;
  route: Route;
  methods: Set<string> | null;
  headers: HeaderCondition[] | null;
  snis: SniCondition[] | null;
  sources: NetCondition[] | null;
  destinations: NetCondition[] | null;
  regex: RegExp | null;
  /** Any of methods, headers, snis, sources, destinations is set. */
  hasConditions: boolean;
  /** The prebuilt result of a prefix or path-less entry. */
  result: RouteMatch<T>;
}

interface Bucket<T> {
  /** Lowest rank held, to skip the bucket when a better match is already known. */
  minRank: number;
  pathless: Entry<T>[];
  tree: RadixNode<Entry<T>> | null;
}

interface HostSlot<T> {
  any: Bucket<T> | null;
  ports: Map<number, Bucket<T>> | null;
}

const HTTP_PROTOCOLS = new Set(['http', 'https', 'grpc', 'grpcs']);
const NONE = Number.MAX_SAFE_INTEGER;
/** Route hosts are at most 256 characters (schema typedef). */
const MAX_HOST = 256;

const newBucket = <T>(): Bucket<T> => ({ minRank: NONE, pathless: [], tree: null });

function compileRegex(source: string, routeId: string): RegExp {
  // Kong compat anchors at the start only and uses Rust's (?P<name>) groups; JS wants (?<name>).
  try {
    return new RegExp('^' + source.slice(1).replaceAll('(?P<', '(?<'));
  } catch (error) {
    throw new DataPlaneError(DP_ERRORS.ROUTE_REGEX_INVALID, `route ${routeId}: invalid regex path '${source}': ${(error as Error).message}`);
  }
}

function addToBucket<T>(bucket: Bucket<T>, entry: Entry<T>, path: string | null): void {
  if (entry.rank < bucket.minRank) bucket.minRank = entry.rank;
  if (path === null) bucket.pathless.push(entry);
  else insertPrefix((bucket.tree ??= new RadixNode('')), entry.regex === null ? path : literalLead(path.slice(1)), entry);
}

/**
 * The text every match of an anchored regex path starts with, to index it in the radix tree.
 * Conservative: stops at the first metacharacter, drops a character a quantifier may remove, and
 * gives '' (checked for every path) when an alternation could escape the '^' anchor.
 * @example literalLead('/users/(?<id>\\d+)') // '/users/'; literalLead('/ab?c') // '/a'
 */
export function literalLead(source: string): string {
  if (source.includes('|')) return '';
  let i = 0;
  while (i < source.length && !'\\^$.|?*+()[]{}'.includes(source[i])) i++;
  const next = source[i];
  return next === '?' || next === '*' || next === '{' ? source.slice(0, Math.max(0, i - 1)) : source.slice(0, i);
}

function slotBucket<T>(map: Map<string, HostSlot<T>>, value: string, port: number | null): Bucket<T> {
  let slot = map.get(value);
  if (slot === undefined) map.set(value, (slot = { any: null, ports: null }));
  if (port === null) return (slot.any ??= newBucket());
  const ports = (slot.ports ??= new Map());
  let bucket = ports.get(port);
  if (bucket === undefined) ports.set(port, (bucket = newBucket()));
  return bucket;
}

interface Pending<T> {
  route: Route;
  payload: T;
  path: string | null;
  hosts: HostMatcher[] | null;
  key: number[];
}

class IndexedRouter<T> implements Router<T> {
  readonly size: number;
  private readonly exact = new Map<string, HostSlot<T>>();
  private readonly suffix = new Map<string, HostSlot<T>>();
  private readonly prefix = new Map<string, HostSlot<T>>();
  private readonly hostless: Bucket<T> = newBucket();
  /** Lengths of the suffix and prefix map keys: a host is sliced only where a key could fit. */
  private readonly suffixLengths = new Uint8Array(MAX_HOST + 1);
  private readonly prefixLengths = new Uint8Array(MAX_HOST + 1);
  // Per-match scratch: match() is synchronous and not reentrant, so one set per router suffices.
  private best: Entry<T> | null = null;
  private bestRank = NONE;
  private bestExec: RegExpExecArray | null = null;

  constructor(routes: Array<{ route: Route; payload: T }>) {
    const pending: Pending<T>[] = [];
    for (const { route, payload } of routes) {
      if (!route.protocols.some((p) => HTTP_PROTOCOLS.has(p))) continue;
      const hosts = route.hosts !== null && route.hosts.length > 0 ? compileHosts(route.hosts) : null;
      // One variant per kind of host, so that a host matched with its port outranks one without.
      const variants = hosts === null ? [null] : [hosts.filter((h) => h.port !== null), hosts.filter((h) => h.port === null)].filter((v) => v.length > 0);
      const paths = route.paths !== null && route.paths.length > 0 ? route.paths : [null];
      for (const path of paths) {
        for (const variant of variants) {
          pending.push({ route, payload, path, hosts: variant, key: rankKey({ route, path, isPortHost: variant !== null && variant[0].port !== null }) });
        }
      }
    }
    pending.sort(compareRanked);
    this.size = pending.length;

    const compiled = new Map<Route, Omit<Entry<T>, 'rank' | 'regex' | 'hasConditions' | 'result'>>();
    for (let rank = 0; rank < pending.length; rank++) {
      const { route, payload, path, hosts } = pending[rank];
      let shared = compiled.get(route);
      if (shared === undefined) {
        shared = {
          route,
          methods: route.methods !== null && route.methods.length > 0 ? new Set(route.methods) : null,
          headers: compileHeaders(route.headers, route.id),
          snis: compileSnis(route.snis),
          sources: compileNets(route.sources, route.id),
          destinations: compileNets(route.destinations, route.id),
        };
        compiled.set(route, shared);
      }
      const regex = path !== null && path.startsWith('~') ? compileRegex(path, route.id) : null;
      const result: RouteMatch<T> = Object.freeze({ route, payload, prefix: regex === null ? path : null, captures: null });
      const hasConditions = shared.methods !== null || shared.headers !== null || shared.snis !== null || shared.sources !== null || shared.destinations !== null;
      const entry: Entry<T> = { rank, ...shared, regex, hasConditions, result };
      if (hosts === null) {
        addToBucket(this.hostless, entry, path);
        continue;
      }
      for (const h of hosts) {
        if (h.kind === 'suffix') this.suffixLengths[Math.min(h.value.length, MAX_HOST)] = 1;
        if (h.kind === 'prefix') this.prefixLengths[Math.min(h.value.length, MAX_HOST)] = 1;
        const map = h.kind === 'exact' ? this.exact : h.kind === 'suffix' ? this.suffix : this.prefix;
        addToBucket(slotBucket(map, h.value, h.port), entry, path);
      }
    }
  }

  match(input: MatchInput): RouteMatch<T> | null {
    this.best = null;
    this.bestRank = NONE;
    this.bestExec = null;
    const host = input.host;
    if (this.exact.size > 0) {
      const slot = this.exact.get(host);
      if (slot !== undefined) this.scanSlot(slot, input);
    }
    // '*.example.com' is stored as '.example.com', 'example.*' as 'example.': try each dot of the host.
    if (this.suffix.size > 0 || this.prefix.size > 0) {
      for (let i = host.indexOf('.'); i !== -1; i = host.indexOf('.', i + 1)) {
        if (this.suffixLengths[host.length - i] === 1) {
          const slot = this.suffix.get(host.slice(i));
          if (slot !== undefined) this.scanSlot(slot, input);
        }
        if (this.prefixLengths[i + 1] === 1) {
          const slot = this.prefix.get(host.slice(0, i + 1));
          if (slot !== undefined) this.scanSlot(slot, input);
        }
      }
    }
    this.scanBucket(this.hostless, input);

    // The scans above assign these fields; TypeScript's narrowing from the resets does not see it.
    const best = this.best as Entry<T> | null;
    if (best === null) return null;
    const m = this.bestExec as RegExpExecArray | null;
    this.best = null;
    this.bestExec = null;
    if (m === null) return best.result;
    let captures: Record<string, string | undefined> | null = null;
    if (m.length > 1) {
      captures = {};
      for (let i = 0; i < m.length; i++) captures[i] = m[i];
      const groups = m.groups;
      if (groups !== undefined) for (const name in groups) captures[name] = groups[name];
    }
    return { route: best.route, payload: best.result.payload, prefix: m[0], captures };
  }

  private scanSlot(slot: HostSlot<T>, input: MatchInput): void {
    if (slot.ports !== null) {
      const bucket = slot.ports.get(input.port);
      if (bucket !== undefined) this.scanBucket(bucket, input);
    }
    if (slot.any !== null) this.scanBucket(slot.any, input);
  }

  private scanBucket(bucket: Bucket<T>, input: MatchInput): void {
    if (bucket.minRank >= this.bestRank) return;
    if (bucket.pathless.length > 0) this.scanList(bucket.pathless, input);
    let node = bucket.tree;
    if (node !== null) {
      const path = input.path;
      let pos = 0;
      for (;;) {
        if (node.values !== null) this.scanList(node.values, input);
        if (pos >= path.length) break;
        const child: RadixNode<Entry<T>> | null = childAt(node, path, pos);
        if (child === null) break;
        pos += child.label.length;
        node = child;
      }
    }
  }

  private scanList(list: Entry<T>[], input: MatchInput): void {
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      if (e.rank >= this.bestRank) return;
      if (e.hasConditions && !this.holds(e, input)) continue;
      let m: RegExpExecArray | null = null;
      if (e.regex !== null && (m = e.regex.exec(input.path)) === null) continue;
      this.best = e;
      this.bestRank = e.rank;
      this.bestExec = m;
      return;
    }
  }

  /** The conditions the index left to check: methods, headers, snis, sources, destinations. */
  private holds(e: Entry<T>, input: MatchInput): boolean {
    if (e.methods !== null && !e.methods.has(input.method)) return false;
    if (e.headers !== null && !matchesHeaders(e.headers, input.headers)) return false;
    // Kong #6425: snis only constrain TLS requests.
    if (e.snis !== null && input.scheme === 'https' && !matchesSni(e.snis, input.sni ?? null)) return false;
    if (e.sources !== null && !matchesNets(e.sources, input.sourceIp ?? null, input.sourcePort ?? null)) return false;
    if (e.destinations !== null && !matchesNets(e.destinations, input.destinationIp ?? null, input.destinationPort ?? null)) return false;
    return true;
  }
}

/**
 * Compiles routes into an indexed router (once per snapshot). Routes without an HTTP-family
 * protocol are left out. Throws `ERR_DP_ROUTE_REGEX_INVALID` for a bad regex path or header value.
 * @example createRouter([{ route, payload }]).match({ method: 'GET', host: 'a.test', port: 80, path: '/x', headers: {} })
 */
export function createRouter<T>(routes: Array<{ route: Route; payload: T }>): Router<T> {
  return new IndexedRouter(routes);
}
