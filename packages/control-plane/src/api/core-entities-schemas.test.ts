import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PLUGIN_SCHEMAS } from '@gatehouse/plugins/schemas.ts';
import { setupCoreEntities, spec } from './core-entities-harness.ts';

// Schema endpoints (available plugins, Kong and JSON schemas, validate) and the plugins serverless
// control planes refuse.

test('available-plugins lists the registry; plugin schemas come in Kong Lua-schema JSON and JSON Schema', async (t) => {
  const { base, ok } = await setupCoreEntities(t);
  const available = await ok('GET', `${base}/v1/available-plugins`, undefined, 200);
  assert.deepEqual(available.names, Object.keys(PLUGIN_SCHEMAS).sort());

  const kong = await ok('GET', `${base}/schemas/plugins/request-transformer`, undefined, 200);
  spec('get', '/schemas/plugins/{pluginName}', 200, kong);
  const config = kong.fields.find((f: any) => 'config' in f).config;
  assert.equal(config.type, 'record');
  const add = config.fields.find((f: any) => 'add' in f).add;
  assert.equal(add.type, 'record');
  const headers = add.fields.find((f: any) => 'headers' in f).headers;
  assert.equal(headers.type, 'array');
  assert.deepEqual(headers.default, []);
  const protocols = kong.fields.find((f: any) => 'protocols' in f).protocols;
  assert.equal(protocols.type, 'set');
  assert.deepEqual(protocols.default, ['grpc', 'grpcs', 'http', 'https']);
  assert.ok(protocols.elements.one_of.includes('https'));

  const json = await ok('GET', `${base}/v1/schemas/json/plugins/request-transformer`, undefined, 200);
  assert.equal(json.properties.name.const, 'request-transformer');
  assert.deepEqual(json.properties.config.properties.add.properties.headers.default, []);
  await ok('GET', `${base}/schemas/plugins/no-such-plugin`, undefined, 404);
  await ok('GET', `${base}/v1/schemas/json/plugins/no-such-plugin`, undefined, 404);
});

test('entity JSON schemas answer decK\'s type names with Kong defaults', async (t) => {
  const { base, ok } = await setupCoreEntities(t);
  const upstream = await ok('GET', `${base}/v1/schemas/json/upstream`, undefined, 200);
  assert.equal(upstream.properties.algorithm.default, 'round-robin');
  assert.equal(upstream.properties.slots.default, 10000);
  for (const type of ['service', 'route', 'target', 'consumer', 'consumer_group', 'certificate', 'ca_certificate', 'sni', 'jwt', 'hmac-auth', 'basic-auth', 'key-auth']) {
    const schema = await ok('GET', `${base}/v1/schemas/json/${type}`, undefined, 200);
    assert.equal(schema.type, 'object', type);
  }
  assert.equal((await ok('GET', `${base}/v1/schemas/json/target`, undefined, 200)).properties.weight.default, 100);
  await ok('GET', `${base}/v1/schemas/json/nothing`, undefined, 404);
});

test('schemas/{entity}/validate checks without storing and names the field', async (t) => {
  const { base, ok, refused } = await setupCoreEntities(t);
  const valid = await ok('POST', `${base}/schemas/services/validate`, { url: 'http://a.internal' }, 200);
  spec('post', '/schemas/{entityName}/validate', 200, valid);
  await refused('POST', `${base}/schemas/services/validate`, { host: 'a.internal', port: 70000 }, 400, 'port');
  await refused('POST', `${base}/schemas/upstreams/validate`, { name: 'a.internal', hash_on: 'cookie' }, 400, 'hash_on_cookie');
  await refused('POST', `${base}/schemas/plugins/validate`, { name: 'request-transformer', config: { add: { headers: 5 } } }, 400, 'config.add.headers');
  await ok('POST', `${base}/schemas/nothing/validate`, {}, 404);
  assert.deepEqual((await ok('GET', `${base}/services`, undefined, 200)).data, []);
});

test('serverless control planes refuse plugins that need a local agent, naming the reason', async (t) => {
  for (const clusterType of ['CLUSTER_TYPE_SERVERLESS', 'CLUSTER_TYPE_SERVERLESS_V1']) {
    const { base, refused } = await setupCoreEntities(t, clusterType);
    const body = await refused('POST', `${base}/plugins`, { name: 'file-log', config: { path: '/tmp/x' } }, 400, 'name');
    assert.match(JSON.stringify(body), /not available on serverless gateways: .*file system/);
    await refused('POST', `${base}/plugins`, { name: 'datadog' }, 400, 'name');
  }
  // A hybrid control plane only refuses plugins Gatehouse does not ship.
  const hybrid = await setupCoreEntities(t, 'CLUSTER_TYPE_CONTROL_PLANE');
  const body = await hybrid.refused('POST', `${hybrid.base}/plugins`, { name: 'file-log', config: { path: '/tmp/x' } }, 400, 'name');
  assert.doesNotMatch(JSON.stringify(body), /serverless/);
});
