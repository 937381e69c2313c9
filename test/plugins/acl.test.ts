import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { echoed, HOST, setup } from './harness.ts';

describe('acl through the data plane', () => {
  it('lets allowed groups through and forbids the others after key-auth', async (t) => {
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .consumer({ username: 'admin' })
        .credential('keyAuth', { key: 'admin-key' })
        .credential('acls', { group: 'admins' })
        .consumer({ username: 'user' })
        .credential('keyAuth', { key: 'user-key' })
        .credential('acls', { group: 'users' })
        .service({ url })
        .route({ paths: ['/'] })
        .plugin('key-auth')
        .plugin('acl', { allow: ['admins'] }),
    );
    const ok = await h.send('/x', { headers: { apikey: 'admin-key' } });
    assert.equal(ok.status, 200);
    assert.equal(echoed(ok).headers['x-consumer-groups'], 'admins');
    const no = await h.send('/x', { headers: { apikey: 'user-key' } });
    assert.equal(no.status, 403);
    assert.equal(JSON.parse(no.body).message, 'You cannot consume this service');
    assert.equal(h.upstream.requests.length, 1);
  });
});
