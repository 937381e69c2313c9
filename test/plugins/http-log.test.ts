import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, setup } from './harness.ts';
import { startSink } from './sink.ts';

const FAST_QUEUE = { max_coalescing_delay: 0.01, initial_retry_delay: 0.01, max_retry_delay: 0.05 };

describe('http-log through the data plane', () => {
  it("posts Kong's log entry for a proxied request", async (t) => {
    const sink = await startSink(t);
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .service({ url, name: 'echo' })
        .route({ paths: ['/api'], name: 'api' })
        .plugin('http-log', { http_endpoint: `${sink.url}/logs`, headers: { 'x-log-token': 'secret' }, queue: FAST_QUEUE }),
    );
    const reply = await h.send('/api/items?limit=5', { headers: { authorization: 'Bearer x', 'x-client': 'c1' } });
    assert.equal(reply.status, 200);
    const [log] = await sink.waitFor(1);
    assert.equal(log.method, 'POST');
    assert.equal(log.url, '/logs');
    assert.equal(log.headers['x-log-token'], 'secret');
    assert.equal(log.headers['content-type'], 'application/json');
    const entry = JSON.parse(log.body);
    assert.equal(entry.request.method, 'GET');
    assert.equal(entry.request.uri, '/api/items?limit=5');
    assert.match(entry.request.url, /^http:\/\/plugins\.test:\d+\/api\/items\?limit=5$/);
    assert.deepEqual(entry.request.querystring, { limit: '5' });
    assert.equal(entry.request.headers.authorization, 'REDACTED');
    assert.equal(entry.request.headers['x-client'], 'c1');
    assert.equal(entry.request.id, reply.headers['x-kong-request-id']);
    assert.ok(entry.request.size > 0);
    assert.equal(entry.upstream_uri, '/items?limit=5');
    assert.equal(entry.upstream_status, '200');
    assert.equal(entry.response.status, 200);
    assert.equal(entry.response.size, Buffer.byteLength(reply.body));
    assert.equal(entry.source, 'upstream');
    assert.equal(entry.route.name, 'api');
    assert.equal(entry.service.name, 'echo');
    assert.equal(entry.tries.length, 1);
    assert.equal(entry.client_ip, '127.0.0.1');
    for (const k of ['kong', 'proxy', 'request']) assert.ok(entry.latencies[k] >= 0, k);
    assert.ok(Math.abs(entry.started_at - Date.now()) < 60_000);
  });

  it('logs answers the gateway gave itself with source kong', async (t) => {
    const sink = await startSink(t);
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .service({ url })
        .route({ paths: ['/'] })
        .plugin('request-termination', { status_code: 403, message: 'closed' })
        .plugin('http-log', { http_endpoint: sink.url, queue: FAST_QUEUE }),
    );
    assert.equal((await h.send('/x')).status, 403);
    const entry = JSON.parse((await sink.waitFor(1))[0].body);
    assert.equal(entry.response.status, 403);
    assert.equal(entry.source, 'kong');
    assert.equal(entry.latencies.proxy, -1);
    assert.equal(entry.upstream_uri, '');
    assert.equal(h.upstream.requests.length, 0);
  });

  it('retries after a failing sink and delivers the entry once it recovers', async (t) => {
    const sink = await startSink(t, (n) => (n <= 2 ? 500 : 200));
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('http-log', { http_endpoint: sink.url, queue: FAST_QUEUE }));
    const reply = await h.send('/retry');
    assert.equal(reply.status, 200);
    const received = await sink.waitFor(3);
    assert.equal(received.length, 3);
    const ids = received.map((r) => JSON.parse(r.body).request.id);
    assert.deepEqual(ids, [reply.headers['x-kong-request-id'], reply.headers['x-kong-request-id'], reply.headers['x-kong-request-id']]);
  });

  it('sends batches as JSON arrays', async (t) => {
    const sink = await startSink(t);
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .service({ url })
        .route({ paths: ['/'] })
        .plugin('http-log', { http_endpoint: sink.url, queue: { ...FAST_QUEUE, max_batch_size: 3, max_coalescing_delay: 3600 } }),
    );
    for (const path of ['/a', '/b', '/c']) assert.equal((await h.send(path)).status, 200);
    const [batch] = await sink.waitFor(1);
    const entries = JSON.parse(batch.body);
    assert.ok(Array.isArray(entries));
    assert.deepEqual(entries.map((e: { request: { uri: string } }) => e.request.uri), ['/a', '/b', '/c']);
  });
});
