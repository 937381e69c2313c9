import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { assertMatchesSpec } from '@gatehouse/test-kit/openapi.ts';
import { startTestApi, type TestApi } from '../testing.ts';
import { setGatewayState } from '../services/configurations.ts';

// Cloud Gateways configurations against the official spec (../shared/specs/konnect/cloud-gateways-v2.yaml).
// The spec's ConfigurationKind enum lacks `serverless.v0` (digest §9.3) and its groups require a
// provider, which V0 groups do not have: serverless.v1 bodies are validated with the spec, V0 bodies
// field by field. The spec declares only 200 for PUT; a 201 (new configuration) has the same body.

const SPEC = 'cloud-gateways-v2';
const CONFIGS = '/cloud-gateways/configurations';
const ONE = '/cloud-gateways/configurations/{configurationId}';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const V1_HOST = (region: string) => new RegExp(`^[0-9a-f]{10}\\.${region}\\.gh\\.test$`);

async function setup(t: TestContext): Promise<TestApi> {
  const api = await startTestApi({ baseDomain: 'gh.test', proxyPort: 8000 });
  t.after(() => api.close());
  return api;
}

async function controlPlane(api: TestApi, name: string, clusterType = 'CLUSTER_TYPE_SERVERLESS_V1'): Promise<string> {
  const res = await api.request('POST', '/v2/control-planes', { name, cluster_type: clusterType });
  assert.equal(res.status, 201, res.raw);
  return res.body.id;
}

const v1 = (id: string, regions: string[] = ['us'], geo = 'us') => ({
  control_plane_id: id,
  control_plane_geo: geo,
  kind: 'serverless.v1',
  dataplane_groups: regions.map((region) => ({ provider: 'aws', region })),
});

// Lists order by created_at (milliseconds), then id: a pause keeps creation order observable.
async function put(api: TestApi, body: unknown, version = 'v3') {
  const res = await api.request('PUT', `/${version}/cloud-gateways/configurations`, body);
  await new Promise((resolve) => setTimeout(resolve, 2));
  return res;
}

async function listAll(api: TestApi, query = '') {
  const res = await api.request('GET', `/v2/cloud-gateways/configurations?page[size]=100${query}`);
  assert.equal(res.status, 200, res.raw);
  // serverless.v0 items are outside the spec (see above): the rest of the page is held to it.
  const v0 = res.body.data.filter((c: { kind: string }) => c.kind === 'serverless.v0');
  for (const c of v0) assert.deepEqual(Object.keys(c).sort(), ['control_plane_geo', 'control_plane_id', 'created_at', 'dataplane_group_config', 'dataplane_groups', 'entity_version', 'id', 'kind', 'updated_at']);
  assertMatchesSpec(SPEC, 'get', CONFIGS, 200, { ...res.body, data: res.body.data.filter((c: { kind: string }) => c.kind !== 'serverless.v0') });
  return res.body;
}

// 413 and 415 are not declared for PUT; their bodies are held to BaseError through the declared 404 schema.
function assertProblem(res: { status: number; headers: Record<string, unknown>; body: any }, status: number): void {
  assert.equal(res.status, status);
  assert.equal(res.body.status, status);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assertMatchesSpec(SPEC, 'put', CONFIGS, 404, res.body);
}

describe('GET /cloud-gateways/availability.json', () => {
  for (const version of ['v2', 'v3']) {
    test(`serves the serverless V1 regions on /${version} without a token`, async (t) => {
      const api = await setup(t);
      const res = await api.request('GET', `/${version}/cloud-gateways/availability.json`, undefined, { authorization: '' });
      assert.equal(res.status, 200);
      assertMatchesSpec(SPEC, 'get', '/cloud-gateways/availability.json', 200, res.body);
      assert.deepEqual(res.body, { versions: [], instance_types: [], providers: [], serverless_v1_providers: [{ provider: 'aws', regions: [{ region: 'us' }, { region: 'eu' }] }] });
    });
  }
});

