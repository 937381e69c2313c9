import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { assertMatchesSpec } from '@gatehouse/test-kit/openapi.ts';
import { startTestApi, type TestApi } from '../testing.ts';

// Control Planes API v2 against the official spec (../shared/specs/konnect/control-planes-v2.yaml):
// every success and error body goes through assertMatchesSpec, and every refused request is followed
// by a read showing that nothing changed.

const SPEC = 'control-planes-v2';
const ONE = '/control-planes/{controlPlaneId}';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function setup(t: TestContext): Promise<TestApi> {
  const api = await startTestApi({ baseDomain: 'gh.test', clusterPort: 8005, telemetryPort: 8006, proxyPort: 8000 });
  t.after(() => api.close());
  return api;
}

// Lists order by created_at (milliseconds), then id: a pause keeps creation order observable.
const tick = () => new Promise((resolve) => setTimeout(resolve, 2));

async function create(api: TestApi, body: Record<string, unknown>) {
  const res = await api.request('POST', '/v2/control-planes', body);
  assert.equal(res.status, 201, res.raw);
  await tick();
  return res.body;
}

async function listAll(api: TestApi, query = '') {
  const res = await api.request('GET', `/v2/control-planes?page[size]=100${query}`);
  assert.equal(res.status, 200, res.raw);
  assertMatchesSpec(SPEC, 'get', '/control-planes', 200, res.body);
  return res.body;
}

const names = (body: { data: { name: string }[] }): string[] => body.data.map((cp) => cp.name);

// 413 and 415 are not declared for these operations; their bodies are held to BaseError (status,
// title, instance, detail), which is exactly what the declared 404 schema requires.
function assertProblem(res: { status: number; headers: Record<string, unknown>; body: any }, status: number): void {
  assert.equal(res.status, status);
  assert.equal(res.body.status, status);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assertMatchesSpec(SPEC, 'get', ONE, 404, res.body);
}

