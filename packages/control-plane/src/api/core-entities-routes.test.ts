import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@gatehouse/schema';
import { setupCoreEntities, spec } from './core-entities-harness.ts';

// Routes through the core-entities API: top level and nested under a service, Kong's route rules.

async function setup(t: TestContext) {
  const h = await setupCoreEntities(t);
  const service = (await h.api.request('POST', `${h.base}/services`, { name: 'svc', host: 'upstream.internal' })).body;
  return { ...h, service };
}

test('creates, reads, upserts, patches, lists and deletes routes, top level and nested, as the spec declares', async (t) => {
  const { api, base, service } = await setup(t);
  const top = await api.request('POST', `${base}/routes`, { name: 'top', paths: ['/top'], service: { id: service.id } });
  assert.equal(top.status, 201, top.raw);
  spec('post', '/routes', 201, top.body);
  assert.deepEqual(
    [top.body.protocols, top.body.strip_path, top.body.path_handling, top.body.preserve_host, top.body.https_redirect_status_code, top.body.regex_priority],
    [['http', 'https'], true, 'v0', false, 426, 0],
  );
  assert.equal(top.body.methods, null);

  const nested = await api.request('POST', `${base}/services/svc/routes`, { name: 'nested', hosts: ['*.example.com'] });
  assert.equal(nested.status, 201);
  spec('post', '/services/{ServiceId}/routes', 201, nested.body);
  assert.deepEqual(nested.body.service, { id: service.id }, 'the parent comes from the path');

  spec('get', '/routes/{RouteId}', 200, (await api.request('GET', `${base}/routes/top`)).body);
  const nestedGet = await api.request('GET', `${base}/services/${service.id}/routes/nested`);
  assert.equal(nestedGet.status, 200);
  spec('get', '/services/{ServiceId}/routes/{RouteId}', 200, nestedGet.body);

  const list = await api.request('GET', `${base}/routes`);
  spec('get', '/routes', 200, list.body);
  assert.deepEqual(list.body.data.map((r: any) => r.name), ['top', 'nested']);
  const nestedList = await api.request('GET', `${base}/services/svc/routes`);
  spec('get', '/services/{ServiceId}/routes', 200, nestedList.body);
  assert.equal(nestedList.body.data.length, 2);

  const put = await api.request('PUT', `${base}/services/svc/routes/by-put`, { methods: ['GET'] });
  assert.equal(put.status, 200);
  spec('put', '/services/{ServiceId}/routes/{RouteId}', 200, put.body);
  assert.equal(put.body.name, 'by-put');
  assert.deepEqual(put.body.service, { id: service.id });
  const putTop = await api.request('PUT', `${base}/routes/${top.body.id}`, { name: 'top', paths: ['/v2'], strip_path: false });
  spec('put', '/routes/{RouteId}', 200, putTop.body);
  assert.equal(putTop.body.service, null, 'PUT replaces: the service left out is unset');

  const patched = await api.request('PATCH', `${base}/routes/nested`, { paths: ['/p'], tags: ['x'] });
  assert.equal(patched.status, 200);
  assert.deepEqual([patched.body.paths, patched.body.hosts, patched.body.tags], [['/p'], ['*.example.com'], ['x']]);

  assert.equal((await api.request('DELETE', `${base}/services/svc/routes/nested`)).status, 204);
  assert.equal((await api.request('GET', `${base}/routes/nested`)).status, 404);
  assert.equal((await api.request('DELETE', `${base}/routes/nested`)).status, 204);
});

test('a nested route of another service is not found there', async (t) => {
  const { api, base, refused } = await setup(t);
  await api.request('POST', `${base}/services`, { name: 'other', host: 'other.internal' });
  const route = (await api.request('POST', `${base}/services/svc/routes`, { name: 'r', paths: ['/'] })).body;
  await refused('GET', `${base}/services/other/routes/${route.id}`, undefined, 404);
  await refused('PATCH', `${base}/services/other/routes/r`, { paths: ['/x'] }, 404);
  await refused('DELETE', `${base}/services/other/routes/r`, undefined, 404);
  await refused('GET', `${base}/services/missing/routes`, undefined, 404);
  await refused('POST', `${base}/services/missing/routes`, { paths: ['/'] }, 404);
});

