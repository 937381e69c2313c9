import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { echoed, HOST, setup } from './harness.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('basic-auth through the data plane', () => {
  it('authenticates a stored (hashed) password and answers 401 otherwise', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).consumer({ username: 'alice' }).credential('basicAuth', { username: 'al', password: 'pw' }).service({ url }).route({ paths: ['/'] }).plugin('basic-auth'));
    const ok = await h.send('/x', { headers: { authorization: basic('al', 'pw') } });
    assert.equal(ok.status, 200);
    assert.equal(echoed(ok).headers['x-consumer-username'], 'alice');
    assert.equal(echoed(ok).headers.authorization, undefined);
    const bad = await h.send('/x', { headers: { authorization: basic('al', 'nope') } });
    assert.equal(bad.status, 401);
    assert.equal(bad.headers['www-authenticate'], 'Basic realm="service"');
    assert.equal(JSON.parse(bad.body).message, 'Unauthorized');
    assert.equal(h.upstream.requests.length, 1);
  });
});
