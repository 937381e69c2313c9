import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Route } from '@gatehouse/schema';
import { DP_ERRORS, DataPlaneError } from '../errors.ts';

// The per-entry conditions the index cannot resolve (reference §1.3, kong/router/transform.lua
// get_expression): headers, snis, sources and destinations. Compiled once; `matches*` run per
// candidate and allocate nothing but lower-cased header values.

export type RequestHeaders = Record<string, string | string[] | undefined>;

export interface HeaderCondition {
  /** The name as Node presents it, plus its '_'/'-' twin: compat compares names with dashes as underscores. */
  names: string[];
  /** Lower-cased plain values. */
  values: string[];
  /** `~*` values: Kong lower-cases the source and the request value (not a case-insensitive flag). */
  regexes: RegExp[];
}

export function compileHeaders(headers: Route['headers'], routeId: string): HeaderCondition[] | null {
  if (headers === null || Object.keys(headers).length === 0) return null;
  return Object.entries(headers).map(([name, list]) => {
    const lower = name.toLowerCase();
    const names = [...new Set([lower.replaceAll('_', '-'), lower.replaceAll('-', '_')])];
    const values: string[] = [];
    const regexes: RegExp[] = [];
    for (const v of list) {
      if (!v.startsWith('~*')) {
        values.push(v.toLowerCase());
        continue;
      }
      try {
        regexes.push(new RegExp(v.slice(2).toLowerCase()));
      } catch (error) {
        throw new DataPlaneError(DP_ERRORS.ROUTE_REGEX_INVALID, `route ${routeId}: invalid header regex '${v}' for '${name}': ${(error as Error).message}`);
      }
    }
    return { names, values, regexes };
  });
}

function valueMatches(c: HeaderCondition, raw: string): boolean {
  const v = raw.toLowerCase();
  for (let i = 0; i < c.values.length; i++) if (c.values[i] === v) return true;
  for (let i = 0; i < c.regexes.length; i++) if (c.regexes[i].test(v)) return true;
  return false;
}

/** Every configured header must be present with at least one request value matching. */
export function matchesHeaders(conditions: HeaderCondition[], headers: RequestHeaders): boolean {
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i];
    let ok = false;
    for (let n = 0; n < c.names.length && !ok; n++) {
      const got = headers[c.names[n]];
      if (got === undefined) continue;
      if (typeof got === 'string') ok = valueMatches(c, got);
      else for (let k = 0; k < got.length && !ok; k++) ok = valueMatches(c, got[k]);
    }
    if (!ok) return false;
  }
  return true;
}

export interface SniCondition {
  kind: 'exact' | 'suffix' | 'prefix';
  value: string;
}

/** Route snis; a trailing dot is dropped (transform.lua sni_val_transform); `*.x` and `x.*` are wildcards. */
export function compileSnis(snis: Route['snis']): SniCondition[] | null {
  if (snis === null || snis.length === 0) return null;
  return snis.map((raw) => {
    let s = raw.toLowerCase();
    if (s.length > 1 && s.endsWith('.')) s = s.slice(0, -1);
    if (s.startsWith('*.')) return { kind: 'suffix', value: s.slice(1) };
    if (s.endsWith('.*')) return { kind: 'prefix', value: s.slice(0, -1) };
    return { kind: 'exact', value: s };
  });
}

/** '*.a.test' matches SNI 'x.a.test'; a TLS request without SNI matches no sni route. */
export function matchesSni(conditions: SniCondition[], sni: string | null): boolean {
  if (sni === null) return false;
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i];
    if (c.kind === 'exact' ? sni === c.value : c.kind === 'suffix' ? sni.endsWith(c.value) : sni.startsWith(c.value)) return true;
  }
  return false;
}

export interface NetCondition {
  ip: string | null;
  cidr: BlockList | null;
  port: number | null;
}

/** sources/destinations: `{ip}` (exact or CIDR), `{port}` or both. */
export function compileNets(nets: Route['sources'], routeId: string): NetCondition[] | null {
  if (nets === null || nets.length === 0) return null;
  return nets.map(({ ip, port }) => {
    let cidr: BlockList | null = null;
    if (ip !== undefined && ip.includes('/')) {
      const [address, bits] = ip.split('/');
      const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
      if (family === null) throw new DataPlaneError(DP_ERRORS.SNAPSHOT_INVALID, `route ${routeId}: invalid CIDR '${ip}'`);
      cidr = new BlockList();
      cidr.addSubnet(address, Number(bits), family);
    }
    return { ip: ip === undefined || cidr !== null ? null : ip, cidr, port: port ?? null };
  });
}

/** Client addresses of a dual-stack listener arrive as '::ffff:1.2.3.4'. */
const unmapped = (ip: string): string => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);

export function matchesNets(conditions: NetCondition[], ip: string | null, port: number | null): boolean {
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i];
    if (c.port !== null && c.port !== port) continue;
    if (c.ip !== null && (ip === null || unmapped(ip) !== c.ip)) continue;
    if (c.cidr !== null) {
      if (ip === null) continue;
      const address = unmapped(ip);
      if (!c.cidr.check(address, isIPv4(address) ? 'ipv4' : 'ipv6')) continue;
    }
    return true;
  }
  return false;
}
