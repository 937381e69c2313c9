import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { snapshot } from '@gatehouse/test-kit';
import { echoed, HOST, setup } from './harness.ts';

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
const token = (claims: object, secret: string) => {
  const signed = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
};

describe('jwt through the data plane', () => {
  it('proxies a valid HS256 token and answers 401 with Kong exit bodies otherwise', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).consumer({ username: 'alice' }).credential('jwt', { key: 'alice-iss', secret: 'shh' }).service({ url }).route({ paths: ['/'] }).plugin('jwt', { claims_to_verify: ['exp'] }));
    const ok = await h.send('/x', { headers: { authorization: `Bearer ${token({ iss: 'alice-iss', exp: Math.floor(Date.now() / 1000) + 60 }, 'shh')}` } });
    assert.equal(ok.status, 200);
    assert.equal(echoed(ok).headers['x-consumer-username'], 'alice');
    assert.equal(echoed(ok).headers['x-credential-identifier'], 'alice-iss');
    const none = await h.send('/x');
    assert.equal(none.status, 401);
    assert.deepEqual(JSON.parse(none.body), { message: 'Unauthorized' });
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    const expired = await h.send('/x', { headers: { authorization: `Bearer ${token({ iss: 'alice-iss', exp: 1 }, 'shh')}` } });
    assert.deepEqual(JSON.parse(expired.body), { exp: 'token expired' });
    assert.equal(h.upstream.requests.length, 1);
  });
});
