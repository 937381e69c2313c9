import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@gatehouse/schema';
import { assertMatchesSpec } from '@gatehouse/test-kit/openapi.ts';
import { API_BODY_LIMIT_BYTES } from '../app.ts';
import { startTestApi } from '../testing.ts';

// Services through the core-entities API, paging and the behaviours shared by every entity type
// (both bases, auth, limits, unknown control plane). Routes and plugins have their own files.

const SPEC_BASE = '/control-planes/{controlPlaneId}/core-entities';

async function setup(t: TestContext) {
  const api = await startTestApi();
  t.after(() => api.close());
  const cp = newId();
  await api.ctx.store.controlPlanes.insert({
    id: cp, name: `cp-${cp.slice(0, 8)}`, description: '', labels: {}, cluster_type: 'CLUSTER_TYPE_SERVERLESS', auth_type: 'pinned_client_certs',
    cloud_gateway: false, proxy_urls: [], dns_prefix: cp.replaceAll('-', '').slice(0, 10), created_at: Date.now(), updated_at: Date.now(),
  });
  let changes = 0;
  api.ctx.events.on('gatewayChanged', (id) => void (id === cp && changes++));
  const base = `/v2/control-planes/${cp}/core-entities`;
  const state = () => Promise.all((['services', 'routes', 'plugins'] as const).map((type) => api.ctx.store.entities.all(cp, type)));
  /** Sends a request that must fail, and checks the status, the Kong error shape, the field and that nothing changed. */
  async function refused(method: string, url: string, body: unknown, status: number, field?: string, headers?: Record<string, string>) {
    const before = await state();
    const changesBefore = changes;
    const res = await api.request(method, url, body, headers);
    assert.equal(res.status, status, `${method} ${url}: ${res.raw}`);
    assertKongError(res.body, field);
    assert.deepEqual(await state(), before, 'nothing stored');
    assert.equal(changes, changesBefore, 'no gateway change announced');
    return res.body;
  }
  return { api, cp, base, refused, changes: () => changes };
}

function assertKongError(body: any, field?: string): void {
  assert.equal(typeof body?.message, 'string', JSON.stringify(body));
  if (body.status === 401) return;
  assert.equal(typeof body.code, 'number');
  assert.ok(Array.isArray(body.details));
  if (field !== undefined) assert.ok(body.details.some((d: any) => d.field === field), `a detail names ${field}: ${JSON.stringify(body)}`);
}

const spec = (method: string, path: string, status: number, body: any) => {
  // The spec types `next` as a string; Kong sends null on the last page, as the spec's description allows.
  const checked = body && 'next' in body && body.next === null ? { ...body, next: undefined } : body;
  assertMatchesSpec('control-planes-config-v2', method, `${SPEC_BASE}${path}`, status, JSON.parse(JSON.stringify(checked)));
};

test('creates, reads, upserts, patches, lists and deletes a service, every body as the spec declares', async (t) => {
  const { api, base, changes } = await setup(t);
  const created = await api.request('POST', `${base}/services`, { name: 'orders', host: 'orders.internal', tags: ['a'] });
  assert.equal(created.status, 201);
  spec('post', '/services', 201, created.body);
  assert.deepEqual(
    { ...created.body, id: undefined, created_at: undefined, updated_at: undefined },
    {
      id: undefined, created_at: undefined, updated_at: undefined, tags: ['a'], name: 'orders', protocol: 'http', host: 'orders.internal', port: 80, path: null,
      retries: 5, connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true, tls_verify: null, tls_verify_depth: null,
      ca_certificates: null, client_certificate: null,
    },
  );
  assert.ok(Number.isInteger(created.body.created_at) && created.body.created_at < 1e11, 'epoch seconds');
  assert.equal(changes(), 1);

  for (const key of [created.body.id, 'orders']) {
    const got = await api.request('GET', `${base}/services/${key}`);
    assert.equal(got.status, 200);
    spec('get', '/services/{ServiceId}', 200, got.body);
    assert.deepEqual(got.body, created.body);
  }

  const put = await api.request('PUT', `${base}/services/${created.body.id}`, { name: 'orders', host: 'orders2.internal', port: 8080 });
  assert.equal(put.status, 200);
  spec('put', '/services/{ServiceId}', 200, put.body);
  assert.equal(put.body.id, created.body.id);
  assert.equal(put.body.created_at, created.body.created_at);
  assert.equal(put.body.tags, null, 'PUT replaces: fields left out are back to their defaults');

  const patched = await api.request('PATCH', `${base}/services/orders`, { retries: 1 });
  assert.equal(patched.status, 200);
  assert.deepEqual({ ...patched.body, updated_at: put.body.updated_at }, { ...put.body, retries: 1 });

  const list = await api.request('GET', `${base}/services`);
  assert.equal(list.status, 200);
  spec('get', '/services', 200, list.body);
  assert.deepEqual(list.body, { data: [patched.body], next: null });

  assert.equal((await api.request('DELETE', `${base}/services/orders`)).status, 204);
  assert.equal((await api.request('DELETE', `${base}/services/orders`)).status, 204, 'DELETE is idempotent');
  const gone = await api.request('GET', `${base}/services/${created.body.id}`);
  assert.equal(gone.status, 404);
  assertKongError(gone.body);
  assert.equal(changes(), 4, 'the second DELETE changed nothing');
});

