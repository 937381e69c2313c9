import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { newId } from '@gatehouse/schema';
import { setupCoreEntities, spec } from './core-entities-harness.ts';

// Plugins through the core-entities API: global, service- and route-scoped, configs checked against
// the plugin's schema from @gatehouse/plugins.

const RT = 'request-transformer';

async function setup(t: TestContext) {
  const h = await setupCoreEntities(t);
  const service = (await h.api.request('POST', `${h.base}/services`, { name: 'svc', host: 'upstream.internal' })).body;
  const route = (await h.api.request('POST', `${h.base}/services/svc/routes`, { name: 'rt', paths: ['/'] })).body;
  return { ...h, service, route };
}

test('creates a global plugin with the config defaults filled, and reads, upserts, lists and deletes it', async (t) => {
  const { api, base } = await setup(t);
  const created = await api.request('POST', `${base}/plugins`, { name: RT, config: { add: { headers: ['x-a:1'] } } });
  assert.equal(created.status, 201, created.raw);
  spec('post', '/plugins', 201, created.body);
  assert.deepEqual(created.body.config.add, { headers: ['x-a:1'], body: [], querystring: [] });
  assert.deepEqual(created.body.config.remove, { body: [], headers: [], querystring: [] });
  assert.deepEqual([created.body.enabled, created.body.protocols, created.body.service, created.body.route], [true, ['grpc', 'grpcs', 'http', 'https'], null, null]);

  const got = await api.request('GET', `${base}/plugins/${created.body.id}`);
  spec('get', '/plugins/{PluginId}', 200, got.body);
  assert.deepEqual(got.body, created.body);

  const put = await api.request('PUT', `${base}/plugins/${created.body.id}`, { name: RT, instance_name: 'rt-global', enabled: false });
  assert.equal(put.status, 200);
  spec('put', '/plugins/{PluginId}', 200, put.body);
  assert.deepEqual(put.body.config.add.headers, [], 'PUT replaces the config');
  assert.equal((await api.request('GET', `${base}/plugins/rt-global`)).body.id, created.body.id, 'lookup by instance_name');

  const upserted = await api.request('PUT', `${base}/plugins/${newId()}`, { name: RT, route: { id: (await api.request('GET', `${base}/routes/rt`)).body.id } });
  assert.equal(upserted.status, 200);

  const list = await api.request('GET', `${base}/plugins`);
  assert.equal(list.status, 200);
  spec('get', '/plugins', 200, list.body);
  assert.equal(list.body.data.length, 2);

  assert.equal((await api.request('DELETE', `${base}/plugins/rt-global`)).status, 204);
  assert.equal((await api.request('GET', `${base}/plugins/${created.body.id}`)).status, 404);
});

test('nested plugins take their scope from the path, under services and routes', async (t) => {
  const { api, base, service, route, refused } = await setup(t);
  const onService = await api.request('POST', `${base}/services/svc/plugins`, { name: RT });
  assert.equal(onService.status, 201);
  spec('post', '/services/{ServiceId}/plugins', 201, onService.body);
  assert.deepEqual([onService.body.service, onService.body.route], [{ id: service.id }, null]);
  const onRoute = await api.request('POST', `${base}/routes/${route.id}/plugins`, { name: RT, config: { remove: { headers: ['x-b'] } } });
  assert.equal(onRoute.status, 201);
  spec('post', '/routes/{RouteId}/plugins', 201, onRoute.body);
  assert.deepEqual([onRoute.body.service, onRoute.body.route], [null, { id: route.id }]);

  spec('get', '/services/{ServiceId}/plugins', 200, (await api.request('GET', `${base}/services/svc/plugins`)).body);
  const routeList = await api.request('GET', `${base}/routes/rt/plugins`);
  spec('get', '/routes/{RouteId}/plugins', 200, routeList.body);
  assert.deepEqual(routeList.body.data.map((p: any) => p.id), [onRoute.body.id]);
  spec('get', '/services/{ServiceId}/plugins/{PluginId}', 200, (await api.request('GET', `${base}/services/svc/plugins/${onService.body.id}`)).body);
  spec('get', '/routes/{RouteId}/plugins/{PluginId}', 200, (await api.request('GET', `${base}/routes/rt/plugins/${onRoute.body.id}`)).body);
  await refused('GET', `${base}/routes/rt/plugins/${onService.body.id}`, undefined, 404);

  const put = await api.request('PUT', `${base}/services/svc/plugins/${onService.body.id}`, { name: RT, config: { append: { headers: ['x-c:1'] } } });
  assert.equal(put.status, 200);
  spec('put', '/services/{ServiceId}/plugins/{PluginId}', 200, put.body);
  const putRoute = await api.request('PUT', `${base}/routes/rt/plugins/${onRoute.body.id}`, { name: RT });
  spec('put', '/routes/{RouteId}/plugins/{PluginId}', 200, putRoute.body);

  // Deleting the route takes its plugins with it (Kong cascades plugins.route).
  assert.equal((await api.request('DELETE', `${base}/routes/rt`)).status, 204);
  assert.equal((await api.request('GET', `${base}/plugins/${onRoute.body.id}`)).status, 404);
  assert.equal((await api.request('GET', `${base}/plugins/${onService.body.id}`)).status, 200);
});

