// Issue 6: `npm start` runs the control plane and its data-plane worker as siblings; restarting the
// control plane (SIGHUP to the supervisor) drops no proxied request, and changes flow again afterwards.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { get, until } from './harness.ts';

describe('npm start: supervisor, fleet worker, control-plane restart (issue 6)', () => {
  let platform: RunningPlatform;
  let upstream: Server;
  let controlPlaneId: string;
  let hostname: string;
  let serviceId: string;

  before(async () => {
    upstream = createServer((req, res) => res.end(`saw ${req.url}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    // The request loop below is far above the platform's 100 req/s per gateway (issue 7), which is not under test here.
    platform = await startPlatform({ env: { GATEHOUSE_CLUSTER_HEARTBEAT_MS: '1000', GATEHOUSE_RATE_LIMIT_RPS: '0' } });
  });
  after(async () => {
    await platform?.destroy();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  it('the fleet worker serves a serverless gateway it received over the clustering protocol', async () => {
    const cp = await platform.api('POST', '/v2/control-planes', { name: 'sv', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true });
    controlPlaneId = cp.body.id;
    const put = await platform.api('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: controlPlaneId, control_plane_geo: 'us', dataplane_groups: [{ provider: 'aws', region: 'us' }], kind: 'serverless.v1' });
    const base = `/v2/control-planes/${controlPlaneId}/core-entities`;
    const service = await platform.api('POST', `${base}/services`, { name: 'up', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
    serviceId = service.body.id;
    await platform.api('POST', `${base}/services/${serviceId}/routes`, { name: 'a', paths: ['/a'], strip_path: false });
    const ready = await until('ready', async () => {
      const got = await platform.api('GET', `/v3/cloud-gateways/configurations/${put.body.id}`);
      return got.body.dataplane_groups[0].state === 'ready' ? got.body : undefined;
    });
    hostname = ready.dataplane_groups[0].hostnames[0];
    await until('the route', async () => ((await get(platform.proxyPort, hostname, '/a')).status === 200 ? true : undefined));
    const nodes = await platform.api('GET', `/v2/control-planes/${controlPlaneId}/nodes`);
    const expected = await platform.api('GET', `/v2/control-planes/${controlPlaneId}/expected-config-hash`);
    assert.equal(nodes.body.items.length, 1, 'the fleet worker is listed for the serverless control plane');
    assert.equal(nodes.body.items[0].config_hash, expected.body.expected_hash);
  });

  it('drops no request while the control plane restarts, then takes changes again', async () => {
    process.kill(platform.pid, 'SIGHUP');
    let restarted = false;
    const deadline = Date.now() + 20_000;
    for (let i = 0; i < 20_000 && Date.now() < deadline && !restarted; i++) {
      const res = await get(platform.proxyPort, hostname, '/a');
      assert.equal(res.status, 200, `request ${i} during the restart`);
      if (i % 20 === 0) restarted = /restarting it, data planes keep serving/.test(platform.output()) && (await platform.api('GET', '/v2/control-planes').catch(() => ({ status: 0 }))).status === 200;
    }
    assert.ok(restarted, 'the control plane came back');
    await platform.api('POST', `/v2/control-planes/${controlPlaneId}/core-entities/services/${serviceId}/routes`, { name: 'b', paths: ['/b'], strip_path: false });
    await until('the new route through the restarted control plane', async () => ((await get(platform.proxyPort, hostname, '/b')).status === 200 ? true : undefined), 20_000);
  });
});
