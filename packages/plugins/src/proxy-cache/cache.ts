import { createHash } from 'node:crypto';
import type { Headers, QueryArgs } from '../kit.ts';

// Cache keys, Cache-Control and content types as Kong's proxy-cache computes them
// (kong/plugins/proxy-cache/{cache_key,handler}.lua), and the memory store.

/** Parsed Cache-Control: directive -> numeric value, or true for a bare directive. */
export type CacheControl = Map<string, number | true>;
const NO_DIRECTIVES: CacheControl = new Map();

/** @example parseCacheControl('max-age=60, no-cache') // Map { 'max-age' => 60, 'no-cache' => true } */
export function parseCacheControl(value: string | string[] | undefined): CacheControl {
  if (value === undefined || value === '') return NO_DIRECTIVES;
  const out: CacheControl = new Map();
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '') continue;
    const n = eq === -1 ? NaN : Number(part.slice(eq + 1).trim().replace(/^"|"$/g, ''));
    out.set(name, Number.isNaN(n) ? true : n);
  }
  return out;
}

/** Kong's resource_ttl: s-maxage, else max-age, else Expires; 0 when none says. */
export function resourceTtl(cc: CacheControl, expires: string | string[] | undefined): number {
  const s = cc.get('s-maxage') ?? cc.get('max-age');
  if (typeof s === 'number') return s;
  if (typeof expires === 'string') {
    const at = Date.parse(expires);
    if (!Number.isNaN(at)) return Math.floor((at - Date.now()) / 1000);
  }
  return 0;
}

export interface MimeType {
  type: string;
  subtype: string;
  params: Map<string, string>;
}

/** @example parseMime('application/json; charset=UTF-8') // { type: 'application', subtype: 'json', params: { charset: 'utf-8' } } */
export function parseMime(value: string): MimeType | null {
  const [essence, ...rest] = value.split(';');
  const slash = essence.indexOf('/');
  if (slash === -1) return null;
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq !== -1) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"|"$/g, '').toLowerCase());
  }
  return { type: essence.slice(0, slash).trim().toLowerCase(), subtype: essence.slice(slash + 1).trim().toLowerCase(), params };
}

/** Kong: type and subtype equal (or `*` in the config), and exactly the same parameters. */
export function mimeMatches(allowed: MimeType, actual: MimeType): boolean {
  if (allowed.type !== '*' && allowed.type !== actual.type) return false;
  if (allowed.subtype !== '*' && allowed.subtype !== actual.subtype) return false;
  if (allowed.params.size !== actual.params.size) return false;
  for (const [k, v] of allowed.params) if (actual.params.get(k) !== v) return false;
  return true;
}

const str = (v: unknown): string => (Array.isArray(v) ? v.join(',') : v === true ? 'true' : String(v));

/**
 * Kong's cache key: sha256 of `<route_id | "default">|<method>|<path>|<query k=v sorted, ':'-joined>|<vary headers>`
 * (the consumer id prefixes the route id once consumers exist).
 */
export function cacheKey(prefix: string, method: string, path: string, query: QueryArgs, varyQuery: string[] | null, headers: Headers, varyHeaders: string[] | null): string {
  const names = varyQuery ?? Object.keys(query).sort();
  const params: string[] = [];
  for (const name of names) if (query[name] !== undefined) params.push(`${name}=${str(query[name])}`);
  const vary: string[] = [];
  if (varyHeaders !== null) for (const name of varyHeaders) if (headers[name] !== undefined) vary.push(`${name}=${str(headers[name])}`);
  return createHash('sha256').update(`${prefix}|${method}|${path}|${params.join(':')}|${vary.join(':')}`).digest('hex');
}

export interface CacheEntry {
  status: number;
  headers: Headers;
  body: Buffer;
  /** When it was stored, ms since the epoch. */
  storedAt: number;
  /** Freshness in seconds (cache_ttl or the response's Cache-Control). */
  ttl: number;
  /** Storage expiry, ms since the epoch. */
  expiresAt: number;
}

const MAX_ENTRIES = 10_000;

/** The memory strategy: a bounded map per plugin instance; the oldest entry goes first when full. */
export class MemoryStore {
  private readonly entries = new Map<string, CacheEntry>();

  get(key: string, now: number): CacheEntry | null {
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return null;
    }
    return entry;
  }

  set(key: string, entry: CacheEntry): void {
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
  }

  get size(): number {
    return this.entries.size;
  }
}