test('PATCH merges the config into the stored one', async (t) => {
  const { api, base } = await setup(t);
  const created = (await api.request('POST', `${base}/plugins`, { name: RT, config: { add: { headers: ['x-a:1'] }, remove: { headers: ['x-r'] } } })).body;
  const patched = await api.request('PATCH', `${base}/plugins/${created.id}`, { config: { add: { querystring: ['q:1'] } }, tags: ['t'] });
  assert.equal(patched.status, 200, patched.raw);
  assert.deepEqual(patched.body.config.add, { headers: ['x-a:1'], body: [], querystring: ['q:1'] });
  assert.deepEqual(patched.body.config.remove.headers, ['x-r']);
  assert.deepEqual(patched.body.tags, ['t']);
});

test('refuses bad plugins, naming the field, storing nothing', async (t) => {
  const { api, base, refused, service } = await setup(t);
  const existing = (await api.request('POST', `${base}/plugins`, { name: RT, instance_name: 'taken' })).body;
  const cases: [string, unknown, string][] = [
    ['unknown plugin', { name: 'no-such-plugin' }, 'name'],
    ['missing name', { config: {} }, 'name'],
    ['unknown field', { name: RT, colour: 'red' }, 'colour'],
    ['header without a colon', { name: RT, config: { add: { headers: ['nocolon'] } } }, 'config.add.headers'],
    ['unknown config key', { name: RT, config: { nope: true } }, 'config.nope'],
    ['unknown nested config key', { name: RT, config: { add: { cookies: [] } } }, 'config.add.cookies'],
    ['wrong config type', { name: RT, config: { add: { headers: 'x:1' } } }, 'config.add.headers'],
    ['bad template', { name: RT, config: { add: { headers: ['x:$(nope'] } } }, 'config.add.headers'],
    ['lowercase http_method', { name: RT, config: { http_method: 'get' } }, 'config.http_method'],
    ['config not an object', { name: RT, config: 'x' }, 'config'],
    ['bad protocol', { name: RT, protocols: ['gopher'] }, 'protocols'],
    ['missing service', { name: RT, service: { id: newId() } }, 'service'],
    ['missing route', { name: RT, route: { id: newId() } }, 'route'],
    ['missing consumer', { name: RT, consumer: { id: newId() } }, 'consumer'],
    ['duplicate global plugin', { name: RT }, 'name'],
    ['duplicate instance_name', { name: RT, instance_name: 'taken', service: { id: service.id } }, 'instance_name'],
  ];
  for (const [what, body, field] of cases) {
    const error = await refused('POST', `${base}/plugins`, body, 400, field);
    assert.equal(error.code, 3, what);
  }
  const unknown = await refused('POST', `${base}/plugins`, { name: 'no-such-plugin' }, 400, 'name');
  assert.match(unknown.details[0].messages[0], /plugin 'no-such-plugin' not enabled; add it to the 'plugins' configuration property/);
  await api.request('POST', `${base}/services/svc/plugins`, { name: RT });
  await refused('POST', `${base}/services/svc/plugins`, { name: RT }, 400, 'name');
  await refused('POST', `${base}/services/missing/plugins`, { name: RT }, 404);
  await refused('PUT', `${base}/plugins/${existing.id}`, { name: RT, config: { add: { headers: ['nocolon'] } } }, 400, 'config.add.headers');
  await refused('PATCH', `${base}/plugins/${existing.id}`, { config: { add: { headers: ['nocolon'] } } }, 400, 'config.add.headers');
  await refused('PATCH', `${base}/plugins/${existing.id}`, { name: 'no-such-plugin' }, 400, 'name');
  await refused('PATCH', `${base}/plugins/${newId()}`, { enabled: false }, 404);
});
