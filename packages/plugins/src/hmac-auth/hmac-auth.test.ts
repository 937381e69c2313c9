import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { validatePluginConfig } from '../schemas.ts';
import { consumer, credentials, index, runAuth } from '../consumers.fixtures.ts';
import hmacAuth from './handler.ts';

const alice = consumer('alice');
const anon = consumer('anon');
const consumers = index([alice, anon], credentials(alice, { hmac: [{ username: 'al', secret: 's3cret' }] }));
const CHALLENGE = { 'WWW-Authenticate': 'hmac' };
const NOT_VALID = 'HMAC signature cannot be verified';
const NOT_SAME = 'HMAC signature does not match';

const sign = (algorithm: string, secret: string, text: string) => createHmac(algorithm.slice(5), secret).update(text).digest('base64');
const authorization = (signature: string, headers = 'date request-line', algorithm = 'hmac-sha256', username = 'al') => `hmac username="${username}", algorithm="${algorithm}", headers="${headers}", signature="${signature}"`;

/** A request signed over `date` and the request line, as Kong's docs show. */
function signed(date = new Date().toUTCString(), algorithm = 'hmac-sha256', path = '/a?b=1') {
  const signature = sign(algorithm, 's3cret', `date: ${date}\nGET ${path} HTTP/1.1`);
  const [rawPath, query] = path.split('?');
  return { rawPath, query: query ?? null, headers: { date, authorization: authorization(signature, 'date request-line', algorithm) } };
}

const error = (body: string) => ({ kind: 'error', status: 401, body, headers: CHALLENGE });

describe('hmac-auth schema', () => {
  it('fills Kong 3.15 defaults', () => {
    const r = validatePluginConfig('hmac-auth', {});
    assert.ok(r.ok);
    const v = r.value as Record<string, unknown>;
    assert.deepEqual([v.hide_credentials, v.clock_skew, v.anonymous, v.validate_request_body, v.enforce_headers, v.realm], [true, 300, null, false, [], null]);
    assert.deepEqual(v.algorithms, ['hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512']);
  });

  for (const [config, field] of [
    [{ algorithms: ['hmac-md5'] }, 'algorithms.0'],
    [{ clock_skew: 0 }, 'clock_skew'],
    [{ clock_skews: 1 }, 'clock_skews'],
  ] as const) {
    it(`rejects ${JSON.stringify(config)} naming ${field}`, () => {
      const r = validatePluginConfig('hmac-auth', config);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.errors.some((e) => e.field === field), JSON.stringify(!r.ok && r.errors));
    });
  }
});

