// Issue 7: fleet nodes declare a region and the hub places a serverless gateway on the nodes of its
// configuration's region. The platform's own workers are held to `us` here (GATEHOUSE_FLEET_REGION,
// inherited by the data plane `npm start` forks); a second node, the standalone data-plane program with
// the platform's fleet certificate and `--region eu`, serves only eu gateways. An eu configuration made
// before any eu node exists waits as `initializing` with NO_CAPACITY and becomes ready once it joins.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { send, until as waitUntil } from '@gatehouse/test-kit';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';

const DATA_PLANE_MAIN = fileURLToPath(new URL('../../packages/data-plane/src/main.ts', import.meta.url));

// One request on a fresh connection (a keep-alive connection closed by a draining worker is the client's
// to retry), answered as {status, body}.
const get = async (port: number, host: string, path: string): Promise<{ status: number; body: string }> => {
  const { status, body } = await send(port, host, path, { headers: { connection: 'close' } });
  return { status, body };
};

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => waitUntil(what, probe, timeoutMs);

describe('fleet placement by region (issue 7)', () => {
  let platform: RunningPlatform;
  let upstream: Server;

  before(async () => {
    upstream = createServer((req, res) => res.end(`saw ${req.url}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    platform = await startPlatform({ env: { GATEHOUSE_WORKERS: '1', GATEHOUSE_FLEET_REGION: 'us', GATEHOUSE_RATE_LIMIT_RPS: '0' } });
  });
  after(async () => {
    await platform?.destroy();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  /** A V1 gateway in `region` with one route `/r`; returns the configuration and its hostname. */
  async function provision(name: string, region: 'us' | 'eu') {
    const cp = await platform.api('POST', '/v2/control-planes', { name, cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true });
    assert.equal(cp.status, 201, JSON.stringify(cp.body));
    const base = `/v2/control-planes/${cp.body.id}/core-entities`;
    const service = await platform.api('POST', `${base}/services`, { name: 'up', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
    await platform.api('POST', `${base}/services/${service.body.id}/routes`, { name: 'r', paths: ['/r'] });
    const put = await platform.api('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: cp.body.id, control_plane_geo: region, kind: 'serverless.v1', dataplane_groups: [{ provider: 'aws', region }] });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    return { controlPlaneId: cp.body.id as string, configurationId: put.body.id as string, hostname: put.body.dataplane_groups[0].hostnames[0] as string };
  }

  const group = async (configurationId: string) => (await platform.api('GET', `/v3/cloud-gateways/configurations/${configurationId}`)).body.dataplane_groups[0];

  it('waits for capacity in eu, then serves eu gateways only on the eu node', async (t) => {
    const us = await provision('in-us', 'us');
    const eu = await provision('in-eu', 'eu');
    await until('the us gateway ready', async () => ((await group(us.configurationId)).state === 'ready' ? true : undefined));
    assert.equal((await get(platform.proxyPort, us.hostname, '/r')).status, 200);

    // No node serves eu: the group waits, saying why; the us-only workers do not answer its hostname.
    const waiting = await until('NO_CAPACITY on the eu group', async () => {
      const g = await group(eu.configurationId);
      return g.state_metadata?.reported_status === 'NO_CAPACITY' ? g : undefined;
    });
    assert.equal(waiting.state, 'initializing');
    assert.deepEqual(waiting.state_metadata, { reported_status: 'NO_CAPACITY', reason: 'no data-plane node serves region eu yet' });
    assert.equal((await get(platform.proxyPort, eu.hostname, '/r')).status, 404);

    // An operator's eu node: the platform's fleet certificate and a region label.
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-dp-eu-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    const cluster = join(platform.dataDir, 'cluster');
    const clusterUrl = /Cluster: (https:\/\/\S+)/.exec(platform.output())![1];
    const node: ChildProcess = spawn(process.execPath, [DATA_PLANE_MAIN, '--control-plane', clusterUrl, '--cert', join(cluster, 'fleet.crt'), '--key', join(cluster, 'fleet.key'), '--ca', join(cluster, 'ca.crt'), '--port', '0', '--workers', '1', '--data-dir', dataDir, '--region', 'eu'], {
      env: { ...process.env, GATEHOUSE_RATE_LIMIT_RPS: '0', GATEHOUSE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    node.stdout!.on('data', (c: Buffer) => (output += c));
    node.stderr!.on('data', (c: Buffer) => (output += c));
    const exited = new Promise<void>((r) => node.once('exit', () => r()));
    t.after(async () => {
      node.kill('SIGTERM');
      await exited;
    });
    const port = await until('the eu node banner', async () => {
      const proxy = /Proxy:\s+http:\/\/[\d.]+:(\d+)/.exec(output);
      return proxy ? Number(proxy[1]) : undefined;
    });
    assert.match(output, /Regions: eu/);

    const ready = await until('the eu group ready', async () => {
      const g = await group(eu.configurationId);
      return g.state === 'ready' ? g : undefined;
    });
    assert.equal(ready.state_metadata, undefined, 'ready clears NO_CAPACITY');
    const answer = await get(port, eu.hostname, '/r');
    assert.deepEqual(answer, { status: 200, body: 'saw /' }, 'proxied (the route strips /r)');
    assert.equal((await get(port, us.hostname, '/r')).status, 404, 'the eu node does not serve the us gateway');
    assert.equal((await get(platform.proxyPort, eu.hostname, '/r')).status, 404, 'the us workers still do not serve the eu gateway');

    // /nodes of a serverless control plane lists the fleet nodes of its gateway's region.
    const euNodes = await platform.api('GET', `/v2/control-planes/${eu.controlPlaneId}/nodes`);
    const usNodes = await platform.api('GET', `/v2/control-planes/${us.controlPlaneId}/nodes`);
    const euIds = euNodes.body.items.map((n: { id: string }) => n.id);
    const usIds = usNodes.body.items.map((n: { id: string }) => n.id);
    assert.equal(euIds.length, 1, JSON.stringify(euNodes.body));
    assert.equal(usIds.length, 1, JSON.stringify(usNodes.body));
    assert.notEqual(euIds[0], usIds[0]);
  });
});