test('PUT creates a service with the id or the name in the path (200, as Kong)', async (t) => {
  const { api, base } = await setup(t);
  const id = newId();
  const byId = await api.request('PUT', `${base}/services/${id}`, { host: 'a.internal' });
  assert.equal(byId.status, 200);
  spec('put', '/services/{ServiceId}', 200, byId.body);
  assert.equal(byId.body.id, id);
  const byName = await api.request('PUT', `${base}/services/billing`, { host: 'b.internal' });
  assert.equal(byName.status, 200);
  assert.equal(byName.body.name, 'billing');
  const again = await api.request('PUT', `${base}/services/billing`, { host: 'c.internal' });
  assert.equal(again.body.id, byName.body.id, 'PUT by name replaces the named service');
  assert.equal(again.body.host, 'c.internal');
});

test('expands the url shorthand and never returns it', async (t) => {
  const { api, base } = await setup(t);
  const cases: [string, Record<string, unknown>][] = [
    ['https://api.example.com', { protocol: 'https', host: 'api.example.com', port: 443, path: null }],
    ['http://api.example.com:8080/v1/', { protocol: 'http', host: 'api.example.com', port: 8080, path: '/v1/' }],
    ['grpcs://grpc.internal:9000', { protocol: 'grpcs', host: 'grpc.internal', port: 9000, path: null }],
    ['http://10.0.0.1', { protocol: 'http', host: '10.0.0.1', port: 80, path: null }],
  ];
  for (const [url, expected] of cases) {
    const res = await api.request('POST', `${base}/services`, { url });
    assert.equal(res.status, 201, res.raw);
    assert.deepEqual({ protocol: res.body.protocol, host: res.body.host, port: res.body.port, path: res.body.path }, expected, url);
    assert.equal('url' in res.body, false);
  }
  const patched = await api.request('PATCH', `${base}/services/${(await api.request('GET', `${base}/services`)).body.data[0].id}`, { url: 'https://new.example.com/x' });
  assert.deepEqual([patched.body.protocol, patched.body.host, patched.body.port, patched.body.path], ['https', 'new.example.com', 443, '/x']);
});

test('refuses bad service input with the field named, storing nothing', async (t) => {
  const { api, base, refused } = await setup(t);
  await api.request('POST', `${base}/services`, { name: 'taken', host: 'a.internal' });
  const cases: [string, unknown, string][] = [
    ['unknown field', { host: 'a.internal', colour: 'red' }, 'colour'],
    ['wrong type', { host: 'a.internal', port: '80' }, 'port'],
    ['out of range', { host: 'a.internal', retries: 40000 }, 'retries'],
    ['missing host', { name: 'x' }, 'host'],
    ['bad host', { host: 'not a host' }, 'host'],
    ['relative path', { host: 'a.internal', path: 'v1' }, 'path'],
    ['path on tcp', { host: 'a.internal', protocol: 'tcp', path: '/v1' }, 'path'],
    ['bad protocol', { host: 'a.internal', protocol: 'ftp' }, 'protocol'],
    ['url with host', { url: 'http://a.internal', host: 'b.internal' }, 'url'],
    ['bad url', { url: 'not a url' }, 'url'],
    ['bad url scheme', { url: 'ftp://a.internal' }, 'url'],
    ['tls_verify on http', { host: 'a.internal', tls_verify: true }, 'tls_verify'],
    ['bad id', { id: 'nope', host: 'a.internal' }, 'id'],
    ['duplicate name', { name: 'taken', host: 'b.internal' }, 'name'],
    ['bad name', { name: 'has space', host: 'b.internal' }, 'name'],
  ];
  for (const [what, body, field] of cases) {
    const error = await refused('POST', `${base}/services`, body, 400, field);
    assert.equal(error.code, 3, what);
  }
  const taken = await api.request('GET', `${base}/services/taken`);
  await refused('POST', `${base}/services`, { id: taken.body.id, host: 'c.internal' }, 400, 'id');
  await refused('PUT', `${base}/services/other`, { host: 'a.internal', port: -1 }, 400, 'port');
  await refused('PUT', `${base}/services/${newId()}`, { name: 'taken', host: 'a.internal' }, 400, 'name');
  await refused('PATCH', `${base}/services/taken`, { protocol: 'grpc', path: '/x' }, 400, 'path');
  await refused('PATCH', `${base}/services/taken`, { nope: 1 }, 400, 'nope');
  await refused('PATCH', `${base}/services/missing`, { port: 1 }, 404);
  await refused('POST', `${base}/services`, [{ host: 'a.internal' }], 400);
  await refused('POST', `${base}/services`, '{"host":', 400, undefined, { 'content-type': 'application/json' });
});

