import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, setup } from './harness.ts';

describe('response-transformer through the data plane', () => {
  it('rewrites the JSON body with a correct Content-Length', async (t) => {
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .service({ url })
        .route({ paths: ['/'] })
        .plugin('response-transformer', { remove: { json: ['headers', 'url'], headers: ['x-kong-upstream-latency'] }, rename: { json: ['method:verb'] }, add: { json: ['added:1'], json_types: ['number'], headers: ['x-added:yes'] } }),
    );
    const reply = await h.send('/x?q=1');
    assert.equal(reply.status, 200);
    const body = JSON.parse(reply.body);
    assert.equal(body.verb, 'GET');
    assert.equal(body.added, 1);
    assert.equal(body.headers, undefined);
    assert.equal(body.path, '/x');
    assert.equal(Number(reply.headers['content-length']), Buffer.byteLength(reply.body));
    assert.equal(reply.headers['x-added'], 'yes');
    assert.equal(reply.headers['x-kong-upstream-latency'], undefined);
  });

  it("transforms a plugin's early JSON answer too", async (t) => {
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .service({ url })
        .route({ paths: ['/'] })
        .plugin('request-termination', { status_code: 403, message: 'no' })
        .plugin('response-transformer', { add: { json: ['hint:ask an admin'] } }),
    );
    const reply = await h.send('/x');
    assert.equal(reply.status, 403);
    assert.deepEqual(JSON.parse(reply.body), { message: 'no', hint: 'ask an admin' });
    assert.equal(Number(reply.headers['content-length']), Buffer.byteLength(reply.body));
  });

  it('answers HEAD without a body', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('response-transformer', { add: { json: ['a:1'] } }));
    const reply = await h.send('/x', { method: 'HEAD' });
    assert.equal(reply.status, 200);
    assert.equal(reply.body, '');
  });
});