describe('PUT /cloud-gateways/configurations', () => {
  test('creates a serverless.v1 configuration with 201, a created group and a fresh hostname', async (t) => {
    const api = await setup(t);
    const changed: string[] = [];
    api.ctx.events.on('gatewayChanged', (id) => changed.push(id));
    const cp = await controlPlane(api, 'v1');
    const res = await put(api, v1(cp));
    assert.equal(res.status, 201, res.raw);
    assertMatchesSpec(SPEC, 'put', CONFIGS, 200, res.body);
    const c = res.body;
    assert.equal(c.control_plane_id, cp);
    assert.equal(c.control_plane_geo, 'us');
    assert.equal(c.kind, 'serverless.v1');
    assert.equal(c.entity_version, 1);
    assert.deepEqual(c.dataplane_group_config, [{ provider: 'aws', region: 'us' }]);
    assert.equal(c.dataplane_groups.length, 1);
    const [group] = c.dataplane_groups;
    assert.equal(group.provider, 'aws');
    assert.equal(group.region, 'us');
    assert.equal(group.state, 'created');
    assert.equal(group.state_metadata, undefined);
    assert.equal(group.hostnames.length, 1);
    assert.match(group.hostnames[0], V1_HOST('us'));
    assert.match(c.created_at, ISO_MS);
    assert.match(group.created_at, ISO_MS);
    assert.deepEqual(changed, [cp]);
    const read = await api.request('GET', `/v3/cloud-gateways/configurations/${c.id}`);
    assert.deepEqual(read.body, c);
  });

  test('creates a serverless.v0 configuration in region na with a kong-<hex> hostname', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'v0', 'CLUSTER_TYPE_SERVERLESS');
    const res = await put(api, { control_plane_id: cp, control_plane_geo: 'us', dataplane_groups: [{ region: 'na' }], kind: 'serverless.v0' });
    assert.equal(res.status, 201, res.raw);
    // Checked by hand: the spec knows neither kind serverless.v0 nor groups without a provider.
    const c = res.body;
    assert.deepEqual(Object.keys(c).sort(), ['control_plane_geo', 'control_plane_id', 'created_at', 'dataplane_group_config', 'dataplane_groups', 'entity_version', 'id', 'kind', 'updated_at']);
    assert.equal(c.kind, 'serverless.v0');
    assert.equal(c.control_plane_id, cp);
    assert.equal(c.entity_version, 1);
    assert.deepEqual(c.dataplane_group_config, [{ region: 'na' }]);
    const [group] = c.dataplane_groups;
    assert.deepEqual(Object.keys(group).sort(), ['created_at', 'hostnames', 'id', 'region', 'state', 'updated_at']);
    assert.equal(group.region, 'na');
    assert.equal(group.state, 'created');
    assert.match(group.hostnames[0], /^kong-[0-9a-f]{10}\.gh\.test$/);
    assert.match(c.created_at, ISO_MS);
  });

  test('accepts a serverless.v0 group with a provider and echoes it', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'v0p', 'CLUSTER_TYPE_SERVERLESS');
    const res = await put(api, { control_plane_id: cp, control_plane_geo: 'eu', dataplane_groups: [{ provider: 'aws', region: 'na' }], kind: 'serverless.v0' });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body.dataplane_group_config, [{ provider: 'aws', region: 'na' }]);
    assert.equal(res.body.dataplane_groups[0].provider, 'aws');
  });

  test('works on /v2 as on /v3 and accepts a CLUSTER_TYPE_CLOUD_API_GATEWAY control plane for serverless.v1', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'legacy', 'CLUSTER_TYPE_CLOUD_API_GATEWAY');
    const res = await put(api, v1(cp, ['eu'], 'eu'), 'v2');
    assert.equal(res.status, 201);
    assertMatchesSpec(SPEC, 'put', CONFIGS, 200, res.body);
    assert.match(res.body.dataplane_groups[0].hostnames[0], V1_HOST('eu'));
  });

  test('ignores version, autoscale, cloud_gateway_network_id, environment and api_access for serverless', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'extras');
    const body = {
      ...v1(cp),
      version: '3.10',
      api_access: 'public',
      dataplane_groups: [{ provider: 'aws', region: 'us', cloud_gateway_network_id: UNKNOWN_ID, autoscale: { kind: 'autopilot', base_rps: 100 }, environment: [{ name: 'KONG_LOG_LEVEL', value: 'debug' }] }],
    };
    const res = await put(api, body);
    assert.equal(res.status, 201, res.raw);
    assertMatchesSpec(SPEC, 'put', CONFIGS, 200, res.body);
    assert.equal(res.body.version, undefined);
    assert.equal(res.body.api_access, undefined);
    assert.deepEqual(res.body.dataplane_group_config, [{ provider: 'aws', region: 'us' }]);
    assert.equal(res.body.dataplane_groups[0].autoscale, undefined);
    // The same desired state without the ignored fields is identical.
    assert.equal((await put(api, v1(cp))).status, 409);
  });

  test('answers an identical re-PUT, in any group order, with 409 and changes nothing', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'same');
    const first = await put(api, v1(cp, ['us', 'eu']));
    assert.equal(first.status, 201);
    let changes = 0;
    api.ctx.events.on('gatewayChanged', () => changes++);
    for (const regions of [['us', 'eu'], ['eu', 'us']]) {
      const res = await put(api, v1(cp, regions));
      assert.equal(res.status, 409);
      assertMatchesSpec(SPEC, 'put', CONFIGS, 409, res.body);
      assert.equal(res.body.detail, 'Proposed cloud gateway configuration and current cloud gateway configuration are identical.');
    }
    assert.equal(changes, 0);
    assert.deepEqual((await listAll(api)).data, [first.body]);
  });

  test('replaces a changed configuration with 200, a new id and the next entity_version, keeping hostnames per region', async (t) => {
    const api = await setup(t);
    const changed: string[] = [];
    api.ctx.events.on('gatewayChanged', (id) => changed.push(id));
    const cp = await controlPlane(api, 'grow');
    const first = (await put(api, v1(cp, ['us']))).body;
    const second = await put(api, v1(cp, ['us', 'eu']));
    assert.equal(second.status, 200, second.raw);
    assertMatchesSpec(SPEC, 'put', CONFIGS, 200, second.body);
    assert.notEqual(second.body.id, first.id);
    assert.equal(second.body.entity_version, 2);
    const [us, eu] = second.body.dataplane_groups;
    assert.deepEqual(us, first.dataplane_groups[0]);
    assert.match(eu.hostnames[0], V1_HOST('eu'));
    assert.equal(eu.state, 'created');
    assert.equal((await api.request('GET', `/v2/cloud-gateways/configurations/${first.id}`)).status, 404);
    assert.deepEqual((await listAll(api)).data, [second.body]);

    const third = await put(api, v1(cp, ['eu']));
    assert.equal(third.status, 200);
    assert.equal(third.body.entity_version, 3);
    assert.deepEqual(third.body.dataplane_groups, [eu]);
    assert.deepEqual(changed, [cp, cp, cp]);
    // The dropped region's hostname stays claimed, so it is never handed out again.
    await assert.rejects(api.ctx.store.hostnames.claim(us.hostnames[0], cp), { code: 'ERR_STORE_CONFLICT' });
  });

  test('keeps one configuration per control plane and geo', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'geos');
    const us = await put(api, v1(cp, ['us'], 'us'));
    const eu = await put(api, v1(cp, ['us'], 'eu'));
    assert.equal(us.status, 201);
    assert.equal(eu.status, 201);
    assert.notEqual(eu.body.dataplane_groups[0].hostnames[0], us.body.dataplane_groups[0].hostnames[0]);
    assert.equal((await listAll(api)).meta.page.total, 2);
  });

  test('accepts an empty dataplane_groups as a configuration without gateways', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'empty');
    await put(api, v1(cp));
    const res = await put(api, { ...v1(cp), dataplane_groups: [] });
    assert.equal(res.status, 200);
    assertMatchesSpec(SPEC, 'put', CONFIGS, 200, res.body);
    assert.deepEqual(res.body.dataplane_groups, []);
  });

  test('refuses kind dedicated.v0, explicit or by default, saying Gatehouse runs serverless gateways only', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'dedicated', 'CLUSTER_TYPE_CONTROL_PLANE');
    for (const body of [{ ...v1(cp), kind: 'dedicated.v0', version: '3.10' }, { control_plane_id: cp, control_plane_geo: 'us', dataplane_groups: [{ provider: 'aws', region: 'us-east-2' }] }]) {
      const res = await put(api, body);
      assert.equal(res.status, 400);
      assertMatchesSpec(SPEC, 'put', CONFIGS, 400, res.body);
      assert.equal(res.body.detail, 'Gatehouse runs serverless gateways only');
      assert.equal(res.body.invalid_parameters[0].field, 'kind');
      assert.deepEqual(res.body.invalid_parameters[0].choices, ['serverless.v1', 'serverless.v0']);
    }
    assert.equal((await listAll(api)).meta.page.total, 0);
  });

  const mismatches: [kind: string, clusterType: string, groups: unknown[]][] = [
    ['serverless.v1', 'CLUSTER_TYPE_SERVERLESS', [{ provider: 'aws', region: 'us' }]],
    ['serverless.v1', 'CLUSTER_TYPE_CONTROL_PLANE', [{ provider: 'aws', region: 'us' }]],
    ['serverless.v0', 'CLUSTER_TYPE_SERVERLESS_V1', [{ region: 'na' }]],
    ['serverless.v0', 'CLUSTER_TYPE_K8S_INGRESS_CONTROLLER', [{ region: 'na' }]],
  ];
  for (const [kind, clusterType, groups] of mismatches) {
    test(`refuses kind ${kind} for a ${clusterType} control plane with 400 naming both`, async (t) => {
      const api = await setup(t);
      const cp = await controlPlane(api, 'mismatch', clusterType);
      const res = await put(api, { control_plane_id: cp, control_plane_geo: 'us', kind, dataplane_groups: groups });
      assert.equal(res.status, 400);
      assertMatchesSpec(SPEC, 'put', CONFIGS, 400, res.body);
      const [problem] = res.body.invalid_parameters;
      assert.equal(problem.field, 'kind');
      assert.match(problem.reason, new RegExp(`${kind}.*${kind === 'serverless.v1' ? 'CLUSTER_TYPE_SERVERLESS_V1' : 'CLUSTER_TYPE_SERVERLESS;'}.*${clusterType}`));
      assert.equal((await listAll(api)).meta.page.total, 0);
    });
  }

  test('returns 404 for an unknown control plane', async (t) => {
    const api = await setup(t);
    const res = await put(api, v1(UNKNOWN_ID));
    assert.equal(res.status, 404);
    assertMatchesSpec(SPEC, 'put', CONFIGS, 404, res.body);
    assert.equal(res.body.detail, 'The requested control plane was not found.');
  });

  const badBodies: [what: string, body: (cp: string) => unknown, field: string, rule: string][] = [
    ['a missing control_plane_id', (cp) => ({ ...v1(cp), control_plane_id: undefined }), 'control_plane_id', 'required'],
    ['a control_plane_id that is not a UUID', (cp) => ({ ...v1(cp), control_plane_id: 'cp-1' }), 'control_plane_id', 'is_uuid'],
    ['a missing control_plane_geo', (cp) => ({ ...v1(cp), control_plane_geo: undefined }), 'control_plane_geo', 'required'],
    ['an unknown control_plane_geo', (cp) => ({ ...v1(cp), control_plane_geo: 'mars' }), 'control_plane_geo', 'enum'],
    ['a missing dataplane_groups', (cp) => ({ ...v1(cp), dataplane_groups: undefined }), 'dataplane_groups', 'required'],
    ['dataplane_groups that is an object', (cp) => ({ ...v1(cp), dataplane_groups: { region: 'us' } }), 'dataplane_groups', 'is_array'],
    ['an unknown kind', (cp) => ({ ...v1(cp), kind: 'serverless.v2' }), 'kind', 'enum'],
    ['an unknown property', (cp) => ({ ...v1(cp), name: 'x' }), 'name', 'unknown_property'],
    ['an unknown group property', (cp) => ({ ...v1(cp), dataplane_groups: [{ provider: 'aws', region: 'us', size: 3 }] }), 'dataplane_groups.0.size', 'unknown_property'],
    ['a group without region', (cp) => ({ ...v1(cp), dataplane_groups: [{ provider: 'aws' }] }), 'dataplane_groups.0.region', 'required'],
    ['a serverless.v1 group without provider', (cp) => ({ ...v1(cp), dataplane_groups: [{ region: 'us' }] }), 'dataplane_groups.0.provider', 'required'],
    ['a serverless.v1 group on azure', (cp) => ({ ...v1(cp), dataplane_groups: [{ provider: 'azure', region: 'us' }] }), 'dataplane_groups.0.provider', 'enum'],
    ['an unknown provider', (cp) => ({ ...v1(cp), dataplane_groups: [{ provider: 'fly', region: 'us' }] }), 'dataplane_groups.0.provider', 'enum'],
    ['a serverless.v1 group in region na', (cp) => v1(cp, ['na']), 'dataplane_groups.0.region', 'enum'],
    ['a serverless.v1 group in a dedicated region', (cp) => v1(cp, ['us-east-2']), 'dataplane_groups.0.region', 'enum'],
    ['a region given twice', (cp) => v1(cp, ['us', 'eu', 'us']), 'dataplane_groups.2.region', 'invalid'],
    ['a serverless.v0 group in region us', (cp) => ({ ...v1(cp), kind: 'serverless.v0', dataplane_groups: [{ region: 'us' }] }), 'dataplane_groups.0.region', 'enum'],
    ['an autoscale of unknown kind', (cp) => ({ ...v1(cp), dataplane_groups: [{ provider: 'aws', region: 'us', autoscale: { kind: 'magic' } }] }), 'dataplane_groups.0.autoscale', 'invalid'],
    ['an environment variable without the KONG_ or OTEL_ prefix', (cp) => ({ ...v1(cp), dataplane_groups: [{ provider: 'aws', region: 'us', environment: [{ name: 'PATH_X', value: 'x' }] }] }), 'dataplane_groups.0.environment.0.name', 'matches_regex'],
    ['a version that is a number', (cp) => ({ ...v1(cp), version: 3.1 }), 'version', 'is_string'],
    ['a JSON array body', (cp) => [v1(cp)], 'body', 'is_object'],
  ];
  for (const [what, body, field, rule] of badBodies) {
    test(`refuses ${what} with 400 and creates nothing`, async (t) => {
      const api = await setup(t);
      const cp = await controlPlane(api, 'bad');
      const res = await put(api, body(cp));
      assert.equal(res.status, 400, res.raw);
      assertMatchesSpec(SPEC, 'put', CONFIGS, 400, res.body);
      const problem = res.body.invalid_parameters.find((p: { field: string }) => p.field === field);
      assert.ok(problem, `no invalid_parameters entry for ${field}: ${res.raw}`);
      assert.equal(problem.rule, rule);
      assert.equal((await listAll(api)).meta.page.total, 0);
    });
  }

  test('lists the allowed regions in a region error', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'regions');
    const res = await put(api, v1(cp, ['au']));
    assert.deepEqual(res.body.invalid_parameters[0].choices, ['us', 'eu']);
  });

  test('returns 401, 415, 400 for broken JSON and 413, creating nothing', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'guarded');
    const body = JSON.stringify(v1(cp));
    const noToken = await api.request('PUT', '/v3/cloud-gateways/configurations', v1(cp), { authorization: 'Bearer kpat_nope' });
    assert.equal(noToken.status, 401);
    assertMatchesSpec(SPEC, 'put', CONFIGS, 401, noToken.body);
    assertProblem(await api.request('PUT', '/v3/cloud-gateways/configurations', body, { 'content-type': 'text/plain' }), 415);
    const broken = await api.request('PUT', '/v3/cloud-gateways/configurations', body.slice(0, -1), { 'content-type': 'application/json' });
    assert.equal(broken.status, 400);
    assertMatchesSpec(SPEC, 'put', CONFIGS, 400, broken.body);
    assertProblem(await api.request('PUT', '/v3/cloud-gateways/configurations', { ...v1(cp), version: 'x'.repeat(1024 * 1024 + 1) }), 413);
    assert.equal((await listAll(api)).meta.page.total, 0);
  });

  test('rolls back the hostname claim when the configuration cannot be stored', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'atomic');
    const store = api.ctx.store;
    const original = store.transaction.bind(store);
    const claimed: string[] = [];
    store.transaction = ((fn: (tx: any) => Promise<unknown>) =>
      original((tx) =>
        fn({
          ...tx,
          hostnames: { ...tx.hostnames, claim: async (h: string, id: string) => (claimed.push(h), tx.hostnames.claim(h, id)) },
          configurations: { ...tx.configurations, put: async () => Promise.reject(new Error('disk full')) },
        }),
      )) as typeof store.transaction;
    const res = await put(api, v1(cp));
    store.transaction = original;
    assert.equal(res.status, 500);
    assert.equal(claimed.length, 1);
    await store.hostnames.claim(claimed[0], cp);
    assert.equal((await listAll(api)).meta.page.total, 0);
  });
});

