// Issue 4: Kong's `/upstreams/{u}/health` on the control plane, answered from what real data planes
// report over the clustering protocol: an upstream with a live target and a dead one, active checks.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSelfSigned } from '../../packages/control-plane/src/clustering/certs.ts';
import { freePort, startControlPlane, startDataPlane, until, type ControlPlaneProc, type DataPlaneProc } from './harness.ts';

describe('upstream health endpoints (issue 4)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-upstream-health-'));
  let cp: ControlPlaneProc;
  let dp: DataPlaneProc | undefined;
  let upstream: Server;
  let endpoint: string;
  let controlPlaneId: string;
  let base: string;
  let live: string;
  let dead: string;

  before(async () => {
    upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    live = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    dead = `127.0.0.1:${await freePort()}`;
    cp = await startControlPlane({ dataDir: join(dir, 'cp'), apiPort: await freePort(), clusterPort: await freePort() });
    const created = await cp.api('POST', '/v2/control-planes', { name: 'health', cluster_type: 'CLUSTER_TYPE_CONTROL_PLANE', auth_type: 'pinned_client_certs' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    controlPlaneId = created.body.id;
    endpoint = created.body.config.control_plane_endpoint;
    const pair = await createSelfSigned({ commonName: 'dp-health' });
    writeFileSync(join(dir, 'dp.crt'), pair.cert);
    writeFileSync(join(dir, 'dp.key'), pair.key);
    assert.equal((await cp.api('POST', `/v2/control-planes/${controlPlaneId}/dp-client-certificates`, { cert: pair.cert })).status, 201);

    base = `/v2/control-planes/${controlPlaneId}/core-entities`;
    const healthchecks = { active: { http_path: '/', healthy: { interval: 0.2, successes: 1 }, unhealthy: { interval: 0.2, tcp_failures: 1, http_failures: 1, timeouts: 1 } } };
    const up = await cp.api('POST', `${base}/upstreams`, { name: 'pool', healthchecks });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    for (const target of [live, dead]) assert.equal((await cp.api('POST', `${base}/upstreams/pool/targets`, { target })).status, 201);
    const service = await cp.api('POST', `${base}/services`, { name: 'svc', host: 'pool' });
    assert.equal(service.status, 201, JSON.stringify(service.body));
    await cp.api('POST', `${base}/services/svc/routes`, { name: 'r', paths: ['/'] });
  });

  after(async () => {
    await Promise.all([cp?.kill(), dp?.kill()]);
    await new Promise<void>((r) => upstream.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 404 for an unknown upstream', async () => {
    const res = await cp.api('GET', `${base}/upstreams/nope/health`);
    assert.equal(res.status, 404, JSON.stringify(res.body));
  });

  it('shows every target as HEALTHCHECKS_OFF while no data plane has reported', async () => {
    const res = await cp.api('GET', `${base}/upstreams/pool/health`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.next, null);
    assert.equal(res.body.node_id, null);
    assert.deepEqual(res.body.data.map((t: any) => [t.target, t.health, t.data.addresses.length]).sort(), [[dead, 'HEALTHCHECKS_OFF', 0], [live, 'HEALTHCHECKS_OFF', 0]].sort());
    const balancer = await cp.api('GET', `${base}/upstreams/pool/health?balancer_health=1`);
    assert.equal(balancer.body.data.health, 'HEALTHCHECKS_OFF');
  });

  it('shows the live target HEALTHY and the dead one UNHEALTHY once the data plane reports', async () => {
    dp = await startDataPlane({ controlPlane: endpoint, certFile: join(dir, 'dp.crt'), keyFile: join(dir, 'dp.key'), caFile: cp.caFile, dataDir: join(dir, 'dp'), env: { GATEHOUSE_WORKERS: '1' } });
    const body = await until('one healthy and one unhealthy target', async () => {
      const res = await cp.api('GET', `${base}/upstreams/pool/health`);
      const states = new Map(res.body.data.map((t: any) => [t.target, t.health]));
      return states.get(live) === 'HEALTHY' && states.get(dead) === 'UNHEALTHY' ? res.body : undefined;
    });
    const upstreamId = (await cp.api('GET', `${base}/upstreams/pool`)).body.id;
    assert.match(body.node_id, /^[\w.-]+$/);
    const liveEntry = body.data.find((t: any) => t.target === live);
    assert.deepEqual(liveEntry.upstream, { id: upstreamId });
    assert.equal(liveEntry.weight, 100);
    assert.equal(typeof liveEntry.created_at, 'number');
    assert.deepEqual(liveEntry.data.addresses, [{ ip: '127.0.0.1', port: Number(live.split(':')[1]), health: 'HEALTHY', weight: 100 }]);

    const balancer = await cp.api('GET', `/konnect-api/api/runtime_groups/${controlPlaneId}/upstreams/${upstreamId}/health?balancer_health=1`);
    assert.equal(balancer.status, 200, JSON.stringify(balancer.body));
    assert.deepEqual({ ...balancer.body, node_id: undefined }, { data: { id: upstreamId, health: 'HEALTHY' }, next: null, node_id: undefined });
  });
});
