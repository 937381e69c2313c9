// Issue 6: hybrid mode with real processes — a self-managed control plane, two data planes with a
// pinned client certificate, control-plane outages, a restart during the outage, a corrupt cache.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSelfSigned } from '../../packages/control-plane/src/clustering/certs.ts';
import { freePort, get, startControlPlane, startDataPlane, until, type ControlPlaneProc, type DataPlaneProc } from './harness.ts';

describe('hybrid mode: two data planes survive control-plane outages (issue 6)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-hybrid-'));
  let cp: ControlPlaneProc;
  let cpOptions: { dataDir: string; apiPort: number; clusterPort: number };
  const dps: DataPlaneProc[] = [];
  let dpOptions: (n: number) => Parameters<typeof startDataPlane>[0];
  let upstream: Server;
  let controlPlaneId: string;
  let serviceId: string;

  before(async () => {
    upstream = createServer((req, res) => res.end(`upstream saw ${req.url}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    cpOptions = { dataDir: join(dir, 'cp'), apiPort: await freePort(), clusterPort: await freePort() };
    cp = await startControlPlane(cpOptions);
    const created = await cp.api('POST', '/v2/control-planes', { name: 'hybrid', cluster_type: 'CLUSTER_TYPE_CONTROL_PLANE', auth_type: 'pinned_client_certs' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    controlPlaneId = created.body.id;
    const endpoint = created.body.config.control_plane_endpoint as string;
    assert.match(endpoint, new RegExp(`^https://[0-9a-f]{10}\\.cp\\.localhost:${cpOptions.clusterPort}$`), 'the endpoint names the real cluster port');

    const pair = await createSelfSigned({ commonName: 'dp-1' });
    writeFileSync(join(dir, 'dp.crt'), pair.cert);
    writeFileSync(join(dir, 'dp.key'), pair.key);
    const pinned = await cp.api('POST', `/v2/control-planes/${controlPlaneId}/dp-client-certificates`, { cert: pair.cert, title: 'test' });
    assert.equal(pinned.status, 201, JSON.stringify(pinned.body));

    const base = `/v2/control-planes/${controlPlaneId}/core-entities`;
    const service = await cp.api('POST', `${base}/services`, { name: 'up', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
    serviceId = service.body.id;
    await cp.api('POST', `${base}/services/${serviceId}/routes`, { name: 'one', paths: ['/one'], strip_path: false });

    dpOptions = (n) => ({ controlPlane: endpoint, certFile: join(dir, 'dp.crt'), keyFile: join(dir, 'dp.key'), caFile: cp.caFile, dataDir: join(dir, `dp-${n}`) });
    dps.push(await startDataPlane(dpOptions(0)), await startDataPlane(dpOptions(1)));
  });

  after(async () => {
    await Promise.all([cp?.kill(), ...dps.map((d) => d.kill())]);
    await new Promise<void>((r) => upstream.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('both data planes serve the configuration, and /nodes shows both at the expected hash', async () => {
    for (const dp of dps) await until('the route on each data plane', async () => ((await get(dp.port, 'any.test', '/one')).status === 200 ? true : undefined));
    const expected = await cp.api('GET', `/v2/control-planes/${controlPlaneId}/expected-config-hash`);
    assert.match(expected.body.expected_hash, /^[0-9a-f]{32}$/);
    const nodes = await until('two nodes in sync', async () => {
      const list = await cp.api('GET', `/v2/control-planes/${controlPlaneId}/nodes`);
      return list.body.items.length === 2 && list.body.items.every((n: { config_hash: string }) => n.config_hash === expected.body.expected_hash) ? list.body : undefined;
    });
    assert.equal(nodes.page.total_count, 2);
    for (const node of nodes.items) {
      assert.equal(node.sync_status, 'normal');
      assert.ok(node.hostname && node.version && node.last_ping > 0);
    }
    const one = await cp.api('GET', `/v2/control-planes/${controlPlaneId}/nodes/${nodes.items[0].id}`);
    assert.equal(one.body.item.id, nodes.items[0].id);
  });

  it('keeps serving while the control plane is killed, and a data plane restarted meanwhile serves its cache', async () => {
    await cp.kill('SIGKILL');
    for (let i = 0; i < 20; i++) {
      const res = await get(dps[i % 2].port, 'any.test', '/one');
      assert.equal(res.status, 200, `request ${i} during the outage`);
    }
    await dps[1].kill();
    dps[1] = await startDataPlane(dpOptions(1));
    const res = await get(dps[1].port, 'any.test', '/one');
    assert.equal(res.status, 200, 'served from the disk cache with no control plane');
    assert.match(dps[1].output(), /serving cached snapshots/);
  });

  it('after the control plane returns, a change made then reaches both data planes', async () => {
    cp = await startControlPlane(cpOptions);
    await cp.api('POST', `/v2/control-planes/${controlPlaneId}/core-entities/services/${serviceId}/routes`, { name: 'two', paths: ['/two'], strip_path: false });
    for (const dp of dps) {
      const res = await until('the new route on each data plane', async () => {
        const r = await get(dp.port, 'any.test', '/two');
        return r.status === 200 ? r : undefined;
      }, 20_000);
      assert.equal(res.body, 'upstream saw /two');
    }
  });

  it('refuses a corrupt cache file, says so, and waits for the control plane', async () => {
    await cp.kill('SIGKILL');
    await dps[1].kill();
    const cacheDir = join(dir, 'dp-1', 'snapshots');
    const [file] = readdirSync(cacheDir).filter((f) => f.endsWith('.snapshot'));
    writeFileSync(join(cacheDir, file), readFileSync(join(cacheDir, file), 'utf8').replace('/two', '/tw0'));
    dps[1] = await startDataPlane(dpOptions(1));
    assert.equal((await get(dps[1].port, 'any.test', '/one')).status, 404, 'the corrupt snapshot is not served');
    assert.match(dps[1].output(), /cached snapshot refused/);
    assert.match(dps[1].output(), /checksum mismatch/);

    cp = await startControlPlane(cpOptions);
    await until('the data plane to get the snapshot from the control plane', async () => ((await get(dps[1].port, 'any.test', '/two')).status === 200 ? true : undefined), 20_000);
  });
});
