import { createHash } from 'node:crypto';
import { SNAPSHOT_FORMAT_VERSION, type Plugin, type Route, type Service, type Snapshot, type SnapshotBody } from '@gatehouse/schema';
import type { StoreTx } from '../store/types.ts';

// Entities -> snapshot. A snapshot holds only what a data plane can serve: disabled services (and the
// routes and plugins scoped to them) and disabled plugins are left out, as Kong's router and plugins
// iterator skip them. Everything is sorted so that the hash depends on the configuration only.

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped: the same value always
 * gives the same text. `{ b: 1, a: [{ d: 1, c: 2 }] }` gives '{"a":[{"c":2,"d":1}],"b":1}'.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

/** First 32 hex characters of the sha256 of the body's canonical JSON. */
export function hashSnapshotBody(body: SnapshotBody): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex').slice(0, 32);
}

const byId = <T extends { id: string }>(a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** 'API.Example.com:8443' and 'api.example.com' are the same gateway hostname. */
const normalizeHostnames = (hostnames: string[]): string[] =>
  [...new Set(hostnames.map((h) => h.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '')).filter((h) => h !== ''))].sort();

/**
 * Compiles a control plane's services, routes and plugins into the snapshot its data planes serve.
 * @example
 * const snapshot = await compileSnapshot(store, cpId, ['kong-0123456789.localhost']);
 * snapshot.hash // '3f1c…' (32 hex), equal for equal configurations
 */
export async function compileSnapshot(store: Pick<StoreTx, 'entities'>, controlPlaneId: string, hostnames: string[]): Promise<Snapshot> {
  const [serviceRows, routeRows, pluginRows] = await Promise.all([
    store.entities.all(controlPlaneId, 'services'),
    store.entities.all(controlPlaneId, 'routes'),
    store.entities.all(controlPlaneId, 'plugins'),
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
  };
  return { ...body, hash: hashSnapshotBody(body) };
}
