import { rejects } from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import type { ConfigurationRow, ControlPlaneRow, EntityRow, Store } from './types.ts';

// Row builders for the shared store suite: complete rows with every field set, overridable.

let clock = 1_700_000_000_000;
/** Strictly increasing timestamps, so that created_at order is insertion order. */
export const tick = () => ++clock;

export function controlPlane(overrides: Partial<ControlPlaneRow> = {}): ControlPlaneRow {
  const id = randomUUID();
  const now = tick();
  return {
    id,
    name: `cp-${id.slice(0, 8)}`,
    description: 'a control plane',
    labels: { team: 'edge' },
    cluster_type: 'CLUSTER_TYPE_SERVERLESS',
    auth_type: 'pinned_client_certs',
    cloud_gateway: false,
    proxy_urls: [{ host: 'gw.example.test', port: 443, protocol: 'https' }],
    dns_prefix: id.replaceAll('-', '').slice(0, 10),
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}

export function configuration(controlPlaneId: string, overrides: Partial<ConfigurationRow> = {}): ConfigurationRow {
  const now = tick();
  return {
    id: randomUUID(),
    control_plane_id: controlPlaneId,
    control_plane_geo: 'eu',
    kind: 'serverless.v1',
    dataplane_group_config: [{ region: 'eu-west' }],
    dataplane_groups: [{
      id: randomUUID(), provider: null, region: 'eu-west', state: 'ready', state_metadata: null,
      hostnames: ['a.example.test'], created_at: now, updated_at: now,
    }],
    entity_version: 1,
    created_at: now,
    updated_at: now,
    ...overrides,
  };
}

export function entity(controlPlaneId: string, overrides: Partial<EntityRow> & { tags?: string[] | null; service?: string } = {}): EntityRow {
  const { tags, service, ...rest } = overrides;
  const id = rest.id ?? randomUUID();
  const now = tick();
  const name = rest.name === undefined ? `e-${id.slice(0, 8)}` : rest.name;
  return {
    id,
    control_plane_id: controlPlaneId,
    type: 'routes',
    name,
    body: { id, name, tags: tags === undefined ? [] : tags, service: service ? { id: service } : null, created_at: now, updated_at: now },
    created_at: now,
    updated_at: now,
    ...rest,
  };
}

/** Opens a fresh store for one test and closes it after. */
export async function freshStore(t: TestContext, open: () => Promise<Store>): Promise<Store> {
  const store = await open();
  t.after(() => store.close());
  return store;
}

/** A store with one control plane in it, for the tests of what hangs off control planes. */
export async function storeWithControlPlane(t: TestContext, open: () => Promise<Store>): Promise<{ store: Store; cp: ControlPlaneRow }> {
  const store = await freshStore(t, open);
  const cp = controlPlane();
  await store.controlPlanes.insert(cp);
  return { store, cp };
}

/** Asserts that `promise` rejects with an error carrying `code` (and `constraint`, if given). */
export async function rejectsWith(promise: Promise<unknown>, code: string, constraint?: string): Promise<void> {
  await rejects(promise, (err: { code?: string; constraint?: string }) => {
    if (err.code !== code) throw new Error(`expected code ${code}, got ${err.code}: ${String(err)}`);
    if (constraint !== undefined && err.constraint !== constraint) throw new Error(`expected constraint ${constraint}, got ${err.constraint}`);
    return true;
  });
}
