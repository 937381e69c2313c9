import { canonicalJson, hashSnapshotBody, nowSeconds, SNAPSHOT_FORMAT_VERSION, type EntityType, type Plugin, type Route, type Service, type Snapshot, type SnapshotBody } from '@gatehouse/schema';
import type { SnapshotCollections, SnapshotKeyAuth } from '@gatehouse/schema';
import type { StoreTx } from '../store/types.ts';

// Entities -> snapshot. A snapshot holds only what a data plane can serve: disabled services (and the
// routes and plugins scoped to them) and disabled plugins are left out, as Kong's router and plugins
// iterator skip them. Key-auth keys already expired are left out. Everything is sorted so that the hash
// depends on the configuration only.

// The hash is part of the snapshot format: canonical JSON and sha256 live in @gatehouse/schema.
export { canonicalJson, hashSnapshotBody };

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** 'API.Example.com:8443' and 'api.example.com' are the same gateway hostname. */
const normalizeHostnames = (hostnames: string[]): string[] =>
  [...new Set(hostnames.map((h) => h.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '')).filter((h) => h !== ''))].sort();

type Entities = Pick<StoreTx, 'entities'>['entities'];
type Body = Record<string, unknown>;

async function bodies<T>(entities: Entities, cp: string, type: EntityType): Promise<T[]> {
  return (await entities.all(cp, type)).map((r) => r.body as T).sort(byId as (a: T, b: T) => number);
}

// Stored bodies may carry fields the wire shape does not (key-auth's `expires_at`); keep what a
// snapshot promises and nothing else.
const pick = <T>(body: Body, keys: readonly string[]): T => Object.fromEntries(keys.map((k) => [k, body[k] ?? null])) as T;
const KEY_AUTH_FIELDS = ['id', 'created_at', 'consumer', 'tags', 'key', 'ttl', 'expires_at'] as const;

/** Upstreams, targets, consumers, groups with members, credentials and certificates of a control plane. */
export async function compileCollections(entities: Entities, cp: string, now = nowSeconds()): Promise<SnapshotCollections> {
  const [upstreams, targets, consumers, groups, members, keyAuth, basicAuth, jwt, hmacAuth, acls, certificates, snis, caCertificates] = await Promise.all([
    bodies<SnapshotCollections['upstreams'][number]>(entities, cp, 'upstreams'),
    bodies<SnapshotCollections['targets'][number]>(entities, cp, 'targets'),
    bodies<SnapshotCollections['consumers'][number]>(entities, cp, 'consumers'),
    bodies<Body & { id: string }>(entities, cp, 'consumer_groups'),
    bodies<{ consumer_group: { id: string }; consumer: { id: string } }>(entities, cp, 'consumer_group_consumers'),
    bodies<Body & { id: string }>(entities, cp, 'keyauth_credentials'),
    bodies<SnapshotCollections['credentials']['basicAuth'][number]>(entities, cp, 'basicauth_credentials'),
    bodies<SnapshotCollections['credentials']['jwt'][number]>(entities, cp, 'jwt_secrets'),
    bodies<SnapshotCollections['credentials']['hmacAuth'][number]>(entities, cp, 'hmacauth_credentials'),
    bodies<SnapshotCollections['credentials']['acls'][number]>(entities, cp, 'acls'),
    bodies<SnapshotCollections['certificates'][number]>(entities, cp, 'certificates'),
    bodies<SnapshotCollections['snis'][number]>(entities, cp, 'snis'),
    bodies<SnapshotCollections['caCertificates'][number]>(entities, cp, 'ca_certificates'),
  ]);
  const membersOf = new Map<string, string[]>();
  for (const m of members) membersOf.set(m.consumer_group.id, [...(membersOf.get(m.consumer_group.id) ?? []), m.consumer.id]);
  const keys = keyAuth.map((k) => pick<SnapshotKeyAuth>(k, KEY_AUTH_FIELDS)).filter((k) => k.expires_at === null || k.expires_at > now);
  // A certificate's `snis` is derived from the SNI entities, so it cannot disagree with them.
  const sniNames = new Map<string, string[]>();
  for (const sni of snis) sniNames.set(sni.certificate.id, [...(sniNames.get(sni.certificate.id) ?? []), sni.name]);
  return {
    upstreams,
    targets,
    consumers,
    consumerGroups: groups.map((g) => ({ ...(g as SnapshotCollections['consumerGroups'][number]), members: (membersOf.get(g.id) ?? []).sort() })),
    credentials: { keyAuth: keys, basicAuth, jwt, hmacAuth, acls },
    certificates: certificates.map((c) => ({ ...c, snis: (sniNames.get(c.id) ?? []).sort() })),
    snis,
    caCertificates,
  };
}

/**
 * Compiles a control plane's entities into the snapshot its data planes serve.
 * @example
 * const snapshot = await compileSnapshot(store, cpId, ['kong-0123456789.localhost']);
 * snapshot.hash // '3f1c…' (32 hex), equal for equal configurations
 */
export async function compileSnapshot(store: Pick<StoreTx, 'entities'>, controlPlaneId: string, hostnames: string[], now = nowSeconds()): Promise<Snapshot> {
  const [serviceRows, routeRows, pluginRows, collections] = await Promise.all([
    store.entities.all(controlPlaneId, 'services'),
    store.entities.all(controlPlaneId, 'routes'),
    store.entities.all(controlPlaneId, 'plugins'),
    compileCollections(store.entities, controlPlaneId, now),
  ]);
  const services = serviceRows.map((r) => r.body as unknown as Service).filter((s) => s.enabled !== false);
  const serviceIds = new Set(services.map((s) => s.id));
  // Kong: a route whose service is disabled behaves as if it did not exist.
  const routes = routeRows.map((r) => r.body as unknown as Route).filter((r) => r.service === null || serviceIds.has(r.service.id));
  const routeIds = new Set(routes.map((r) => r.id));
  const plugins = pluginRows
    .map((r) => r.body as unknown as Plugin)
    .filter((p) => p.enabled !== false && (p.service === null || serviceIds.has(p.service.id)) && (p.route === null || routeIds.has(p.route.id)));
  const body: SnapshotBody = {
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    gatewayId: controlPlaneId,
    hostnames: normalizeHostnames(hostnames),
    services: services.sort(byId),
    routes: routes.sort(byId),
    plugins: plugins.sort(byId),
    ...collections,
  };
  return { ...body, hash: hashSnapshotBody(body) };
}
