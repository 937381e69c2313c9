import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { snapshot } from '@gatehouse/test-kit';
import { echoed, HOST, setup } from './harness.ts';

const SECRET = 'hmac-secret';

/** Kong's documented client: signs date, request-line and any extra headers with hmac-sha256. */
function signedHeaders(method: string, target: string, extra: Record<string, string> = {}, secret = SECRET): Record<string, string> {
  const date = new Date().toUTCString();
  const names = ['date', 'request-line', ...Object.keys(extra)];
  const lines = names.map((n) => (n === 'request-line' ? `${method} ${target} HTTP/1.1` : `${n}: ${n === 'date' ? date : extra[n]}`));
  const signature = createHmac('sha256', secret).update(lines.join('\n')).digest('base64');
  return { date, ...extra, authorization: `hmac username="alice-hmac", algorithm="hmac-sha256", headers="${names.join(' ')}", signature="${signature}"` };
}

describe('hmac-auth through the data plane', () => {
  it('authenticates a signed request, hides the credential and answers 401 otherwise', async (t) => {
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] }).consumer({ username: 'alice' }).credential('hmacAuth', { username: 'alice-hmac', secret: SECRET }).service({ url }).route({ paths: ['/'] }).plugin('hmac-auth', { enforce_headers: ['date', 'request-line'] }),
    );
    const ok = await h.send('/x?y=1', { headers: signedHeaders('GET', '/x?y=1', { 'x-foo': 'bar' }) });
    assert.equal(ok.status, 200);
    const seen = echoed(ok).headers;
    assert.equal(seen['x-consumer-username'], 'alice');
    assert.equal(seen['x-credential-identifier'], 'alice-hmac');
    assert.equal(seen.authorization, undefined);

    const none = await h.send('/x');
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'hmac');
    assert.equal(JSON.parse(none.body).message, 'Unauthorized');

    const wrong = await h.send('/x', { headers: signedHeaders('GET', '/x', {}, 'not-the-secret') });
    assert.equal(wrong.status, 401);
    assert.equal(JSON.parse(wrong.body).message, 'HMAC signature does not match');

    const tamperedPath = await h.send('/other', { headers: signedHeaders('GET', '/x') });
    assert.equal(JSON.parse(tamperedPath.body).message, 'HMAC signature does not match');

    const { date: _date, ...undated } = signedHeaders('GET', '/x');
    const noDate = await h.send('/x', { headers: undated });
    assert.equal(JSON.parse(noDate.body).message, 'HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication');
    assert.equal(h.upstream.requests.length, 1);
  });

  it('validates the body with a SHA-256 Digest', async (t) => {
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] }).consumer({ username: 'alice' }).credential('hmacAuth', { username: 'alice-hmac', secret: SECRET }).service({ url }).route({ paths: ['/'] }).plugin('hmac-auth', { validate_request_body: true, enforce_headers: ['digest'] }),
    );
    const body = '{"amount":10}';
    const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
    const headers = { ...signedHeaders('POST', '/pay', { digest }), 'content-type': 'application/json' };
    const ok = await h.send('/pay', { method: 'POST', headers, body });
    assert.equal(ok.status, 200);
    assert.equal(echoed(ok).body, body);
    const tampered = await h.send('/pay', { method: 'POST', headers, body: '{"amount":99}' });
    assert.equal(tampered.status, 401);
    assert.equal(JSON.parse(tampered.body).message, 'HMAC signature does not match');
    const unsignedDigest = await h.send('/pay', { method: 'POST', headers: signedHeaders('POST', '/pay'), body });
    assert.equal(JSON.parse(unsignedDigest.body).message, 'HMAC signature cannot be verified');
    assert.equal(h.upstream.requests.length, 1);
  });

  it('lets an anonymous consumer through when authentication fails', async (t) => {
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] }).consumer({ username: 'guest' }).service({ url }).route({ paths: ['/'] }).plugin('hmac-auth', { anonymous: 'guest', realm: 'api' }),
    );
    const reply = await h.send('/x');
    assert.equal(reply.status, 200);
    assert.equal(echoed(reply).headers['x-consumer-username'], 'guest');
    assert.equal(echoed(reply).headers['x-anonymous-consumer'], 'true');
  });
});
