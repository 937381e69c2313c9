import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { send, startUpstream, snapshot, type EchoedRequest, type Reply } from '@gatehouse/test-kit';
import { createDataPlane, DP_ERRORS, type DataPlaneOptions } from './index.ts';

const echoed = (reply: Reply): EchoedRequest => JSON.parse(reply.body);

async function setup(t: TestContext, options: Partial<DataPlaneOptions> = {}) {
  const upstream = await startUpstream();
  const dp = createDataPlane({ port: 0, version: '9.9.9', ...options });
  const { port } = await dp.listen();
  t.after(async () => {
    await dp.close();
    await upstream.close();
  });
  return { upstream, dp, port };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function* chunks(count: number, size: number): AsyncGenerator<Buffer> {
  const chunk = Buffer.alloc(size, 97);
  for (let i = 0; i < count; i++) yield chunk;
}

describe('data plane, end to end', () => {
  it('proxies with the route path stripped and request-transformer adding Authorization', async (t) => {
    const { upstream, dp, port } = await setup(t);
    const s = snapshot({ hostnames: ['api.test'] })
      .service({ url: `${upstream.url}/base` })
      .route({ paths: ['/echo'] })
      .plugin('request-transformer', { add: { headers: ['Authorization:Bearer s3cr3t'] } })
      .build();
    dp.applySnapshot(s);
    assert.deepEqual(dp.gatewayHashes(), new Map([[s.gatewayId, s.hash]]));
    const res = await send(port, 'API.test:8000', '/echo/hello?x=1&y', { headers: { 'x-forwarded-for': '10.0.0.1', connection: 'keep-alive, x-hop', 'x-hop': 'gone', via: '1.0 client' } });
    assert.equal(res.status, 200);
    const got = echoed(res);
    assert.equal(got.url, '/base/hello?x=1&y');
    assert.equal(got.headers.authorization, 'Bearer s3cr3t');
    assert.equal(got.headers.host, `127.0.0.1:${upstream.port}`);
    assert.equal(got.headers['x-hop'], undefined, 'headers named by Connection are not forwarded');
    assert.equal(got.headers.via, '1.0 client, 1.1 gatehouse/9.9.9');
    assert.equal(got.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
    assert.equal(got.headers['x-real-ip'], '127.0.0.1');
    assert.equal(got.headers['x-forwarded-proto'], 'http');
    assert.equal(got.headers['x-forwarded-host'], 'api.test');
    assert.equal(got.headers['x-forwarded-port'], String(port));
    assert.equal(got.headers['x-forwarded-path'], '/echo/hello');
    assert.equal(got.headers['x-forwarded-prefix'], '/echo');
    assert.match(String(got.headers['x-kong-request-id']), /^[0-9a-f]{32}$/);
    assert.equal(res.headers['x-kong-request-id'], got.headers['x-kong-request-id']);
    assert.equal(res.headers.via, '1.1 gatehouse/9.9.9');
    assert.equal(res.headers.server, 'gatehouse/9.9.9');
    assert.match(String(res.headers['x-kong-upstream-latency']), /^\d+$/);
    assert.match(String(res.headers['x-kong-proxy-latency']), /^\d+$/);
  });

  it('answers 404 with Kong\'s body for an unknown host and for no matching route', async (t) => {
    const { upstream, dp, port } = await setup(t);
    dp.applySnapshot(snapshot({ hostnames: ['api.test'] }).service({ url: upstream.url }).route({ paths: ['/echo'] }).build());
    for (const [host, path] of [['nobody.test', '/echo'], ['api.test', '/other']]) {
      const res = await send(port, host, path);
      assert.equal(res.status, 404);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const body = JSON.parse(res.body);
      assert.equal(body.message, 'no Route matched with those values');
      assert.equal(body.request_id, res.headers['x-kong-request-id']);
      assert.equal(res.headers.server, 'gatehouse/9.9.9');
    }
    assert.equal(upstream.requests.length, 0);
  });

  it('answers 413 by Content-Length before contacting the upstream', async (t) => {
    const { upstream, dp, port } = await setup(t, { maxBodyBytes: 1024 });
    dp.applySnapshot(snapshot({ hostnames: ['api.test'] }).service({ url: upstream.url }).route({ paths: ['/'] }).build());
    const res = await send(port, 'api.test', '/up', { method: 'POST', headers: { 'content-length': 1025 }, body: Buffer.alloc(0) });
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).message, 'Request size limit exceeded');
    assert.equal(upstream.requests.length, 0);
    const ok = await send(port, 'api.test', '/up', { method: 'POST', body: Buffer.alloc(1024, 98) });
    assert.equal(ok.status, 200);
    assert.equal(echoed(ok).bodyBytes, 1024);
  });

  it('answers 413 while a chunked body streams past the limit, and keeps serving', async (t) => {
    const { upstream, dp, port } = await setup(t, { maxBodyBytes: 64 * 1024 });
    dp.applySnapshot(snapshot({ hostnames: ['api.test'] }).service({ url: upstream.url }).route({ paths: ['/'] }).build());
    const res = await send(port, 'api.test', '/up', { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: () => chunks(40, 4096) });
    assert.equal(res.status, 413);
    assert.ok(upstream.requests.every((r) => r.bodyBytes <= 64 * 1024), 'the upstream never got more than the limit');
    const small = await send(port, 'api.test', '/up', { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: () => chunks(4, 4096) });
    assert.equal(small.status, 200);
    assert.equal(echoed(small).bodyBytes, 4 * 4096);
  });

  it('enforces the default 10 MB limit', async (t) => {
    const { upstream, dp, port } = await setup(t);
    dp.applySnapshot(snapshot({ hostnames: ['api.test'] }).service({ url: upstream.url }).route({ paths: ['/'] }).build());
    const exact = await send(port, 'api.test', '/up', { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: () => chunks(10, 1024 * 1024) });
    assert.equal(exact.status, 200);
    assert.equal(echoed(exact).bodyBytes, 10 * 1024 * 1024);
    const over = await send(port, 'api.test', '/up', { method: 'POST', headers: { 'transfer-encoding': 'chunked' }, body: () => chunks(12, 1024 * 1024) });
    assert.equal(over.status, 413);
    const announced = await send(port, 'api.test', '/up', { method: 'POST', headers: { 'content-length': 10 * 1024 * 1024 + 1 }, body: Buffer.alloc(0) });
    assert.equal(announced.status, 413);
    assert.equal((await send(port, 'api.test', '/after')).status, 200);
  });

  it('answers 502 when the upstream refuses connections', async (t) => {
    const { dp, port } = await setup(t);
    dp.applySnapshot(snapshot({ hostnames: ['api.test'] }).service({ url: `http://127.0.0.1:${await closedPort()}` }).route({ paths: ['/'] }).build());
    const res = await send(port, 'api.test', '/x', { headers: { accept: 'application/json' } });
    assert.equal(res.status, 502);
    assert.equal(JSON.parse(res.body).message, 'An invalid response was received from the upstream server');
    // nginx-generated errors default to text/plain without Accept or Content-Type, as in Kong.
    const plain = await send(port, 'api.test', '/x');
    assert.equal(plain.status, 502);
    assert.match(plain.body, /^An invalid response was received from the upstream server\nrequest_id: [0-9a-f]{32}\n$/);
  });

  it('answers 504 when the upstream exceeds the read timeout', async (t) => {
    const { upstream, dp, port } = await setup(t);
    dp.applySnapshot(snapshot({ hostnames: ['api.test'] }).service({ url: upstream.url, read_timeout: 200 }).route({ paths: ['/'] }).build());
    const res = await send(port, 'api.test', '/slow', { headers: { 'x-echo-delay-ms': 1500, accept: 'application/json' } });
    assert.equal(res.status, 504);
    assert.equal(JSON.parse(res.body).message, 'The upstream server is timing out');
  });

  it('finishes in-flight requests on the old snapshot while new ones use the new one', async (t) => {
    const { upstream, dp, port } = await setup(t);
    const gatewayId = '11111111-1111-4111-8111-111111111111';
    const a = snapshot({ gatewayId, hostnames: ['api.test'] }).service({ url: `${upstream.url}/a` }).route({ paths: ['/echo'] }).plugin('request-transformer', { add: { headers: ['x-version:a'] } }).build();
    const b = snapshot({ gatewayId, hostnames: ['api.test', 'new.test'] }).service({ url: `${upstream.url}/b` }).route({ paths: ['/echo'] }).plugin('request-transformer', { add: { headers: ['x-version:b'] } }).build();
    dp.applySnapshot(a);
    const slow = send(port, 'api.test', '/echo/slow', { headers: { 'x-echo-delay-ms': 300 } });
    await new Promise((r) => setTimeout(r, 100));
    dp.applySnapshot(b);
    assert.equal(dp.gatewayHashes().get(gatewayId), b.hash);
    const fresh = await send(port, 'new.test', '/echo/fresh');
    const old = await slow;
    assert.equal(old.status, 200);
    assert.equal(echoed(old).path, '/a/slow');
    assert.equal(echoed(old).headers['x-version'], 'a');
    assert.equal(echoed(fresh).path, '/b/fresh');
    assert.equal(echoed(fresh).headers['x-version'], 'b');

    dp.removeGateway(gatewayId);
    assert.equal((await send(port, 'api.test', '/echo/x')).status, 404);
    assert.equal(dp.gatewayHashes().size, 0);
  });

  it('refuses a snapshot of an unknown format or with an invalid plugin config and keeps serving the old one', async (t) => {
    const { upstream, dp, port } = await setup(t);
    const good = snapshot({ hostnames: ['api.test'] }).service({ url: upstream.url }).route({ paths: ['/'] }).build();
    dp.applySnapshot(good);
    assert.throws(() => dp.applySnapshot({ ...good, formatVersion: 99 as 1 }), { code: DP_ERRORS.SNAPSHOT_FORMAT });
    const bad = snapshot({ gatewayId: good.gatewayId, hostnames: ['api.test'] }).service({ url: upstream.url }).route({ paths: ['/'] }).plugin('request-transformer', {}).build();
    bad.plugins[0].config = { add: { headers: ['no-colon'] } };
    assert.throws(() => dp.applySnapshot(bad), { code: DP_ERRORS.PLUGIN_CONFIG_INVALID });
    const unknown = structuredClone(bad);
    unknown.plugins[0].name = 'no-such-plugin';
    assert.throws(() => dp.applySnapshot(unknown), { code: DP_ERRORS.PLUGIN_UNKNOWN });
    assert.equal(dp.gatewayHashes().get(good.gatewayId), good.hash);
    assert.equal((await send(port, 'api.test', '/x')).status, 200);
  });

  it('applies the most specific plugin config: route over service over global', async (t) => {
    const { upstream, dp, port } = await setup(t);
    const s = snapshot({ hostnames: ['api.test'] })
      .plugin('request-transformer', { add: { headers: ['x-scope:global'] } }, 'global')
      .service({ url: upstream.url })
      .plugin('request-transformer', { add: { headers: ['x-scope:service'] } }, 'service')
      .route({ paths: ['/service'] })
      .route({ paths: ['/route'] })
      .plugin('request-transformer', { add: { headers: ['x-scope:route'] } }, 'route')
      .build();
    dp.applySnapshot(s);
    assert.equal(echoed(await send(port, 'api.test', '/service')).headers['x-scope'], 'service');
    assert.equal(echoed(await send(port, 'api.test', '/route')).headers['x-scope'], 'route');
  });

  it('renders templates from regex captures and transforms a JSON body', async (t) => {
    const { upstream, dp, port } = await setup(t);
    dp.applySnapshot(
      snapshot({ hostnames: ['api.test'] })
        .service({ url: upstream.url })
        .route({ paths: ['~/users/(?<id>\\d+)'], strip_path: false })
        .plugin('request-transformer', { add: { headers: ['x-user:$(uri_captures.id)'], body: ['source:gateway'] }, remove: { body: ['secret'] } })
        .build(),
    );
    const res = await send(port, 'api.test', '/users/42/profile', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"secret":"x","name":"n"}' });
    const got = echoed(res);
    assert.equal(got.path, '/users/42/profile');
    assert.equal(got.headers['x-user'], '42');
    assert.deepEqual(JSON.parse(got.body), { name: 'n', source: 'gateway' });
    assert.equal(got.headers['content-length'], String(Buffer.byteLength(got.body)));
  });

  it('answers 503 for a route without a service', async (t) => {
    const { dp, port } = await setup(t);
    dp.applySnapshot(snapshot({ hostnames: ['api.test'] }).route({ paths: ['/'] }).build());
    const res = await send(port, 'api.test', '/');
    assert.equal(res.status, 503);
    assert.equal(JSON.parse(res.body).message, 'no Service found with those values');
  });
});
