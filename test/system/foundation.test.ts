// Issue 3: the serverless-gateway path end to end, with the platform as a real process.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { send, startUpstream, until, type RunningUpstream } from '@gatehouse/test-kit';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';

describe('serverless gateway, end to end (issue 3)', () => {
  let platform: RunningPlatform;
  let upstream: RunningUpstream;
  let controlPlaneId: string;
  let hostname: string;

  before(async () => {
    upstream = await startUpstream();
    platform = await startPlatform();
  });
  after(async () => {
    await platform?.destroy();
    await upstream?.close();
  });

  it('prints a kpat_ admin token on first start and stores only its hash', () => {
    assert.match(platform.token, /^kpat_[A-Za-z0-9]{40,}$/);
    const files = readdirSync(platform.dataDir);
    assert.ok(files.includes('gatehouse.db'), `data dir holds the SQLite file: ${files}`);
    // The data dir also holds directories (the cluster CA files, the data planes' snapshot caches): every file is checked.
    for (const file of readdirSync(platform.dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
      assert.ok(!readFileSync(join(file.parentPath, file.name)).includes(platform.token), `${file.name} must not contain the token`);
    }
  });

  it('refuses API calls without a valid token (401, Konnect format)', async () => {
    const res = await fetch(`${platform.apiUrl}/v2/control-planes`, { headers: { authorization: 'Bearer kpat_wrong' } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('content-type')!, /application\/problem\+json/);
    const body = (await res.json()) as { status: number; detail: string; instance: string; title: string };
    assert.equal(body.status, 401);
    assert.ok(body.detail && body.instance && body.title);
  });

  it('creates a serverless control plane and its cloud gateway configuration, which becomes ready with a hostname', async () => {
    const cp = await platform.api('POST', '/v2/control-planes', { name: 'e2e-gateway', description: 'end to end', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true, auth_type: 'pinned_client_certs' });
    assert.equal(cp.status, 201, JSON.stringify(cp.body));
    assert.equal(cp.body.config.cluster_type, 'CLUSTER_TYPE_SERVERLESS_V1');
    controlPlaneId = cp.body.id;

    const put = await platform.api('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: controlPlaneId, control_plane_geo: 'us', dataplane_groups: [{ provider: 'aws', region: 'us' }], kind: 'serverless.v1' });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const ready = await until('configuration ready', async () => {
      const got = await platform.api('GET', `/v3/cloud-gateways/configurations/${put.body.id}`);
      return got.body.dataplane_groups[0].state === 'ready' ? got.body : undefined;
    });
    hostname = ready.dataplane_groups[0].hostnames[0];
    assert.match(hostname, /^[0-9a-f]{10}\.us\.localhost$/);

    const again = await platform.api('GET', `/v2/control-planes/${controlPlaneId}`);
    assert.ok(again.body.config.proxy_urls.some((u: { host: string }) => u.host === hostname), 'proxy_urls shows the hostname');
  });

  it('proxies to the service with the route path stripped and the request-transformer header injected', async () => {
    const base = `/v2/control-planes/${controlPlaneId}/core-entities`;
    const service = await platform.api('POST', `${base}/services`, { name: 'echo', url: `http://127.0.0.1:${upstream.port}/base` });
    assert.equal(service.status, 201, JSON.stringify(service.body));
    const route = await platform.api('POST', `${base}/services/${service.body.id}/routes`, { name: 'echo-route', paths: ['/echo'] });
    assert.equal(route.status, 201, JSON.stringify(route.body));
    assert.equal(route.body.strip_path, true);
    const plugin = await platform.api('POST', `${base}/services/${service.body.id}/plugins`, { name: 'request-transformer', config: { add: { headers: ['Authorization:Bearer s3cr3t'] } } });
    assert.equal(plugin.status, 201, JSON.stringify(plugin.body));

    const res = await until('the plugin to reach the data plane', async () => {
      const r = await send(platform.proxyPort, hostname, '/echo/hello?x=1');
      return r.status === 200 && upstream.requests.at(-1)?.headers.authorization ? r : undefined;
    });
    assert.equal(res.status, 200);
    const got = upstream.requests.at(-1)!;
    assert.equal(got.url, '/base/hello?x=1');
    assert.equal(got.headers.authorization, 'Bearer s3cr3t');
    assert.match(String(res.headers.via ?? res.headers.server), /gatehouse\//);
  });

  it('answers 413 for bodies over 10 MB, by Content-Length and while a chunked body streams, and keeps serving', async () => {
    const big = await send(platform.proxyPort, hostname, '/echo/upload', { method: 'POST', headers: { 'content-length': 10 * 1024 * 1024 + 1 }, body: Buffer.alloc(0) });
    assert.equal(big.status, 413);
    const seenBefore = upstream.requests.length;
    const chunk = Buffer.alloc(1024 * 1024, 97);
    // The data plane lingers after its 413 (nginx's lingering close), so the client still writing reads it.
    const chunked = await send(platform.proxyPort, hostname, '/echo/upload', {
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked' },
      body: async function* () { for (let i = 0; i < 12; i++) yield chunk; },
    });
    assert.equal(chunked.status, 413);
    assert.ok(upstream.requests.slice(seenBefore).every((s) => s.bodyBytes <= 10 * 1024 * 1024), 'the upstream never received more than the limit');
    const ok = await send(platform.proxyPort, hostname, '/echo/after');
    assert.equal(ok.status, 200);
  });

  it('answers 404 with Kong\'s body for an unknown host', async () => {
    const res = await send(platform.proxyPort, 'nobody.localhost', '/echo');
    assert.equal(res.status, 404);
    assert.equal(JSON.parse(res.body).message, 'no Route matched with those values');
  });

  it('keeps the gateway across a restart (the store survives)', async () => {
    platform = await platform.restart();
    const res = await until('the gateway after restart', async () => {
      const r = await send(platform.proxyPort, hostname, '/echo/again');
      return r.status === 200 ? r : undefined;
    });
    assert.equal(res.status, 200);
    assert.equal(upstream.requests.at(-1)!.headers.authorization, 'Bearer s3cr3t');
  });

  it('stops serving the hostname once the control plane is deleted', async () => {
    const del = await platform.api('DELETE', `/v2/control-planes/${controlPlaneId}`);
    assert.equal(del.status, 204);
    await until('the hostname to stop answering', async () => {
      const r = await send(platform.proxyPort, hostname, '/echo/gone');
      return r.status === 404 ? r : undefined;
    });
    const list = await platform.api('GET', `/v3/cloud-gateways/configurations?filter[control_plane_id]=${controlPlaneId}`);
    assert.equal(list.body.data.length, 0);
  });
});