test('refuses to delete a service with routes, and deletes its plugins with it', async (t) => {
  const { api, base, refused } = await setup(t);
  const service = (await api.request('POST', `${base}/services`, { name: 's', host: 'a.internal' })).body;
  const route = (await api.request('POST', `${base}/services/s/routes`, { name: 'r', paths: ['/'] })).body;
  const plugin = (await api.request('POST', `${base}/services/s/plugins`, { name: 'request-transformer' })).body;
  const error = await refused('DELETE', `${base}/services/s`, undefined, 400);
  assert.match(error.details[0].messages[0], /an existing 'routes' entity references this 'services' entity/);
  assert.equal((await api.request('DELETE', `${base}/routes/${route.id}`)).status, 204);
  assert.equal((await api.request('DELETE', `${base}/services/${service.id}`)).status, 204);
  assert.equal((await api.request('GET', `${base}/plugins/${plugin.id}`)).status, 404, 'service-scoped plugin cascaded');
});

test('pages with size and offset, and filters by tags and name', async (t) => {
  const { api, base, refused } = await setup(t);
  const tags = [['a', 'b'], ['a'], ['b'], null, ['a', 'b', 'c']];
  for (let i = 0; i < 5; i++) assert.equal((await api.request('POST', `${base}/services`, { name: `svc-${i}`, host: 'h.internal', tags: tags[i] })).status, 201);
  const names: string[] = [];
  let url: string | null = `${base}/services?size=2`;
  let pages = 0;
  while (url) {
    const res = await api.request('GET', url);
    assert.equal(res.status, 200);
    spec('get', '/services', 200, res.body);
    names.push(...res.body.data.map((s: any) => s.name));
    if (res.body.next === null) assert.equal('offset' in res.body, false, 'no offset on the last page');
    else assert.equal(res.body.next, `${base}/services?size=2&offset=${encodeURIComponent(res.body.offset)}`);
    url = res.body.next;
    pages++;
  }
  assert.equal(pages, 3);
  assert.deepEqual(names, ['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4']);

  const list = async (query: string) => (await api.request('GET', `${base}/services?${query}`)).body.data.map((s: any) => s.name);
  assert.deepEqual(await list('tags=a,b'), ['svc-0', 'svc-4']);
  assert.deepEqual(await list('tags=a/b'), ['svc-0', 'svc-1', 'svc-2', 'svc-4']);
  assert.deepEqual(await list('filter[name][eq]=svc-3'), ['svc-3']);
  assert.deepEqual(await list('filter%5Bname%5D%5Bcontains%5D=SVC-'), ['svc-0', 'svc-1', 'svc-2', 'svc-3', 'svc-4']);

  for (const size of ['0', '1001', 'x', '1.5']) await refused('GET', `${base}/services?size=${size}`, undefined, 400, 'size');
  await refused('GET', `${base}/services?offset=garbage`, undefined, 400, 'offset');
  await refused('GET', `${base}/services?tags=a,b/c`, undefined, 400, 'tags');
});

test('answers under both bases, and 404 in the Kong shape for an unknown control plane', async (t) => {
  const { api, cp, base } = await setup(t);
  const created = await api.request('POST', `/konnect-api/api/runtime_groups/${cp}/services`, { name: 'rg', host: 'a.internal' });
  assert.equal(created.status, 201);
  assert.deepEqual((await api.request('GET', `${base}/services/rg`)).body, created.body);
  assert.equal((await api.request('GET', `/konnect-api/api/runtime_groups/${cp}/services/${created.body.id}`)).status, 200);
  for (const url of [`/v2/control-planes/${newId()}/core-entities/services`, `/konnect-api/api/runtime_groups/${newId()}/routes`]) {
    const res = await api.request('GET', url);
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 5);
    assertKongError(res.body);
  }
  const write = await api.request('POST', `/v2/control-planes/${newId()}/core-entities/services`, { host: 'a.internal' });
  assert.equal(write.status, 404);
});

test('refuses a wrong token (401) and an oversized body (413), storing nothing', async (t) => {
  const { base, refused } = await setup(t);
  await refused('GET', `${base}/services`, undefined, 401, undefined, { authorization: 'Bearer kpat_wrong' });
  await refused('POST', `${base}/services`, { host: 'a.internal' }, 401, undefined, { authorization: 'Bearer kpat_wrong' });
  await refused('POST', `${base}/services`, { host: 'a.internal', tags: ['x'.repeat(API_BODY_LIMIT_BYTES)] }, 413);
});