describe('POST /v2/control-planes', () => {
  test('creates a control plane with the documented defaults and every spec field', async (t) => {
    const api = await setup(t);
    const res = await api.request('POST', '/v2/control-planes', { name: 'first' });
    assert.equal(res.status, 201);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assertMatchesSpec(SPEC, 'post', '/control-planes', 201, res.body);
    const cp = res.body;
    assert.equal(cp.name, 'first');
    assert.equal(cp.description, '');
    assert.deepEqual(cp.labels, {});
    assert.equal(cp.config.cluster_type, 'CLUSTER_TYPE_CONTROL_PLANE');
    assert.equal(cp.config.auth_type, 'pinned_client_certs');
    assert.equal(cp.config.cloud_gateway, false);
    assert.deepEqual(cp.config.proxy_urls, []);
    assert.match(cp.config.control_plane_endpoint, /^https:\/\/[0-9a-f]{10}\.cp\.gh\.test:8005$/);
    const prefix = cp.config.control_plane_endpoint.slice(8, 18);
    assert.equal(cp.config.telemetry_endpoint, `https://${prefix}.tp.gh.test:8006`);
    assert.match(cp.created_at, ISO_MS);
    assert.equal(cp.updated_at, cp.created_at);
  });

  test('keeps every given field', async (t) => {
    const api = await setup(t);
    const body = {
      name: 'full',
      description: 'd'.repeat(2048),
      cluster_type: 'CLUSTER_TYPE_K8S_INGRESS_CONTROLLER',
      auth_type: 'pki_client_certs',
      cloud_gateway: false,
      proxy_urls: [{ host: 'example.com', port: 443, protocol: 'https' }],
      labels: { env: 'test', 'team.a_b-c': 'X1' },
    };
    const cp = await create(api, body);
    assertMatchesSpec(SPEC, 'post', '/control-planes', 201, cp);
    assert.equal(cp.description, body.description);
    assert.deepEqual(cp.labels, body.labels);
    assert.equal(cp.config.cluster_type, body.cluster_type);
    assert.equal(cp.config.auth_type, 'pki_client_certs');
    assert.deepEqual(cp.config.proxy_urls, body.proxy_urls);
  });

  const types: [given: Record<string, unknown>, clusterType: string, cloudGateway: boolean][] = [
    [{ cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1' }, 'CLUSTER_TYPE_SERVERLESS_V1', true],
    [{ cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true }, 'CLUSTER_TYPE_SERVERLESS_V1', true],
    [{ cluster_type: 'CLUSTER_TYPE_CLOUD_API_GATEWAY' }, 'CLUSTER_TYPE_SERVERLESS_V1', true],
    [{ cluster_type: 'CLUSTER_TYPE_SERVERLESS' }, 'CLUSTER_TYPE_SERVERLESS', false],
    [{ cluster_type: 'CLUSTER_TYPE_SERVERLESS', cloud_gateway: false }, 'CLUSTER_TYPE_SERVERLESS', false],
    [{ cluster_type: 'CLUSTER_TYPE_HYBRID' }, 'CLUSTER_TYPE_CONTROL_PLANE', false],
    [{ cluster_type: 'CLUSTER_TYPE_CONTROL_PLANE', cloud_gateway: true }, 'CLUSTER_TYPE_CONTROL_PLANE', true],
    [{ cluster_type: 'CLUSTER_TYPE_CONTROL_PLANE_GROUP' }, 'CLUSTER_TYPE_CONTROL_PLANE_GROUP', false],
    [{ cluster_type: 'CLUSTER_TYPE_KAFKA_NATIVE_EVENT_PROXY' }, 'CLUSTER_TYPE_KAFKA_NATIVE_EVENT_PROXY', false],
  ];
  for (const [given, clusterType, cloudGateway] of types) {
    test(`stores ${JSON.stringify(given)} as ${clusterType} with cloud_gateway ${cloudGateway}`, async (t) => {
      const api = await setup(t);
      const cp = await create(api, { name: 'typed', ...given });
      assertMatchesSpec(SPEC, 'post', '/control-planes', 201, cp);
      assert.equal(cp.config.cluster_type, clusterType);
      assert.equal(cp.config.cloud_gateway, cloudGateway);
      const read = await api.request('GET', `/v2/control-planes/${cp.id}`);
      assert.equal(read.body.config.cluster_type, clusterType);
    });
  }

  test('gives every control plane its own 10-hex DNS prefix', async (t) => {
    const api = await setup(t);
    const prefixes = new Set<string>();
    for (let i = 0; i < 20; i++) prefixes.add((await create(api, { name: `cp-${i}` })).config.control_plane_endpoint.slice(8, 18));
    assert.equal(prefixes.size, 20);
    for (const prefix of prefixes) assert.match(prefix, /^[0-9a-f]{10}$/);
  });

  const long = (n: number) => 'a'.repeat(n);
  const badBodies: [name: string, body: unknown, field: string, rule: string][] = [
    ['a missing name', { description: 'x' }, 'name', 'required'],
    ['a one-character name', { name: 'a' }, 'name', 'min_length'],
    ['a 257-character name', { name: long(257) }, 'name', 'max_length'],
    ['a name that is a number', { name: 42 }, 'name', 'is_string'],
    ['a blank name', { name: '   ' }, 'name', 'invalid'],
    ['a 2049-character description', { name: 'ok', description: long(2049) }, 'description', 'max_length'],
    ['a null description', { name: 'ok', description: null }, 'description', 'is_string'],
    ['an unknown property', { name: 'ok', id: UNKNOWN_ID }, 'id', 'unknown_property'],
    ['an unknown cluster_type', { name: 'ok', cluster_type: 'CLUSTER_TYPE_MAINFRAME' }, 'cluster_type', 'enum'],
    ['an unknown auth_type', { name: 'ok', auth_type: 'password' }, 'auth_type', 'enum'],
    ['cloud_gateway as a string', { name: 'ok', cloud_gateway: 'yes' }, 'cloud_gateway', 'is_boolean'],
    ['cloud_gateway false on a Serverless V1 type', { name: 'ok', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: false }, 'cloud_gateway', 'invalid'],
    ['cloud_gateway true on a Serverless V0 type', { name: 'ok', cluster_type: 'CLUSTER_TYPE_SERVERLESS', cloud_gateway: true }, 'cloud_gateway', 'invalid'],
    ['six proxy_urls', { name: 'ok', proxy_urls: Array.from({ length: 6 }, (_, i) => ({ host: `h${i}`, port: 443, protocol: 'https' })) }, 'proxy_urls', 'max_items'],
    ['a proxy_url with port 0', { name: 'ok', proxy_urls: [{ host: 'h', port: 0, protocol: 'https' }] }, 'proxy_urls.0.port', 'min'],
    ['a proxy_url with a 121-character host', { name: 'ok', proxy_urls: [{ host: long(121), port: 1, protocol: 'https' }] }, 'proxy_urls.0.host', 'max_length'],
    ['a proxy_url with a 33-character protocol', { name: 'ok', proxy_urls: [{ host: 'h', port: 1, protocol: long(33) }] }, 'proxy_urls.0.protocol', 'max_length'],
    ['a proxy_url without protocol', { name: 'ok', proxy_urls: [{ host: 'h', port: 1 }] }, 'proxy_urls.0.protocol', 'required'],
    ['a proxy_url with an extra field', { name: 'ok', proxy_urls: [{ host: 'h', port: 1, protocol: 'http', path: '/' }] }, 'proxy_urls.0.path', 'unknown_property'],
    ['a label key starting with kong', { name: 'ok', labels: { 'kong-env': 'x' } }, 'labels.kong-env', 'is_label'],
    ['a label key starting with konnect', { name: 'ok', labels: { konnectx: 'x' } }, 'labels.konnectx', 'is_label'],
    ['a label key starting with _', { name: 'ok', labels: { _private: 'x' } }, 'labels._private', 'is_label'],
    ['a 64-character label key', { name: 'ok', labels: { [long(64)]: 'x' } }, `labels.${long(64)}`, 'is_label'],
    ['a label value with a space', { name: 'ok', labels: { env: 'a b' } }, 'labels.env', 'matches_regex'],
    ['a label value ending in a dash', { name: 'ok', labels: { env: 'ab-' } }, 'labels.env', 'matches_regex'],
    ['a 64-character label value', { name: 'ok', labels: { env: long(64) } }, 'labels.env', 'max_length'],
    ['a numeric label value', { name: 'ok', labels: { env: 1 } }, 'labels.env', 'is_string'],
    ['a JSON array body', [{ name: 'ok' }], 'body', 'is_object'],
    ['a JSON string body', '"name"', 'body', 'is_object'],
  ];
  for (const [what, body, field, rule] of badBodies) {
    test(`refuses ${what} with 400 and creates nothing`, async (t) => {
      const api = await setup(t);
      const res = await api.request('POST', '/v2/control-planes', body, typeof body === 'string' ? { 'content-type': 'application/json' } : {});
      assert.equal(res.status, 400, res.raw);
      assertMatchesSpec(SPEC, 'post', '/control-planes', 400, res.body);
      const problem = res.body.invalid_parameters.find((p: { field: string }) => p.field === field);
      assert.ok(problem, `no invalid_parameters entry for ${field}: ${res.raw}`);
      assert.equal(problem.rule, rule);
      assert.equal((await listAll(api)).meta.page.total, 0);
    });
  }

  test('names the offending property in an unknown-property 400, as Konnect does', async (t) => {
    const api = await setup(t);
    const res = await api.request('POST', '/v2/control-planes', { name: 'ok', config: {} });
    assert.equal(res.status, 400);
    assert.equal(res.body.detail, 'Request contains unknown property');
    assert.deepEqual(res.body.invalid_parameters, [{ field: 'config', rule: 'unknown_property', reason: 'property config should not exist' }]);
  });

  test('refuses a duplicate name with 409 and keeps one control plane', async (t) => {
    const api = await setup(t);
    await create(api, { name: 'taken' });
    const res = await api.request('POST', '/v2/control-planes', { name: 'taken', description: 'second' });
    assert.equal(res.status, 409);
    assertMatchesSpec(SPEC, 'post', '/control-planes', 409, res.body);
    assert.equal(res.body.detail, 'Control Plane with provided name already exists.');
    const all = await listAll(api);
    assert.deepEqual(names(all), ['taken']);
    assert.equal(all.data[0].description, '');
  });

  test('returns 401 without a token, with a wrong token and with a non-bearer scheme, and creates nothing', async (t) => {
    const api = await setup(t);
    for (const authorization of ['', 'Bearer kpat_wrong', `Basic ${api.token}`]) {
      const res = await api.request('POST', '/v2/control-planes', { name: 'nope' }, { authorization });
      assert.equal(res.status, 401);
      assertMatchesSpec(SPEC, 'post', '/control-planes', 401, res.body);
    }
    assert.equal((await listAll(api)).meta.page.total, 0);
  });

  test('returns 415 for a non-JSON content type and creates nothing', async (t) => {
    const api = await setup(t);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const res = await api.request('POST', '/v2/control-planes', '{"name":"nope"}', { 'content-type': type });
      assertProblem(res, 415);
    }
    assert.equal((await listAll(api)).meta.page.total, 0);
  });

  test('returns 400 for broken JSON and for an empty JSON body, and creates nothing', async (t) => {
    const api = await setup(t);
    for (const raw of ['{"name": "nope"', '']) {
      const res = await api.request('POST', '/v2/control-planes', raw, { 'content-type': 'application/json' });
      assert.equal(res.status, 400, raw);
      assertMatchesSpec(SPEC, 'post', '/control-planes', 400, res.body);
      assert.equal(res.body.invalid_parameters[0].field, 'body');
    }
    const none = await api.request('POST', '/v2/control-planes');
    assert.equal(none.status, 400);
    assertMatchesSpec(SPEC, 'post', '/control-planes', 400, none.body);
    assert.equal((await listAll(api)).meta.page.total, 0);
  });

  test('returns 413 for a body over 1 MiB and creates nothing', async (t) => {
    const api = await setup(t);
    const res = await api.request('POST', '/v2/control-planes', { name: 'big', description: 'x'.repeat(1024 * 1024 + 1) });
    assertProblem(res, 413);
    assert.equal((await listAll(api)).meta.page.total, 0);
  });
});

describe('GET /v2/control-planes/{id}', () => {
  test('returns the control plane as created', async (t) => {
    const api = await setup(t);
    const cp = await create(api, { name: 'read-me', labels: { a: 'b' } });
    const res = await api.request('GET', `/v2/control-planes/${cp.id}`);
    assert.equal(res.status, 200);
    assertMatchesSpec(SPEC, 'get', ONE, 200, res.body);
    assert.deepEqual(res.body, cp);
  });

  test('accepts the id in upper case', async (t) => {
    const api = await setup(t);
    const cp = await create(api, { name: 'upper' });
    const res = await api.request('GET', `/v2/control-planes/${cp.id.toUpperCase()}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.id, cp.id);
  });

  test('returns 400 "invalid ID format" for an id that is not a UUID', async (t) => {
    const api = await setup(t);
    const res = await api.request('GET', '/v2/control-planes/not-a-uuid');
    assert.equal(res.status, 400);
    assertMatchesSpec(SPEC, 'get', ONE, 400, res.body);
    assert.deepEqual(res.body.invalid_parameters, [{ field: 'id', rule: 'is_uuid', reason: 'invalid ID format' }]);
  });

  test('returns 404 for an unknown id', async (t) => {
    const api = await setup(t);
    const res = await api.request('GET', `/v2/control-planes/${UNKNOWN_ID}`);
    assert.equal(res.status, 404);
    assertMatchesSpec(SPEC, 'get', ONE, 404, res.body);
    assert.equal(res.body.detail, 'The requested control plane was not found.');
  });

  test('returns 401 without a token', async (t) => {
    const api = await setup(t);
    const cp = await create(api, { name: 'secret' });
    const res = await api.request('GET', `/v2/control-planes/${cp.id}`, undefined, { authorization: '' });
    assert.equal(res.status, 401);
    assertMatchesSpec(SPEC, 'get', ONE, 401, res.body);
  });
});

describe('GET /v2/control-planes', () => {
  async function seed(api: TestApi) {
    const made = [];
    made.push(await create(api, { name: 'alpha', labels: { env: 'prod', team: 'a' } }));
    made.push(await create(api, { name: 'beta', cluster_type: 'CLUSTER_TYPE_SERVERLESS', labels: { env: 'dev' } }));
    made.push(await create(api, { name: 'gamma', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', labels: { env: 'prod' } }));
    made.push(await create(api, { name: 'delta', cluster_type: 'CLUSTER_TYPE_K8S_INGRESS_CONTROLLER' }));
    made.push(await create(api, { name: 'alphabet', cluster_type: 'CLUSTER_TYPE_CONTROL_PLANE', cloud_gateway: true, labels: { team: 'b' } }));
    return made;
  }

  test('pages with page[size] and 1-based page[number], reporting the total', async (t) => {
    const api = await setup(t);
    await seed(api);
    const pages = [];
    for (const number of [1, 2, 3, 4]) {
      const res = await api.request('GET', `/v2/control-planes?page[size]=2&page[number]=${number}`);
      assert.equal(res.status, 200);
      assertMatchesSpec(SPEC, 'get', '/control-planes', 200, res.body);
      assert.deepEqual(res.body.meta, { page: { number, size: 2, total: 5 } });
      pages.push(names(res.body));
    }
    assert.deepEqual(pages, [['alpha', 'beta'], ['gamma', 'delta'], ['alphabet'], []]);
  });

  test('uses page size 10 and page 1 by default, also for empty parameters', async (t) => {
    const api = await setup(t);
    for (let i = 0; i < 12; i++) await create(api, { name: `cp-${String(i).padStart(2, '0')}` });
    for (const url of ['/v2/control-planes', '/v2/control-planes?page[size]=&page[number]=']) {
      const res = await api.request('GET', url);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.meta, { page: { number: 1, size: 10, total: 12 } });
      assert.equal(res.body.data.length, 10);
    }
    const last = await api.request('GET', '/v2/control-planes?page[size]=100');
    assert.equal(last.body.data.length, 12);
  });

  test('returns an empty page with meta when there are no control planes', async (t) => {
    const api = await setup(t);
    const res = await api.request('GET', '/v2/control-planes');
    assert.deepEqual(res.body, { meta: { page: { number: 1, size: 10, total: 0 } }, data: [] });
    assertMatchesSpec(SPEC, 'get', '/control-planes', 200, res.body);
  });

  test('filters by name with eq, the bare form, neq and contains', async (t) => {
    const api = await setup(t);
    await seed(api);
    assert.deepEqual(names(await listAll(api, '&filter[name][eq]=alpha')), ['alpha']);
    assert.deepEqual(names(await listAll(api, '&filter[name]=beta')), ['beta']);
    assert.deepEqual(names(await listAll(api, '&filter[name][neq]=alpha')), ['beta', 'gamma', 'delta', 'alphabet']);
    assert.deepEqual(names(await listAll(api, '&filter[name][contains]=lph')), ['alpha', 'alphabet']);
    assert.deepEqual(names(await listAll(api, '&filter[name][contains]=alpha&filter[name][neq]=alpha')), ['alphabet']);
    assert.deepEqual(names(await listAll(api, '&filter[name]=nobody')), []);
  });

  test('filters by id with eq and oeq', async (t) => {
    const api = await setup(t);
    const [alpha, beta, gamma] = await seed(api);
    assert.deepEqual(names(await listAll(api, `&filter[id][eq]=${beta.id}`)), ['beta']);
    assert.deepEqual(names(await listAll(api, `&filter[id]=${gamma.id}`)), ['gamma']);
    assert.deepEqual(names(await listAll(api, `&filter[id][oeq]=${alpha.id},${gamma.id}`)), ['alpha', 'gamma']);
    assert.deepEqual(names(await listAll(api, `&filter[id][eq]=${UNKNOWN_ID}`)), []);
  });

  test('filters by cluster_type with eq, neq and oeq, aliases included', async (t) => {
    const api = await setup(t);
    await seed(api);
    assert.deepEqual(names(await listAll(api, '&filter[cluster_type][eq]=CLUSTER_TYPE_SERVERLESS')), ['beta']);
    assert.deepEqual(names(await listAll(api, '&filter[cluster_type]=CLUSTER_TYPE_CLOUD_API_GATEWAY')), ['gamma']);
    assert.deepEqual(names(await listAll(api, '&filter[cluster_type][eq]=CLUSTER_TYPE_HYBRID')), ['alpha', 'alphabet']);
    assert.deepEqual(names(await listAll(api, '&filter[cluster_type][neq]=CLUSTER_TYPE_CONTROL_PLANE')), ['beta', 'gamma', 'delta']);
    assert.deepEqual(names(await listAll(api, '&filter[cluster_type][oeq]=CLUSTER_TYPE_SERVERLESS,CLUSTER_TYPE_SERVERLESS_V1')), ['beta', 'gamma']);
  });

  test('filters by cloud_gateway true and false', async (t) => {
    const api = await setup(t);
    await seed(api);
    assert.deepEqual(names(await listAll(api, '&filter[cloud_gateway]=true')), ['gamma', 'alphabet']);
    assert.deepEqual(names(await listAll(api, '&filter[cloud_gateway]=false')), ['alpha', 'beta', 'delta']);
  });

  test('filters by labels (key:value and key existence) and pages the result', async (t) => {
    const api = await setup(t);
    await seed(api);
    assert.deepEqual(names(await listAll(api, '&labels=env:prod')), ['alpha', 'gamma']);
    assert.deepEqual(names(await listAll(api, '&labels=team')), ['alpha', 'alphabet']);
    assert.deepEqual(names(await listAll(api, '&labels=env:prod,team')), ['alpha']);
    const res = await api.request('GET', '/v2/control-planes?labels=env&page[size]=2&page[number]=2');
    assert.deepEqual(res.body.meta, { page: { number: 2, size: 2, total: 3 } });
    assert.deepEqual(names(res.body), ['gamma']);
  });

  test('sorts by created_at descending on request', async (t) => {
    const api = await setup(t);
    await seed(api);
    assert.deepEqual(names(await listAll(api, '&sort=created_at desc')), ['alphabet', 'delta', 'gamma', 'beta', 'alpha']);
    assert.deepEqual(names(await listAll(api, '&sort=created_at')), ['alpha', 'beta', 'gamma', 'delta', 'alphabet']);
  });

  const badQueries: [query: string, field: string, rule: string][] = [
    ['filter[description]=x', 'filter[description]', 'unknown_property'],
    ['filter[name][gt]=x', 'filter[name][gt]', 'enum'],
    ['filter[id][neq]=x', 'filter[id][neq]', 'enum'],
    ['filter[id][eq]=not-a-uuid', 'filter[id][eq]', 'is_uuid'],
    ['filter[cluster_type][eq]=CLUSTER_TYPE_MAINFRAME', 'filter[cluster_type][eq]', 'enum'],
    ['filter[cloud_gateway]=maybe', 'filter[cloud_gateway]', 'is_boolean'],
    ['filter[name]=a&filter[name]=b', 'filter[name]', 'is_string'],
    ['page[size]=0', 'page[size]', 'min'],
    ['page[size]=101', 'page[size]', 'max'],
    ['page[size]=ten', 'page[size]', 'is_integer'],
    ['page[number]=0', 'page[number]', 'min'],
    ['page[number]=1.5', 'page[number]', 'is_integer'],
    ['sort=name', 'sort', 'enum'],
  ];
  for (const [query, field, rule] of badQueries) {
    test(`refuses ?${query} with 400 naming ${field}`, async (t) => {
      const api = await setup(t);
      const res = await api.request('GET', `/v2/control-planes?${query}`);
      assert.equal(res.status, 400, res.raw);
      assertMatchesSpec(SPEC, 'get', '/control-planes', 400, res.body);
      assert.equal(res.body.invalid_parameters[0].field, field);
      assert.equal(res.body.invalid_parameters[0].rule, rule);
    });
  }

  test('returns 401 with a wrong token', async (t) => {
    const api = await setup(t);
    const res = await api.request('GET', '/v2/control-planes', undefined, { authorization: 'Bearer spat_nope' });
    assert.equal(res.status, 401);
    assertMatchesSpec(SPEC, 'get', '/control-planes', 401, res.body);
  });
});

describe('PATCH /v2/control-planes/{id}', () => {
  test('updates name, description, auth_type, proxy_urls and labels, replacing labels whole', async (t) => {
    const api = await setup(t);
    const cp = await create(api, { name: 'before', labels: { a: 'b', c: 'd' }, proxy_urls: [{ host: 'old', port: 80, protocol: 'http' }] });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const patch = { name: 'after', description: 'now described', auth_type: 'pki_client_certs', proxy_urls: [{ host: 'new.example', port: 443, protocol: 'https' }], labels: { e: 'f' } };
    const res = await api.request('PATCH', `/v2/control-planes/${cp.id}`, patch);
    assert.equal(res.status, 200, res.raw);
    assertMatchesSpec(SPEC, 'patch', ONE, 200, res.body);
    assert.equal(res.body.name, 'after');
    assert.equal(res.body.description, 'now described');
    assert.equal(res.body.config.auth_type, 'pki_client_certs');
    assert.deepEqual(res.body.config.proxy_urls, patch.proxy_urls);
    assert.deepEqual(res.body.labels, { e: 'f' });
    assert.equal(res.body.created_at, cp.created_at);
    assert.ok(res.body.updated_at > cp.updated_at);
    assert.equal(res.body.config.control_plane_endpoint, cp.config.control_plane_endpoint);
    const read = await api.request('GET', `/v2/control-planes/${cp.id}`);
    assert.deepEqual(read.body, res.body);
  });

  test('leaves fields that are not given as they were', async (t) => {
    const api = await setup(t);
    const cp = await create(api, { name: 'keep', description: 'kept', labels: { a: 'b' } });
    const res = await api.request('PATCH', `/v2/control-planes/${cp.id}`, { description: 'changed' });
    assert.equal(res.status, 200);
    assert.equal(res.body.name, 'keep');
    assert.deepEqual(res.body.labels, { a: 'b' });
    const same = await api.request('PATCH', `/v2/control-planes/${cp.id}`, { name: 'keep' });
    assert.equal(same.status, 200);
    assert.equal(same.body.updated_at, res.body.updated_at);
  });

  const fixed: [string, unknown][] = [
    ['cluster_type', 'CLUSTER_TYPE_SERVERLESS'],
    ['cloud_gateway', true],
    ['id', UNKNOWN_ID],
    ['created_at', '2020-01-01T00:00:00.000Z'],
  ];
  for (const [property, value] of fixed) {
    test(`refuses to change ${property} with 400 "property ${property} should not exist"`, async (t) => {
      const api = await setup(t);
      const cp = await create(api, { name: 'fixed' });
      const res = await api.request('PATCH', `/v2/control-planes/${cp.id}`, { name: 'renamed', [property]: value });
      assert.equal(res.status, 400);
      assertMatchesSpec(SPEC, 'patch', ONE, 400, res.body);
      assert.deepEqual(res.body.invalid_parameters, [{ field: property, rule: 'unknown_property', reason: `property ${property} should not exist` }]);
      assert.deepEqual((await api.request('GET', `/v2/control-planes/${cp.id}`)).body, cp);
    });
  }

  const badPatches: [what: string, body: unknown, field: string][] = [
    ['a one-character name', { name: 'x' }, 'name'],
    ['a blank name', { name: '  ' }, 'name'],
    ['a reserved label key', { labels: { mesh: 'x' } }, 'labels.mesh'],
    ['an invalid label value', { labels: { env: '-x' } }, 'labels.env'],
    ['an unknown auth_type', { auth_type: 'none' }, 'auth_type'],
    ['proxy_urls that is not an array', { proxy_urls: { host: 'h' } }, 'proxy_urls'],
    ['a null body', null, 'body'],
  ];
  for (const [what, body, field] of badPatches) {
    test(`refuses ${what} with 400 and changes nothing`, async (t) => {
      const api = await setup(t);
      const cp = await create(api, { name: 'stable', labels: { a: 'b' } });
      const res = await api.request('PATCH', `/v2/control-planes/${cp.id}`, body === null ? 'null' : body, body === null ? { 'content-type': 'application/json' } : {});
      assert.equal(res.status, 400, res.raw);
      assertMatchesSpec(SPEC, 'patch', ONE, 400, res.body);
      assert.equal(res.body.invalid_parameters[0].field, field);
      assert.deepEqual((await api.request('GET', `/v2/control-planes/${cp.id}`)).body, cp);
    });
  }

  test('refuses a name another control plane has with 409 and changes nothing', async (t) => {
    const api = await setup(t);
    await create(api, { name: 'one' });
    const two = await create(api, { name: 'two' });
    const res = await api.request('PATCH', `/v2/control-planes/${two.id}`, { name: 'one', description: 'lost' });
    assert.equal(res.status, 409);
    assertMatchesSpec(SPEC, 'post', '/control-planes', 409, res.body);
    assert.equal(res.body.detail, 'Control Plane with provided name already exists.');
    assert.deepEqual((await api.request('GET', `/v2/control-planes/${two.id}`)).body, two);
  });

  test('returns 400 for a bad id and 404 for an unknown one', async (t) => {
    const api = await setup(t);
    const bad = await api.request('PATCH', '/v2/control-planes/123', { name: 'x1' });
    assert.equal(bad.status, 400);
    assertMatchesSpec(SPEC, 'patch', ONE, 400, bad.body);
    assert.equal(bad.body.invalid_parameters[0].reason, 'invalid ID format');
    const unknown = await api.request('PATCH', `/v2/control-planes/${UNKNOWN_ID}`, { name: 'x1' });
    assert.equal(unknown.status, 404);
    assertMatchesSpec(SPEC, 'patch', ONE, 404, unknown.body);
  });

  test('returns 401, 415, 400 for broken JSON and 413, changing nothing', async (t) => {
    const api = await setup(t);
    const cp = await create(api, { name: 'guarded' });
    const url = `/v2/control-planes/${cp.id}`;
    const noToken = await api.request('PATCH', url, { name: 'x1' }, { authorization: '' });
    assert.equal(noToken.status, 401);
    assertMatchesSpec(SPEC, 'patch', ONE, 401, noToken.body);
    assertProblem(await api.request('PATCH', url, '{"name":"x1"}', { 'content-type': 'text/plain' }), 415);
    const broken = await api.request('PATCH', url, '{"name":', { 'content-type': 'application/json' });
    assert.equal(broken.status, 400);
    assertMatchesSpec(SPEC, 'patch', ONE, 400, broken.body);
    assertProblem(await api.request('PATCH', url, { description: 'x'.repeat(1024 * 1024 + 1) }), 413);
    assert.deepEqual((await api.request('GET', url)).body, cp);
  });
});

describe('DELETE /v2/control-planes/{id}', () => {
  test('deletes with 204, retires the configuration and announces gatewayRemoved', async (t) => {
    const api = await setup(t);
    const removed: string[] = [];
    api.ctx.events.on('gatewayRemoved', (id) => removed.push(id));
    const keep = await create(api, { name: 'keep' });
    const cp = await create(api, { name: 'doomed', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1' });
    const put = await api.request('PUT', '/v2/cloud-gateways/configurations', { control_plane_id: cp.id, control_plane_geo: 'us', kind: 'serverless.v1', dataplane_groups: [{ provider: 'aws', region: 'us' }] });
    assert.equal(put.status, 201);
    const res = await api.request('DELETE', `/v2/control-planes/${cp.id}`);
    assert.equal(res.status, 204);
    assert.equal(res.raw, '');
    assert.deepEqual(removed, [cp.id]);
    assert.equal((await api.request('GET', `/v2/control-planes/${cp.id}`)).status, 404);
    // The configuration stays readable by id, terminating (issue 7: retired, not listed).
    const retired = await api.request('GET', `/v2/cloud-gateways/configurations/${put.body.id}`);
    assert.equal(retired.status, 200);
    assert.equal(retired.body.dataplane_groups[0].state, 'terminating');
    assert.deepEqual(names(await listAll(api)), [keep.name]);
    // The hostname stays claimed: it is never handed out again.
    await assert.rejects(api.ctx.store.hostnames.claim(put.body.dataplane_groups[0].hostnames[0], keep.id), { code: 'ERR_STORE_CONFLICT' });
  });

  test('frees the name for a new control plane', async (t) => {
    const api = await setup(t);
    const cp = await create(api, { name: 'reuse' });
    assert.equal((await api.request('DELETE', `/v2/control-planes/${cp.id}`)).status, 204);
    const again = await create(api, { name: 'reuse' });
    assert.notEqual(again.id, cp.id);
  });

  test('returns 400 for a bad id and 404 for an unknown or already deleted one', async (t) => {
    const api = await setup(t);
    const cp = await create(api, { name: 'once' });
    const bad = await api.request('DELETE', '/v2/control-planes/once');
    assert.equal(bad.status, 400);
    assertMatchesSpec(SPEC, 'delete', ONE, 400, bad.body);
    assert.equal((await api.request('DELETE', `/v2/control-planes/${cp.id}`)).status, 204);
    const again = await api.request('DELETE', `/v2/control-planes/${cp.id}`);
    assert.equal(again.status, 404);
    assertMatchesSpec(SPEC, 'delete', ONE, 404, again.body);
  });

  test('returns 401 without a token and keeps the control plane', async (t) => {
    const api = await setup(t);
    const cp = await create(api, { name: 'protected' });
    const res = await api.request('DELETE', `/v2/control-planes/${cp.id}`, undefined, { authorization: '' });
    assert.equal(res.status, 401);
    assertMatchesSpec(SPEC, 'delete', ONE, 401, res.body);
    assert.equal((await api.request('GET', `/v2/control-planes/${cp.id}`)).status, 200);
  });
});

describe('config.proxy_urls of serverless control planes', () => {
  test('lists the gateway hostnames after the user-given proxy URLs', async (t) => {
    const api = await setup(t);
    const given = { host: 'api.example.com', port: 443, protocol: 'https' };
    const cp = await create(api, { name: 'sl', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', proxy_urls: [given] });
    assert.deepEqual(cp.config.proxy_urls, [given]);
    const put = await api.request('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: cp.id, control_plane_geo: 'us', kind: 'serverless.v1', dataplane_groups: [{ provider: 'aws', region: 'us' }, { provider: 'aws', region: 'eu' }] });
    assert.equal(put.status, 201);
    const [us, eu] = put.body.dataplane_groups.map((g: { hostnames: string[] }) => g.hostnames[0]);
    const res = await api.request('GET', `/v2/control-planes/${cp.id}`);
    assertMatchesSpec(SPEC, 'get', ONE, 200, res.body);
    assert.deepEqual(res.body.config.proxy_urls, [given, { host: us, port: 8000, protocol: 'http' }, { host: us, port: 8443, protocol: 'https' }, { host: eu, port: 8000, protocol: 'http' }, { host: eu, port: 8443, protocol: 'https' }]);
    const listed = await listAll(api);
    assert.deepEqual(listed.data[0].config.proxy_urls, res.body.config.proxy_urls);
  });

  test('stores only the user-given proxy URLs on PATCH', async (t) => {
    const api = await setup(t);
    const cp = await create(api, { name: 'sl0', cluster_type: 'CLUSTER_TYPE_SERVERLESS' });
    const put = await api.request('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: cp.id, control_plane_geo: 'us', kind: 'serverless.v0', dataplane_groups: [{ region: 'na' }] });
    const host = put.body.dataplane_groups[0].hostnames[0];
    const res = await api.request('PATCH', `/v2/control-planes/${cp.id}`, { proxy_urls: [] });
    assert.deepEqual(res.body.config.proxy_urls, [{ host, port: 8000, protocol: 'http' }, { host, port: 8443, protocol: 'https' }]);
    const stored = await api.ctx.store.controlPlanes.get(cp.id);
    assert.deepEqual(stored?.proxy_urls, []);
  });
});
