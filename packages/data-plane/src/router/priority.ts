import type { Route } from '@gatehouse/schema';

// Kong 3.x traditional_compatible priority (reference §1.5, kong/router/transform.lua get_priority)
// as a sort key, then the reference's deterministic tie breaks: a route host with an explicit port,
// the traditional category (host > headers > paths > methods > snis > sources > destinations), older
// created_at, larger id (atc-router iterates (priority, uuid) in reverse).

/** What one router entry (a route, one path group, one host variant) is ranked by. */
export interface RankInput {
  route: Route;
  /** The entry's path: a plain prefix, a `~` regex, or null for a path-less route. */
  path: string | null;
  /** The entry's hosts all carry a port (a port-specific host variant). */
  isPortHost: boolean;
}

const isSet = (v: unknown[] | Record<string, unknown> | null): boolean => v !== null && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

/**
 * The sort key, highest first: match weight, plain hosts only, header count, regex path,
 * regex_priority (regex only), prefix length; then port host, category, -created_at.
 * @example rankKey({ route: r({ paths: ['/foobar'] }), path: '/foobar', isPortHost: false }) // [1, 0, 0, 0, 0, 7, 0, 0x10, -t]
 */
export function rankKey({ route, path, isPortHost }: RankInput): number[] {
  const has = {
    hosts: isSet(route.hosts),
    headers: isSet(route.headers),
    paths: path !== null,
    methods: isSet(route.methods),
    snis: isSet(route.snis),
    sources: isSet(route.sources),
    destinations: isSet(route.destinations),
  };
  let weight = 0;
  for (const value of Object.values(has)) if (value) weight++;
  // transform.lua: `type(hosts) == "table"` and no '*'; an empty hosts array sets it too.
  const isPlainHostOnly = route.hosts !== null && route.hosts.every((h) => !h.includes('*'));
  const headerCount = route.headers === null ? 0 : Math.min(255, Object.keys(route.headers).length);
  const isRegex = path !== null && path.startsWith('~');
  const category =
    (has.hosts ? 0x40 : 0) | (has.headers ? 0x20 : 0) | (has.paths ? 0x10 : 0) | (has.methods ? 0x08 : 0) | (has.snis ? 0x04 : 0) | (has.sources ? 0x02 : 0) | (has.destinations ? 0x01 : 0);
  // Kong keeps the low 19 bits of the prefix length.
  const prefixLength = path === null || isRegex ? 0 : path.length & 0x7ffff;
  return [weight, Number(isPlainHostOnly), headerCount, Number(isRegex), isRegex ? route.regex_priority : 0, prefixLength, Number(isPortHost), category, -route.created_at];
}

/** Sorts ranked items best first; equal keys fall back to the larger route id. */
export function compareRanked(a: { key: number[]; route: Route }, b: { key: number[]; route: Route }): number {
  for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return b.key[i] - a.key[i];
  return a.route.id < b.route.id ? 1 : a.route.id > b.route.id ? -1 : 0;
}
