// Issue 7: the serverless fleet as `npm start` runs it: two data-plane workers sharing the HTTP and
// HTTPS listeners, the platform's local CA for the generated hostnames, analytics from the workers
// over mTLS telemetry, a rolling restart of the workers that loses no request, and a deleted gateway
// that stops answering.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { send, until as waitUntil } from '@gatehouse/test-kit';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';

interface Answer {
  status: number;
  body: string;
}

// One request on a fresh connection (a keep-alive connection closed by a draining worker is the client's
// to retry), answered as {status, body}.
const get = async (port: number, host: string, path: string): Promise<{ status: number; body: string }> => {
  const { status, body } = await send(port, host, path, { headers: { connection: 'close' } });
  return { status, body };
};

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> => waitUntil(what, probe, timeoutMs);

function getTls(port: number, host: string, path: string, ca: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // servername = the gateway's hostname: the certificate is chosen by SNI and verified against the local CA.
    const req = httpsRequest({ host: '127.0.0.1', servername: host, port, path, ca, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serverless fleet under npm start (issue 7)', () => {
  let platform: RunningPlatform;
  let upstream: Server;
  let ca: string;

  before(async () => {
    upstream = createServer((req, res) => res.end(`saw ${req.url}`));
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    platform = await startPlatform({ env: { GATEHOUSE_WORKERS: '2', GATEHOUSE_CLUSTER_HEARTBEAT_MS: '1000', GATEHOUSE_TELEMETRY_FLUSH_MS: '200', GATEHOUSE_RATE_LIMIT_RPS: '100000' } });
    assert.ok(platform.caFile, `the banner names the local CA:\n${platform.output()}`);
    assert.ok(platform.proxyTlsPort > 0, 'the banner shows the HTTPS port');
    ca = readFileSync(platform.caFile, 'utf8');
  });
  after(async () => {
    await platform?.destroy();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  async function provision(kind: 'serverless.v0' | 'serverless.v1', name: string) {
    const v1 = kind === 'serverless.v1';
    const cp = await platform.api('POST', '/v2/control-planes', { name, cluster_type: v1 ? 'CLUSTER_TYPE_SERVERLESS_V1' : 'CLUSTER_TYPE_SERVERLESS', cloud_gateway: v1 });
    assert.equal(cp.status, 201, JSON.stringify(cp.body));
    const put = await platform.api('PUT', '/v3/cloud-gateways/configurations', {
      control_plane_id: cp.body.id,
      control_plane_geo: v1 ? 'us' : 'us',
      dataplane_groups: [v1 ? { provider: 'aws', region: 'us' } : { region: 'na' }],
      kind,
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const base = `/v2/control-planes/${cp.body.id}/core-entities`;
    const service = await platform.api('POST', `${base}/services`, { name: 'up', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}` });
    await platform.api('POST', `${base}/services/${service.body.id}/routes`, { name: 'a', paths: ['/a'], strip_path: false });
    const hostname: string = put.body.dataplane_groups[0].hostnames[0];
    await until(`${hostname} over HTTP`, async () => ((await get(platform.proxyPort, hostname, '/a')).status === 200 ? true : undefined));
    return { controlPlaneId: cp.body.id as string, configurationId: put.body.id as string, hostname };
  }

  it('serves V1 and V0 hostnames over HTTP and over HTTPS with a certificate from the local CA', async () => {
    for (const kind of ['serverless.v1', 'serverless.v0'] as const) {
      const gw = await provision(kind, `tls-${kind.replace('.', '-')}`);
      const plain = await get(platform.proxyPort, gw.hostname, '/a/plain');
      assert.deepEqual(plain, { status: 200, body: 'saw /a/plain' });
      const secure = await until(`${gw.hostname} over HTTPS`, () => getTls(platform.proxyTlsPort, gw.hostname, '/a/secure', ca));
      assert.deepEqual(secure, { status: 200, body: 'saw /a/secure' });
      const view = await platform.api('GET', `/v2/control-planes/${gw.controlPlaneId}`);
      assert.ok(
        view.body.config.proxy_urls.some((u: { host: string; protocol: string; port: number }) => u.host === gw.hostname && u.protocol === 'https' && u.port === platform.proxyTlsPort),
        `proxy_urls has the https entry: ${JSON.stringify(view.body.config.proxy_urls)}`,
      );
    }
  });

  it('refuses a TLS client that does not trust the local CA, and a name outside the platform', async () => {
    const gw = await provision('serverless.v1', 'tls-untrusted');
    await assert.rejects(getTls(platform.proxyTlsPort, gw.hostname, '/a', ''), /self[- ]signed|unable to verify|certificate/i);
    await assert.rejects(getTls(platform.proxyTlsPort, 'elsewhere.example.com', '/a', ca));
  });

  it('reports the workers\' traffic to the control plane analytics over mTLS telemetry', async () => {
    const gw = await provision('serverless.v1', 'analytics');
    for (let i = 0; i < 10; i++) assert.equal((await get(platform.proxyPort, gw.hostname, `/a/${i}`)).status, 200);
    const requests = await until('analytics', async () => {
      const res = await platform.api('GET', `/v2/control-planes/${gw.controlPlaneId}/analytics?filter[status_code]=2xx`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const total = res.body.series.flatMap((s: { points: { requests: number }[] }) => s.points).reduce((n: number, p: { requests: number }) => n + p.requests, 0);
      return total >= 11 ? total : undefined;
    });
    // The 10 above and the one 200 that provision() waited for.
    assert.equal(requests, 11);
  });

  it('loses no request while the workers restart one by one (SIGUSR2)', async () => {
    const gw = await provision('serverless.v1', 'rolling');
    const before = platform.output();
    process.kill(platform.pid, 'SIGUSR2');
    const deadline = Date.now() + 30_000;
    let sent = 0;
    // Bounded: at most 3000 requests or 30 s, stopping once the roll is logged as done and a few more went through.
    let doneAt = -1;
    while (sent < 3000 && Date.now() < deadline) {
      const res = await get(platform.proxyPort, gw.hostname, '/a/roll');
      assert.equal(res.status, 200, `request ${sent} during the rolling restart`);
      sent++;
      if (doneAt < 0 && platform.output().length > before.length && /data-plane workers restarted/.test(platform.output().slice(before.length))) doneAt = sent;
      if (doneAt >= 0 && sent > doneAt + 20) break;
    }
    assert.ok(doneAt >= 0, `the rolling restart finished:\n${platform.output().slice(before.length)}`);
    assert.equal((await getTls(platform.proxyTlsPort, gw.hostname, '/a', ca)).status, 200, 'HTTPS after the roll');
  });

  it('stops answering a deleted gateway over HTTP and HTTPS', async () => {
    const gw = await provision('serverless.v1', 'deleted');
    assert.equal((await getTls(platform.proxyTlsPort, gw.hostname, '/a', ca)).status, 200);
    const del = await platform.api('DELETE', `/v2/control-planes/${gw.controlPlaneId}`);
    assert.equal(del.status, 204);
    const gone = await until('the hostname to stop answering', async () => {
      const res = await get(platform.proxyPort, gw.hostname, '/a');
      return res.status === 404 ? res : undefined;
    });
    assert.match(gone.body, /no Route matched/);
    const goneTls = await getTls(platform.proxyTlsPort, gw.hostname, '/a', ca);
    assert.equal(goneTls.status, 404);
  });
});
