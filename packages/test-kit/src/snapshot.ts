import { createHash } from 'node:crypto';
import { newId, nowSeconds, pluginSchema, routeSchema, serviceSchema, SNAPSHOT_FORMAT_VERSION, emptySnapshotCollections, validate, type Plugin, type Route, type Service, type Snapshot, type TSchema } from '@gatehouse/schema';
import { validatePluginConfig } from '@gatehouse/plugins/schemas.ts';

// A snapshot builder for tests: entities get ids, timestamps and Kong's defaults from the shared
// schemas; the hash is computed like the control plane's (sha256 of canonical JSON, 32 hex chars).

type ServiceInput = Partial<Service> & { url?: string };
export type PluginScope = 'global' | 'service' | 'route' | 'route+service';

function complete<S extends TSchema>(schema: S, kind: string, input: Record<string, unknown>): any {
  const now = nowSeconds();
  const result = validate(schema, { id: newId(), created_at: now, updated_at: now, ...input });
  if (!result.ok) throw new Error(`invalid ${kind}: ${JSON.stringify(result.errors)}`);
  return result.value;
}

function parseUrl(url: string): Partial<Service> {
  const u = new URL(url);
  const protocol = u.protocol.replace(':', '') as Service['protocol'];
  return { protocol, host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : protocol === 'https' ? 443 : 80, path: u.pathname === '/' && !url.endsWith('/') ? null : u.pathname };
}

const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
};

/** sha256 (first 32 hex chars) of the canonical JSON of a snapshot body. */
export const snapshotHash = (body: Omit<Snapshot, 'hash'>): string => createHash('sha256').update(canonical(body)).digest('hex').slice(0, 32);

export class SnapshotBuilder {
  private readonly gatewayId: string;
  private readonly hostnames: string[];
  private readonly services: Service[] = [];
  private readonly routes: Route[] = [];
  private readonly plugins: Plugin[] = [];

  constructor(options: { gatewayId?: string; hostnames?: string[] }) {
    this.gatewayId = options.gatewayId ?? newId();
    this.hostnames = options.hostnames ?? ['gateway.test'];
  }

  /** Adds a service (`url` shorthand accepted); later routes attach to it. */
  service(input: ServiceInput): this {
    const { url, ...rest } = input;
    this.services.push(complete(serviceSchema, 'service', { ...(url ? parseUrl(url) : {}), ...rest }));
    return this;
  }

  /** Adds a route on the last service (pass `service: null` for a service-less route). */
  route(input: Partial<Route>): this {
    const last = this.services.at(-1);
    this.routes.push(complete(routeSchema, 'route', { service: last ? { id: last.id } : null, ...input }));
    return this;
  }

  /**
   * Adds a plugin instance with its config defaults. Scope defaults to the last route, else the
   * last service, else global.
   */
  plugin(name: string, config: Record<string, unknown> = {}, scope?: PluginScope, extra: Partial<Plugin> = {}): this {
    const valid = validatePluginConfig(name, config);
    if (!valid.ok) throw new Error(`invalid ${name} config: ${JSON.stringify(valid.errors)}`);
    const route = this.routes.at(-1);
    const service = this.services.at(-1);
    const s: PluginScope = scope ?? (route ? 'route' : service ? 'service' : 'global');
    const refs = {
      route: (s === 'route' || s === 'route+service') && route ? { id: route.id } : null,
      service: (s === 'service' || s === 'route+service') && service ? { id: service.id } : null,
    };
    this.plugins.push(complete(pluginSchema, 'plugin', { name, config: valid.value, ...refs, ...extra }));
    return this;
  }

  build(): Snapshot {
    const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => (a.id < b.id ? -1 : 1));
    const body: Omit<Snapshot, 'hash'> = { formatVersion: SNAPSHOT_FORMAT_VERSION, gatewayId: this.gatewayId, hostnames: this.hostnames, services: byId(this.services), routes: byId(this.routes), plugins: byId(this.plugins), ...emptySnapshotCollections() };
    return { ...body, hash: snapshotHash(body) };
  }
}

/**
 * Starts a snapshot builder.
 * @example snapshot({ hostnames: ['a.test'] }).service({ url: upstream.url }).route({ paths: ['/echo'] }).plugin('request-transformer', { add: { headers: ['x:1'] } }).build()
 */
export const snapshot = (options: { gatewayId?: string; hostnames?: string[] } = {}): SnapshotBuilder => new SnapshotBuilder(options);
