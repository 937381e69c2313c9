import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newId, SNAPSHOT_FORMAT_VERSION } from '@gatehouse/schema';
import { openSqliteStore } from '../store/sqlite.ts';
import type { EntityRow, Store } from '../store/types.ts';
import { canonicalJson, compileSnapshot } from './snapshot-compiler.ts';

const CP = '0b0e7a52-6f0c-4a8e-9a43-2d7d1f1c0a01';
const ids = {
  service: '10000000-0000-4000-8000-000000000001',
  disabledService: '10000000-0000-4000-8000-000000000002',
  route: '20000000-0000-4000-8000-000000000001',
  orphanRoute: '20000000-0000-4000-8000-000000000002',
  plugin: '30000000-0000-4000-8000-000000000001',
  disabledPlugin: '30000000-0000-4000-8000-000000000002',
};

const service = (id: string, extra: Record<string, unknown> = {}) => ({
  id, created_at: 1, updated_at: 1, tags: null, name: `s-${id.slice(-1)}`, protocol: 'http', host: 'upstream.test', port: 80, path: null, retries: 5,
  connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true, tls_verify: null, tls_verify_depth: null, ca_certificates: null,
  client_certificate: null, ...extra,
});
const route = (id: string, serviceId: string, extra: Record<string, unknown> = {}) => ({
  id, created_at: 1, updated_at: 1, tags: null, name: `r-${id.slice(-1)}`, protocols: ['http', 'https'], methods: null, hosts: null, paths: ['/a'],
  headers: null, https_redirect_status_code: 426, regex_priority: 0, strip_path: true, path_handling: 'v0', preserve_host: false,
  request_buffering: true, response_buffering: true, snis: null, sources: null, destinations: null, service: { id: serviceId }, ...extra,
});
const plugin = (id: string, extra: Record<string, unknown> = {}) => ({
  id, created_at: 1, updated_at: 1, tags: null, name: 'request-transformer', instance_name: null, config: { add: { headers: ['x:1'] } }, enabled: true,
  protocols: ['grpc', 'grpcs', 'http', 'https'], service: null, route: null, consumer: null, consumer_group: null, ordering: null, ...extra,
});

function rows(): EntityRow[] {
  const row = (type: EntityRow['type'], body: Record<string, unknown>): EntityRow => ({
    id: body.id as string, control_plane_id: CP, type, name: (body.name as string) ?? null, body, created_at: 1000, updated_at: 1000,
  });
  return [
    row('services', service(ids.service)),
    row('services', service(ids.disabledService, { enabled: false })),
    row('routes', route(ids.route, ids.service)),
    row('routes', route(ids.orphanRoute, ids.disabledService)),
    { ...row('plugins', plugin(ids.plugin, { route: { id: ids.route } })), name: null },
    { ...row('plugins', plugin(ids.disabledPlugin, { enabled: false, name: 'request-transformer' })), name: null },
  ];
}

async function storeWith(entities: EntityRow[]): Promise<Store> {
  const store = await openSqliteStore(':memory:');
  await store.controlPlanes.insert({
    id: CP, name: `cp-${newId()}`, description: '', labels: {}, cluster_type: 'CLUSTER_TYPE_SERVERLESS', auth_type: 'pinned_client_certs',
    cloud_gateway: false, proxy_urls: [], dns_prefix: '0123456789', created_at: 0, updated_at: 0,
  });
  for (const entity of entities) await store.entities.insert(entity);
  return store;
}

test('canonicalJson sorts keys at every depth and drops undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }], u: undefined }), '{"a":[{"c":2,"d":1}],"b":1}');
});

test('leaves out disabled services, their routes and disabled plugins, and sorts by id', async (t) => {
  const store = await storeWith(rows().reverse());
  t.after(() => store.close());
  const snapshot = await compileSnapshot(store, CP, ['GW.Example.test:8000', 'gw.example.test', 'a.test']);
  assert.equal(snapshot.formatVersion, SNAPSHOT_FORMAT_VERSION);
  assert.equal(snapshot.gatewayId, CP);
  assert.deepEqual(snapshot.hostnames, ['a.test', 'gw.example.test']);
  assert.deepEqual(snapshot.services.map((s) => s.id), [ids.service]);
  assert.deepEqual(snapshot.routes.map((r) => r.id), [ids.route]);
  assert.deepEqual(snapshot.plugins.map((p) => p.id), [ids.plugin]);
  assert.match(snapshot.hash, /^[0-9a-f]{32}$/);
});

test('the same entities inserted in another order hash the same', async (t) => {
  const a = await storeWith(rows());
  const b = await storeWith(rows().reverse());
  t.after(() => Promise.all([a.close(), b.close()]));
  const [x, y] = await Promise.all([compileSnapshot(a, CP, ['gw.test', 'b.test']), compileSnapshot(b, CP, ['b.test', 'gw.test'])]);
  assert.equal(x.hash, y.hash);
  assert.deepEqual(x, y);
});

test('any field change gives another hash', async (t) => {
  const base = await storeWith(rows());
  t.after(() => base.close());
  const baseline = (await compileSnapshot(base, CP, ['gw.test'])).hash;
  const changes: [string, (entities: EntityRow[]) => void][] = [
    ['service port', (e) => (e[0].body.port = 8080)],
    ['route path', (e) => (e[2].body.paths = ['/b'])],
    ['plugin config', (e) => ((e[4].body.config as any).add.headers = ['x:2'])],
    ['route tags', (e) => (e[2].body.tags = ['t'])],
  ];
  for (const [what, change] of changes) {
    const entities = rows();
    change(entities);
    const store = await storeWith(entities);
    const hash = (await compileSnapshot(store, CP, ['gw.test'])).hash;
    await store.close();
    assert.notEqual(hash, baseline, what);
  }
  assert.notEqual((await compileSnapshot(base, CP, ['other.test'])).hash, baseline, 'hostnames');
});