describe('hmac-auth handler', () => {
  it('has Kong priority 1030', () => assert.equal(hmacAuth.priority, 1030));

  for (const algorithm of ['hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512']) {
    it(`authenticates a ${algorithm} signature over date and request-line, and hides the header`, async () => {
      const { ctx, response } = await runAuth(hmacAuth, { algorithms: [algorithm] }, consumers, signed(undefined, algorithm));
      assert.equal(response, null);
      assert.equal(ctx.consumer?.id, alice.id);
      assert.equal(ctx.headers['x-credential-identifier'], 'al');
      assert.equal(ctx.headers.authorization, undefined);
    });
  }

  it('refuses an algorithm the config does not allow (hmac-sha1 is off by default)', async () => {
    const { response } = await runAuth(hmacAuth, {}, consumers, signed(undefined, 'hmac-sha1'));
    assert.deepEqual(response, error(NOT_VALID));
  });

  it('signs @request-target, X-Date, absent headers and custom headers', async () => {
    const date = new Date().toUTCString();
    const text = `x-date: ${date}\n@request-target: post /p?q=1\nx-foo: bar\nx-missing:`;
    const signature = sign('hmac-sha512', 's3cret', text);
    const { response } = await runAuth(hmacAuth, {}, consumers, { method: 'POST', rawPath: '/p', query: 'q=1', headers: { 'x-date': date, 'x-foo': 'bar', 'proxy-authorization': authorization(signature, 'x-date @request-target x-foo x-missing', 'hmac-sha512') } });
    assert.equal(response, null);
  });

  it('accepts the deprecated signature over the path without its query', async () => {
    const date = new Date().toUTCString();
    const signature = sign('hmac-sha256', 's3cret', `date: ${date}\nGET /a HTTP/1.1`);
    const { response } = await runAuth(hmacAuth, {}, consumers, { rawPath: '/a', query: 'b=1', headers: { date, authorization: authorization(signature) } });
    assert.equal(response, null);
  });

  it('prefers Proxy-Authorization and keeps headers with hide_credentials off', async () => {
    const req = signed();
    const headers = { ...req.headers, 'proxy-authorization': req.headers.authorization, authorization: 'Basic eA==' };
    const { ctx, response } = await runAuth(hmacAuth, { hide_credentials: false }, consumers, { ...req, headers });
    assert.equal(response, null);
    assert.equal(ctx.headers['proxy-authorization'], req.headers.authorization);
    assert.equal(ctx.headers.authorization, 'Basic eA==');
  });

  const stale = new Date(Date.now() - 301_000).toUTCString();
  for (const [name, config, request, expected] of [
    ['no credentials', {}, { headers: { date: new Date().toUTCString() } }, error('Unauthorized')],
    ['no date', {}, { headers: { authorization: authorization('x') } }, error('HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication')],
    ['a date outside clock_skew', {}, signed(stale), error('HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication')],
    ['an unparsable header', {}, { headers: { date: new Date().toUTCString(), authorization: 'hmac username="al"' } }, error(NOT_VALID)],
    ['an unknown username', {}, { headers: { date: new Date().toUTCString(), authorization: authorization('eA==', 'date', 'hmac-sha256', 'bob') } }, error(NOT_VALID)],
    ['an enforced header not signed', { enforce_headers: ['date', 'x-foo'] }, signed(), error(NOT_VALID)],
    ['a wrong signature', {}, { ...signed(), headers: { ...signed().headers, date: new Date(Date.now() - 5000).toUTCString() } }, error(NOT_SAME)],
    ['a realm', { realm: 'api' }, { headers: {} }, { kind: 'error', status: 401, body: 'Unauthorized', headers: { 'WWW-Authenticate': 'hmac realm="api"' } }],
  ] as const) {
    it(`answers 401 for ${name}`, async () => {
      const { ctx, response } = await runAuth(hmacAuth, config, consumers, request);
      assert.deepEqual(response, expected);
      assert.equal(ctx.consumer, null);
    });
  }

  it('validates the body against a SHA-256 Digest', async () => {
    const body = Buffer.from('{"a":1}');
    const date = new Date().toUTCString();
    const digest = `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
    const signature = sign('hmac-sha256', 's3cret', `date: ${date}\ndigest: ${digest}`);
    const headers = { date, digest, authorization: authorization(signature, 'date digest') };
    const ok = await runAuth(hmacAuth, { validate_request_body: true }, consumers, { method: 'POST', headers, body });
    assert.equal(ok.response, null);
    const tampered = await runAuth(hmacAuth, { validate_request_body: true }, consumers, { method: 'POST', headers, body: Buffer.from('{"a":2}') });
    assert.deepEqual(tampered.response, error(NOT_SAME));
    const noDigest = signed();
    const missing = await runAuth(hmacAuth, { validate_request_body: true }, consumers, { ...noDigest, method: 'POST', body });
    assert.deepEqual(missing.response, error(NOT_SAME));
    const empty = await runAuth(hmacAuth, { validate_request_body: true }, consumers, { ...noDigest, body: Buffer.alloc(0) });
    assert.equal(empty.response, null);
  });

  it('falls back to the anonymous consumer, and a later plugin skips once a credential is accepted', async () => {
    const { ctx, response } = await runAuth(hmacAuth, { anonymous: 'anon' }, consumers, { headers: {} });
    assert.equal(response, null);
    assert.equal(ctx.consumer?.id, anon.id);
    assert.equal(ctx.headers['x-anonymous-consumer'], 'true');
    const first = await runAuth(hmacAuth, { anonymous: 'anon' }, consumers, signed());
    const again = await runAuth(hmacAuth, { anonymous: 'anon' }, consumers, { ctx: first.ctx });
    assert.equal(again.response, null);
    assert.equal(again.ctx.consumer?.id, alice.id);
  });
});
