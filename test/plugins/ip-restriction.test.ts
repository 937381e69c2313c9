import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, setup } from './harness.ts';

describe('ip-restriction through the data plane', () => {
  it('refuses a denied client with 403 and names its address', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('ip-restriction', { deny: ['127.0.0.0/8', '::1'] }));
    const reply = await h.send('/x');
    assert.equal(reply.status, 403);
    const body = JSON.parse(reply.body);
    assert.equal(body.message, 'IP address not allowed: 127.0.0.1');
    assert.ok(body.request_id);
    assert.equal(h.upstream.requests.length, 0);
  });

  it('lets an allowed client through and refuses others with the configured answer', async (t) => {
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .service({ url })
        .route({ paths: ['/in'] })
        .plugin('ip-restriction', { allow: ['127.0.0.1/32'] })
        .route({ paths: ['/out'] })
        .plugin('ip-restriction', { allow: ['10.0.0.0/8', '2001:db8::/32'], status: 401, message: 'not from here' }),
    );
    assert.equal((await h.send('/in')).status, 200);
    const reply = await h.send('/out');
    assert.equal(reply.status, 401);
    assert.equal(JSON.parse(reply.body).message, 'not from here');
    assert.equal(h.upstream.requests.length, 1);
  });
});
