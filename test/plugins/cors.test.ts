import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { echoed, HOST, setup } from './harness.ts';

describe('cors through the data plane', () => {
  it('answers a preflight itself with 200 and the allow headers', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('cors', { origins: ['https://app.test', '(.*)\\.app\\.test'], headers: ['x-a'], max_age: 60 }));
    const reply = await h.send('/x', { method: 'OPTIONS', headers: { origin: 'https://b.app.test', 'access-control-request-method': 'POST' } });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-length'], '0');
    assert.equal(reply.headers['access-control-allow-origin'], 'https://b.app.test');
    assert.equal(reply.headers['access-control-allow-headers'], 'x-a');
    assert.equal(reply.headers['access-control-max-age'], '60');
    assert.equal(reply.headers['vary'], 'Origin');
    assert.equal(h.upstream.requests.length, 0, 'the upstream never sees the preflight');
  });

  it('adds headers to proxied responses and leaves the request alone', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('cors', { origins: ['https://app.test', 'https://other.test'], credentials: true, exposed_headers: ['x-total'] }));
    const reply = await h.send('/x', { headers: { origin: 'https://app.test:443' } });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['access-control-allow-origin'], 'https://app.test');
    assert.equal(reply.headers['access-control-allow-credentials'], 'true');
    assert.equal(reply.headers['access-control-expose-headers'], 'x-total');
    assert.equal(reply.headers['access-control-allow-methods'], undefined);
    assert.equal(echoed(reply).headers.origin, 'https://app.test:443');
  });

  it('proxies a preflight with preflight_continue', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('cors', { preflight_continue: true }));
    const reply = await h.send('/x', { method: 'OPTIONS', headers: { origin: 'https://app.test', 'access-control-request-method': 'POST' } });
    assert.equal(reply.status, 200);
    assert.equal(h.upstream.requests.at(-1)?.method, 'OPTIONS');
    assert.equal(reply.headers['access-control-allow-origin'], undefined);
  });

  it('adds its headers when a later plugin answers early', async (t) => {
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .service({ url })
        .route({ paths: ['/'] })
        .plugin('cors', { origins: ['https://app.test'] })
        .plugin('request-termination', { status_code: 401 }),
    );
    const reply = await h.send('/x', { headers: { origin: 'https://app.test' } });
    assert.equal(reply.status, 401);
    assert.deepEqual(JSON.parse(reply.body), { message: 'Unauthorized' });
    assert.equal(reply.headers['access-control-allow-origin'], 'https://app.test');
    assert.equal(h.upstream.requests.length, 0);
  });
});