describe('GET /cloud-gateways/configurations', () => {
  async function seed(api: TestApi) {
    const a = await controlPlane(api, 'cp-a');
    const b = await controlPlane(api, 'cp-b');
    const c = await controlPlane(api, 'cp-c', 'CLUSTER_TYPE_SERVERLESS');
    const made = [];
    made.push((await put(api, v1(a, ['us'], 'us'))).body);
    made.push((await put(api, v1(a, ['eu'], 'eu'))).body);
    made.push((await put(api, v1(b, ['us'], 'us'))).body);
    made.push((await put(api, { control_plane_id: c, control_plane_geo: 'au', kind: 'serverless.v0', dataplane_groups: [{ region: 'na' }] })).body);
    return { a, b, c, made };
  }
  const who = (body: { data: { control_plane_id: string; control_plane_geo: string }[] }, ids: Record<string, string>) =>
    body.data.map((x) => `${Object.keys(ids).find((k) => ids[k] === x.control_plane_id)}/${x.control_plane_geo}`);

  test('pages with page[size] and page[number], reporting the total', async (t) => {
    const api = await setup(t);
    const { a, b, c } = await seed(api);
    const ids = { a, b, c };
    const seen = [];
    for (const number of [1, 2, 3]) {
      const res = await api.request('GET', `/v3/cloud-gateways/configurations?page[size]=2&page[number]=${number}&filter[control_plane_geo][neq]=au`);
      assert.equal(res.status, 200);
      assertMatchesSpec(SPEC, 'get', CONFIGS, 200, res.body);
      assert.deepEqual(res.body.meta, { page: { number, size: 2, total: 3 } });
      seen.push(who(res.body, ids));
    }
    assert.deepEqual(seen, [['a/us', 'a/eu'], ['b/us'], []]);
    const all = await api.request('GET', '/v3/cloud-gateways/configurations');
    assert.deepEqual(all.body.meta, { page: { number: 1, size: 10, total: 4 } });
  });

  test('filters by control_plane_id with eq, the bare form, oeq and neq', async (t) => {
    const api = await setup(t);
    const { a, b, c } = await seed(api);
    const ids = { a, b, c };
    assert.deepEqual(who(await listAll(api, `&filter[control_plane_id][eq]=${a}&filter[control_plane_geo][neq]=au`), ids), ['a/us', 'a/eu']);
    assert.deepEqual(who(await listAll(api, `&filter[control_plane_id]=${b}&filter[control_plane_geo]=us`), ids), ['b/us']);
    assert.deepEqual(who(await listAll(api, `&filter[control_plane_id][oeq]=${b},${a}&filter[control_plane_geo][eq]=us`), ids), ['a/us', 'b/us']);
    assert.deepEqual(who(await listAll(api, `&filter[control_plane_id][neq]=${a}&filter[control_plane_geo][oeq]=us,eu`), ids), ['b/us']);
    const paged = await api.request('GET', `/v2/cloud-gateways/configurations?filter[control_plane_id][neq]=${c}&page[size]=1&page[number]=3`);
    assert.deepEqual(paged.body.meta, { page: { number: 3, size: 1, total: 3 } });
    assert.deepEqual(who(paged.body, ids), ['b/us']);
  });

  test('filters by control_plane_geo with eq, the bare form, oeq and neq', async (t) => {
    const api = await setup(t);
    const { a, b, c } = await seed(api);
    const ids = { a, b, c };
    assert.deepEqual(who(await listAll(api, '&filter[control_plane_geo][eq]=eu'), ids), ['a/eu']);
    assert.deepEqual(who(await listAll(api, '&filter[control_plane_geo]=us'), ids), ['a/us', 'b/us']);
    assert.deepEqual(who(await listAll(api, '&filter[control_plane_geo][oeq]=eu,au'), ids).length, 2);
    assert.deepEqual(who(await listAll(api, '&filter[control_plane_geo][neq]=us'), ids).sort(), ['a/eu', 'c/au']);
    assert.deepEqual(who(await listAll(api, '&filter[control_plane_geo]=sg'), ids), []);
  });

  const badQueries: [query: string, field: string, rule: string][] = [
    ['filter[kind]=serverless.v1', 'filter[kind]', 'unknown_property'],
    ['filter[control_plane_id][contains]=a', 'filter[control_plane_id][contains]', 'enum'],
    // The bare form is reported as the `eq` it stands for.
    ['filter[control_plane_id]=nope', 'filter[control_plane_id][eq]', 'is_uuid'],
    ['filter[control_plane_geo][eq]=mars', 'filter[control_plane_geo][eq]', 'enum'],
    ['page[size]=101', 'page[size]', 'max'],
    ['page[number]=-1', 'page[number]', 'min'],
  ];
  for (const [query, field, rule] of badQueries) {
    test(`refuses ?${query} with 400 naming ${field}`, async (t) => {
      const api = await setup(t);
      const res = await api.request('GET', `/v2/cloud-gateways/configurations?${query}`);
      assert.equal(res.status, 400, res.raw);
      assertMatchesSpec(SPEC, 'get', CONFIGS, 400, res.body);
      assert.equal(res.body.invalid_parameters[0].field, field);
      assert.equal(res.body.invalid_parameters[0].rule, rule);
    });
  }

  test('returns 401 without a token', async (t) => {
    const api = await setup(t);
    const res = await api.request('GET', '/v3/cloud-gateways/configurations', undefined, { authorization: '' });
    assert.equal(res.status, 401);
    assertMatchesSpec(SPEC, 'get', CONFIGS, 401, res.body);
  });
});

