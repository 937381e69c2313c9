// Issue 7: V0 -> V1 migration in one step: every entity is copied with references rewritten, the
// old control plane is untouched, and the copy proxies identically.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { send, startUpstream, until, type RunningUpstream } from '@gatehouse/test-kit';
import { RSA_CERT, RSA_KEY } from '../../packages/control-plane/src/api/core-entities-certs.fixtures.ts';

const TYPES = ['services', 'routes', 'plugins', 'consumers', 'key-auths', 'acls', 'consumer_groups', 'upstreams', 'certificates', 'snis', 'ca_certificates'] as const;

describe('V0 -> V1 migration', () => {
  let platform: RunningPlatform;
  let upstream: RunningUpstream;
  before(async () => {
    upstream = await startUpstream();
    platform = await startPlatform();
  });
  after(async () => {
    await platform?.destroy();
    await upstream?.close();
  });

  it('copies every entity with references rewritten, leaves the old control plane alone, and the copy proxies identically', async () => {
    const api = platform.api;
    const cp = (await api('POST', '/v2/control-planes', { name: 'legacy', cluster_type: 'CLUSTER_TYPE_SERVERLESS', cloud_gateway: false })).body;
    const put = await api('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: cp.id, control_plane_geo: 'us', dataplane_groups: [{ region: 'na' }], kind: 'serverless.v0' });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const oldHost: string = put.body.dataplane_groups[0].hostnames[0];
    const base = `/v2/control-planes/${cp.id}/core-entities`;
    const created = async (path: string, body: unknown) => {
      const r = await api('POST', `${base}${path}`, body);
      assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
      return r.body;
    };
    const svc = await created('/services', { name: 'echo', url: `${upstream.url}/base` });
    const open = await created(`/services/${svc.id}/routes`, { name: 'open', paths: ['/open'] });
    const locked = await created(`/services/${svc.id}/routes`, { name: 'locked', paths: ['/locked'] });
    await created(`/services/${svc.id}/plugins`, { name: 'request-transformer', config: { add: { headers: ['x-added:yes'] } } });
    await created(`/routes/${locked.id}/plugins`, { name: 'key-auth', config: {} });
    await created(`/routes/${open.id}/plugins`, { name: 'response-transformer', config: { add: { headers: ['x-route:open'] } } });
    const consumer = await created('/consumers', { username: 'alice' });
    await created(`/consumers/${consumer.id}/key-auth`, { key: 'alice-key' });
    await created(`/consumers/${consumer.id}/acls`, { group: 'staff' });
    await created('/consumer_groups', { name: 'gold' });
    const up = await created('/upstreams', { name: 'balanced' });
    await created(`/upstreams/${up.id}/targets`, { target: `127.0.0.1:${upstream.port}` });
    const balancedSvc = await created('/services', { name: 'balanced', host: 'balanced', port: 80, protocol: 'http' });
    await created(`/services/${balancedSvc.id}/routes`, { name: 'via-upstream', paths: ['/lb'] });
    const cert = await created('/certificates', { cert: RSA_CERT, key: RSA_KEY });
    await created('/snis', { name: 'legacy.example.test', certificate: { id: cert.id } });
    await created('/ca_certificates', { cert: RSA_CERT });

    const migrated = await api('POST', `/v2/control-planes/${cp.id}/migrate`, {});
    assert.equal(migrated.status, 201, JSON.stringify(migrated.body));
    const v1 = migrated.body;
    assert.equal(v1.config.cluster_type, 'CLUSTER_TYPE_SERVERLESS_V1');
    assert.equal(v1.name, 'legacy-v1');
    assert.notEqual(v1.id, cp.id);

    // Every type: the same count, new ids, and references pointing inside the new control plane.
    const list = async (id: string, type: string) => (await api('GET', `/v2/control-planes/${id}/core-entities/${type}?size=1000`)).body.data as Array<Record<string, any>>;
    const newIds = new Set<string>();
    for (const type of TYPES) {
      const [before, after] = [await list(cp.id, type), await list(v1.id, type)];
      assert.ok(before.length > 0, `${type} present in the source`);
      assert.equal(after.length, before.length, type);
      for (const e of after) newIds.add(e.id);
      for (const e of after) assert.ok(!before.some((b) => b.id === e.id), `${type} ids are regenerated`);
    }
    for (const type of TYPES) {
      for (const e of await list(v1.id, type)) {
        for (const ref of ['service', 'route', 'consumer', 'certificate', 'upstream']) {
          if (e[ref]?.id) assert.ok(newIds.has(e[ref].id), `${type}.${ref} points at a copied entity`);
        }
      }
    }
    const targets = await list(v1.id, `upstreams/${(await list(v1.id, 'upstreams'))[0]!.id}/targets`);
    assert.equal(targets.length, 1);

    // The old control plane is untouched and keeps serving.
    assert.equal((await api('GET', `/v2/control-planes/${cp.id}`)).body.config.cluster_type, 'CLUSTER_TYPE_SERVERLESS');
    const configs = (await api('GET', `/v3/cloud-gateways/configurations?filter[control_plane_id]=${v1.id}`)).body.data;
    assert.equal(configs.length, 1);
    assert.equal(configs[0].kind, 'serverless.v1');
    const newHost: string = configs[0].dataplane_groups[0].hostnames[0];
    assert.match(newHost, /^[0-9a-f]{10}\.us\./);

    // Same requests through both hostnames: the same statuses, upstream paths and added headers.
    const cases: Array<[string, Record<string, string>]> = [['/open/a?q=1', {}], ['/locked/b', { apikey: 'alice-key' }], ['/locked/b', {}], ['/lb/c', {}], ['/nothing', {}]];
    await until('the new gateway serving', async () => ((await send(platform.proxyPort, newHost, '/open/x')).status === 200 ? true : undefined));
    for (const [path, headers] of cases) {
      const seen: Array<{ status: number; path?: string; added?: unknown }> = [];
      for (const host of [oldHost, newHost]) {
        const r = await send(platform.proxyPort, host, path, { headers });
        const echoed = r.status === 200 ? JSON.parse(r.body) : null;
        seen.push({ status: r.status, path: echoed?.url, added: echoed?.headers['x-added'] });
      }
      assert.deepEqual(seen[1], seen[0], `${path} ${JSON.stringify(headers)}`);
    }
    assert.equal((await send(platform.proxyPort, newHost, '/locked/b', { headers: { apikey: 'alice-key' } })).status, 200);

    // A V1 control plane cannot be migrated again; an unknown one is 404.
    assert.equal((await api('POST', `/v2/control-planes/${v1.id}/migrate`, {})).status, 400);
    assert.equal((await api('POST', '/v2/control-planes/00000000-0000-4000-8000-000000000000/migrate', {})).status, 404);
  });
});
