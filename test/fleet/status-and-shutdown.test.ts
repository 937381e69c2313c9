// Issue 7: a fleet node started with GATEHOUSE_STATUS_PORT serves Prometheus `GET /metrics` from its
// workers, and a graceful stop (SIGTERM) sends what the workers' log queues (http-log) still hold.
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

describe('fleet node status port and graceful stop (issue 7)', () => {
  let platform: RunningPlatform;
  let upstream: Server;
  let collector: Server;
  const logged: unknown[] = [];

  before(async () => {
    upstream = createServer((req, res) => res.end('ok'));
    collector = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        const entries = JSON.parse(body);
        logged.push(...(Array.isArray(entries) ? entries : [entries]));
        res.end();
      });
    });
    await Promise.all([upstream, collector].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
    platform = await startPlatform({ env: { GATEHOUSE_WORKERS: '1', GATEHOUSE_RATE_LIMIT_RPS: '0' } });
  });
  after(async () => {
    await platform?.destroy();
    await Promise.all([upstream, collector].map((s) => new Promise<void>((r) => s.close(() => r()))));
  });

  it('serves /metrics on the status port of two workers and flushes http-log queues on SIGTERM', async (t) => {
    const cp = await platform.api('POST', '/v2/control-planes', { name: 'status', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true });
    const put = await platform.api('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: cp.body.id, control_plane_geo: 'us', kind: 'serverless.v1', dataplane_groups: [{ provider: 'aws', region: 'us' }] });
    const hostname: string = put.body.dataplane_groups[0].hostnames[0];
    const base = `/v2/control-planes/${cp.body.id}/core-entities`;
    const service = await platform.api('POST', `${base}/services`, { name: 'up', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
    await platform.api('POST', `${base}/services/${service.body.id}/routes`, { name: 'a', paths: ['/a'] });
    // A batch held for an hour and 1000 entries: only a flush at shutdown sends these.
    const plugin = await platform.api('POST', `${base}/plugins`, {
      name: 'http-log',
      config: { http_endpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/logs`, queue: { max_batch_size: 1000, max_coalescing_delay: 3600 } },
    });
    assert.equal(plugin.status, 201, JSON.stringify(plugin.body));

    // A second fleet node, as an operator runs one: the platform's fleet certificate, two workers.
    const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-dp-status-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    const cluster = join(platform.dataDir, 'cluster');
    const clusterUrl = /Cluster: (https:\/\/\S+)/.exec(platform.output())![1];
    const node: ChildProcess = spawn(process.execPath, [DATA_PLANE_MAIN, '--control-plane', clusterUrl, '--cert', join(cluster, 'fleet.crt'), '--key', join(cluster, 'fleet.key'), '--ca', join(cluster, 'ca.crt'), '--port', '0', '--workers', '2', '--data-dir', dataDir], {
      env: { ...process.env, GATEHOUSE_STATUS_PORT: '0', GATEHOUSE_RATE_LIMIT_RPS: '0', GATEHOUSE_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    node.stdout!.on('data', (c: Buffer) => (output += c));
    node.stderr!.on('data', (c: Buffer) => (output += c));
    const exited = new Promise<number | null>((r) => node.once('exit', (code) => r(code)));
    t.after(() => void node.kill('SIGKILL'));
    const ports = await until('the node banner', async () => {
      const proxy = /Proxy:\s+http:\/\/[\d.]+:(\d+)/.exec(output);
      const status = /Status: http:\/\/[\d.]+:(\d+)\/metrics/.exec(output);
      return proxy && status ? { proxy: Number(proxy[1]), status: Number(status[1]) } : undefined;
    });
    await until(`${hostname} on the second node`, async () => ((await get(ports.proxy, hostname, '/a')).status === 200 ? true : undefined));

    // Each scrape is answered by one of the workers; every answer is the Prometheus text.
    for (let i = 0; i < 4; i++) {
      const metrics = await get(ports.status, 'status', '/metrics');
      assert.equal(metrics.status, 200);
      assert.match(metrics.body, /^kong_nginx_connections_total\{/m);
    }

    const sent = 20;
    for (let i = 0; i < sent; i++) assert.equal((await get(ports.proxy, hostname, `/a/${i}`)).status, 200);
    const before = logged.length;
    node.kill('SIGTERM');
    assert.equal(await exited, 0, output);
    // The one request of the readiness loop plus the 20, whichever worker served them.
    const paths = logged.slice(before).map((e) => (e as { request: { uri: string } }).request.uri).filter((u) => /^\/a\/\d+$/.test(u));
    assert.equal(paths.length, sent, `every entry sent at shutdown:\n${output}`);
  });
});