describe('GET /cloud-gateways/configurations/{id}', () => {
  test('returns the configuration', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'one');
    const created = (await put(api, v1(cp))).body;
    const res = await api.request('GET', `/v2/cloud-gateways/configurations/${created.id}`);
    assert.equal(res.status, 200);
    assertMatchesSpec(SPEC, 'get', ONE, 200, res.body);
    assert.deepEqual(res.body, created);
  });

  test('returns 404 for an unknown id and for one that is not a UUID (the spec declares no 400 here)', async (t) => {
    const api = await setup(t);
    for (const id of [UNKNOWN_ID, 'nope']) {
      const res = await api.request('GET', `/v3/cloud-gateways/configurations/${id}`);
      assert.equal(res.status, 404);
      assertMatchesSpec(SPEC, 'get', ONE, 404, res.body);
    }
  });

  test('returns 401 with a wrong token', async (t) => {
    const api = await setup(t);
    const res = await api.request('GET', `/v3/cloud-gateways/configurations/${UNKNOWN_ID}`, undefined, { authorization: 'Bearer wrong' });
    assert.equal(res.status, 401);
    assertMatchesSpec(SPEC, 'get', ONE, 401, res.body);
  });
});

describe('setGatewayState', () => {
  test('moves every group of the control plane to the state, with metadata and a new updated_at', async (t) => {
    const api = await setup(t);
    const cp = await controlPlane(api, 'states');
    const other = await controlPlane(api, 'other');
    await put(api, v1(cp, ['us', 'eu'], 'us'));
    await put(api, v1(cp, ['us'], 'eu'));
    await put(api, v1(other));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await setGatewayState(api.ctx.store, cp, 'ready'), 3);
    const mine = await listAll(api, `&filter[control_plane_id]=${cp}`);
    for (const c of mine.data) {
      for (const g of c.dataplane_groups) {
        assert.equal(g.state, 'ready');
        assert.ok(g.updated_at > g.created_at);
      }
    }
    const theirs = await listAll(api, `&filter[control_plane_id]=${other}`);
    assert.equal(theirs.data[0].dataplane_groups[0].state, 'created');
    assert.equal(await setGatewayState(api.ctx.store, cp, 'ready'), 0);

    assert.equal(await setGatewayState(api.ctx.store, cp, 'terminating', { reported_status: 'ERROR', reason: 'data plane gone' }), 3);
    const after = await listAll(api, `&filter[control_plane_id]=${cp}`);
    assertMatchesSpec(SPEC, 'get', CONFIGS, 200, after);
    assert.deepEqual(after.data[0].dataplane_groups[0].state_metadata, { reported_status: 'ERROR', reason: 'data plane gone' });
    assert.equal(after.data[0].entity_version, mine.data[0].entity_version);
  });

  test('does nothing for a control plane without configuration', async (t) => {
    const api = await setup(t);
    assert.equal(await setGatewayState(api.ctx.store, UNKNOWN_ID, 'ready'), 0);
  });
});
