import { createHash } from 'node:crypto';
import { hashSnapshotBody, newId, nowSeconds, pluginSchema, routeSchema, serviceSchema, SNAPSHOT_FORMAT_VERSION, emptySnapshotCollections, validate, type Plugin, type Route, type Service, type Snapshot, type TSchema } from '@gatehouse/schema';
import { consumerSchema, consumerGroupSchema, keyAuthCredentialSchema, basicAuthCredentialSchema, jwtCredentialSchema, hmacAuthCredentialSchema, aclSchema, type Consumer, type SnapshotConsumerGroup, type SnapshotCredentials } from '@gatehouse/schema';
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

// Credentials and acls carry created_at only, as in Kong.
function completeCredential<S extends TSchema>(schema: S, kind: string, input: Record<string, unknown>): any {
  const result = validate(schema, { id: newId(), created_at: nowSeconds(), ...input });
  if (!result.ok) throw new Error(`invalid ${kind}: ${JSON.stringify(result.errors)}`);
  return result.value;
}

function parseUrl(url: string): Partial<Service> {
  const u = new URL(url);
  const protocol = u.protocol.replace(':', '') as Service['protocol'];
  return { protocol, host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : protocol === 'https' ? 443 : 80, path: u.pathname === '/' && !url.endsWith('/') ? null : u.pathname };
}


/** sha256 (first 32 hex chars) of the canonical JSON of a snapshot body. */
export const snapshotHash = (body: Omit<Snapshot, 'hash'>): string => hashSnapshotBody(body);

export class SnapshotBuilder {
  private readonly gatewayId: string;
  private readonly hostnames: string[];
  private readonly services: Service[] = [];
  private readonly routes: Route[] = [];
  private readonly plugins: Plugin[] = [];
  private readonly consumers: Consumer[] = [];
  private readonly consumerGroups: SnapshotConsumerGroup[] = [];
  private readonly credentials: SnapshotCredentials = emptySnapshotCollections().credentials;

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

  /** Adds a consumer; later credentials and `consumer` plugin scopes attach to it. */
  consumer(input: Partial<Consumer>): this {
    this.consumers.push(complete(consumerSchema, 'consumer', { username: null, custom_id: null, ...input }));
    return this;
  }

  /**
   * Adds a credential of the last consumer. basic-auth takes the plain `password` and stores Kong's
   * hash; key-auth takes `expires_at` (epoch seconds) besides `ttl`.
   * @example snapshot().consumer({ username: 'a' }).credential('keyAuth', { key: 'k1' })
   */
  credential(kind: keyof SnapshotCredentials, input: Record<string, unknown>): this {
    const consumer = this.consumers.at(-1);
    if (consumer === undefined) throw new Error('credential() needs a consumer() first');
    const base = { consumer: { id: consumer.id }, ...input };
    if (kind === 'keyAuth') {
      const { expires_at = null, ...rest } = base as Record<string, unknown>;
      this.credentials.keyAuth.push({ ...completeCredential(keyAuthCredentialSchema, 'key-auth credential', { ttl: null, ...rest }), expires_at: expires_at as number | null });
    } else if (kind === 'basicAuth') {
      const password = createHash('sha1').update(`${String(input.password)}${consumer.id}`).digest('hex');
      this.credentials.basicAuth.push(completeCredential(basicAuthCredentialSchema, 'basic-auth credential', { ...base, password }));
    } else if (kind === 'jwt') this.credentials.jwt.push(completeCredential(jwtCredentialSchema, 'jwt secret', { secret: null, rsa_public_key: null, ...base }));
    else if (kind === 'hmacAuth') this.credentials.hmacAuth.push(completeCredential(hmacAuthCredentialSchema, 'hmac-auth credential', base));
    else this.credentials.acls.push(completeCredential(aclSchema, 'acl', base));
    return this;
  }

  /** Adds a consumer group with the given members (consumer ids). */
  consumerGroup(name: string, members: string[], id: string = newId()): this {
    const group = complete(consumerGroupSchema, 'consumer group', { id, name });
    this.consumerGroups.push({ ...group, members: [...members].sort() });
    return this;
  }

  /** The consumers added so far (for their ids). */
  get consumerList(): readonly Consumer[] {
    return this.consumers;
  }

  build(): Snapshot {
    const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => (a.id < b.id ? -1 : 1));
    const body: Omit<Snapshot, 'hash'> = { formatVersion: SNAPSHOT_FORMAT_VERSION, gatewayId: this.gatewayId, hostnames: this.hostnames, services: byId(this.services), routes: byId(this.routes), plugins: byId(this.plugins), ...emptySnapshotCollections(), consumers: byId(this.consumers), consumerGroups: byId(this.consumerGroups), credentials: this.credentials };
    return { ...body, hash: snapshotHash(body) };
  }
}

/**
 * Starts a snapshot builder.
 * @example snapshot({ hostnames: ['a.test'] }).service({ url: upstream.url }).route({ paths: ['/echo'] }).plugin('request-transformer', { add: { headers: ['x:1'] } }).build()
 */
export const snapshot = (options: { gatewayId?: string; hostnames?: string[] } = {}): SnapshotBuilder => new SnapshotBuilder(options);