test('refuses routes that break Kong rules, naming the field, storing nothing', async (t) => {
  const { api, base, refused } = await setup(t);
  await api.request('POST', `${base}/routes`, { name: 'taken', paths: ['/'] });
  const cases: [string, unknown, string | undefined, RegExp?][] = [
    ['unknown field', { paths: ['/'], colour: 'red' }, 'colour'],
    ['wrong type', { paths: '/a' }, 'paths'],
    ['bad strip_path', { paths: ['/'], strip_path: 'yes' }, 'strip_path'],
    ['no matching field', {}, undefined, /must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'/],
    ['http only, no matching field', { protocols: ['http'] }, undefined, /must set one of 'methods', 'hosts', 'headers', 'paths' when 'protocols' is 'http'/],
    ['relative path', { paths: ['a'] }, 'paths'],
    ['empty segment', { paths: ['/a//b'] }, 'paths'],
    ['bad regex', { paths: ['~/(a'] }, 'paths'],
    ['wildcard in the middle', { hosts: ['a.*.com'] }, 'hosts'],
    ['two wildcards', { hosts: ['*.a.*'] }, 'hosts'],
    ['bad host', { hosts: ['a b'] }, 'hosts'],
    ['Host header', { headers: { Host: ['a.com'] } }, 'headers'],
    ['snis on http', { protocols: ['http'], paths: ['/'], snis: ['a.com'] }, undefined, /'snis' can only be set/],
    ['mixed protocols', { protocols: ['http', 'tcp'], paths: ['/'] }, 'protocols'],
    ['sources on http', { paths: ['/'], sources: [{ ip: '10.0.0.1' }] }, 'sources'],
    ['lowercase method', { methods: ['get'] }, 'methods'],
    ['bad redirect code', { paths: ['/'], https_redirect_status_code: 303 }, 'https_redirect_status_code'],
    ['missing service', { paths: ['/'], service: { id: newId() } }, 'service'],
    ['duplicate name', { name: 'taken', paths: ['/x'] }, 'name'],
  ];
  for (const [what, body, field, message] of cases) {
    const error = await refused('POST', `${base}/routes`, body, 400, field);
    if (message) assert.match(JSON.stringify(error.details), message, what);
  }
  await refused('PUT', `${base}/routes/${newId()}`, { name: 'taken', paths: ['/'] }, 400, 'name');
  await refused('PUT', `${base}/routes/new`, { paths: ['/'], service: { id: newId() } }, 400, 'service');
  await refused('PATCH', `${base}/routes/taken`, { paths: null }, 400);
  await refused('PATCH', `${base}/routes/taken`, { headers: { host: ['x'] } }, 400, 'headers');
});

test('accepts Kong route shapes: regex paths, wildcard hosts, headers, grpc and tcp routes', async (t) => {
  const { api, base } = await setup(t);
  const ok: Record<string, unknown>[] = [
    { paths: ['~/users/(?<id>\\d+)$'] },
    { hosts: ['*.example.com', 'example.*', 'api.example.com:8443'] },
    { headers: { 'x-version': ['1', '2'] } },
    { protocols: ['https'], snis: ['api.example.com'] },
    { protocols: ['tcp'], destinations: [{ ip: '10.0.0.1', port: 5432 }] },
    { protocols: ['tls_passthrough'], snis: ['db.example.com'] },
  ];
  for (const body of ok) assert.equal((await api.request('POST', `${base}/routes`, body)).status, 201, JSON.stringify(body));
  const grpc = await api.request('POST', `${base}/routes`, { protocols: ['grpc'], paths: ['/pkg.Service/'] });
  assert.equal(grpc.status, 201);
  assert.equal(grpc.body.strip_path, false, "Kong's grpc routes default strip_path to false");
});
