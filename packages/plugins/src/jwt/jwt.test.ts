import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { validatePluginConfig } from '../schemas.ts';
import { consumer, credentials, index, runAuth } from '../consumers.fixtures.ts';
import jwt from './handler.ts';

const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
function hs(claims: object, secret: string, alg = 'HS256', hash = 'sha256'): string {
  const signed = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return `${signed}.${createHmac(hash, secret).update(signed).digest('base64url')}`;
}
function asym(claims: object, alg: string, hash: string, key: Parameters<typeof sign>[2]): string {
  const signed = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  return `${signed}.${sign(hash, Buffer.from(signed), key).toString('base64url')}`;
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (k: typeof rsa.publicKey) => k.export({ type: 'spki', format: 'pem' }).toString();
const alice = consumer('alice');
const consumers = index(
  [alice],
  credentials(alice, {
    jwt: [
      { key: 'hs-iss', secret: 'shh' },
      { key: 'hs512-iss', secret: 'shh', algorithm: 'HS512' },
      { key: 'rs-iss', algorithm: 'RS256', rsa_public_key: pem(rsa.publicKey) },
      { key: 'es-iss', algorithm: 'ES256', rsa_public_key: pem(ec.publicKey) },
    ],
  }),
);
const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('jwt', () => {
  it('fills defaults and needs exp to verify with maximum_expiration', () => {
    const r = validatePluginConfig('jwt', {});
    assert.ok(r.ok);
    assert.deepEqual([r.value.key_claim_name, r.value.uri_param_names, r.value.header_names], ['iss', ['jwt'], ['authorization']]);
    const bad = validatePluginConfig('jwt', { maximum_expiration: 60 });
    assert.equal(bad.ok, false);
    assert.equal(validatePluginConfig('jwt', { maximum_expiration: 60, claims_to_verify: ['exp'] }).ok, true);
  });

  it('has Kong priority 1450', () => assert.equal(jwt.priority, 1450));

  for (const [name, token] of [
    ['HS256', () => hs({ iss: 'hs-iss' }, 'shh')],
    ['HS512', () => hs({ iss: 'hs512-iss' }, 'shh', 'HS512', 'sha512')],
    ['RS256', () => asym({ iss: 'rs-iss' }, 'RS256', 'sha256', rsa.privateKey)],
    ['ES256', () => asym({ iss: 'es-iss' }, 'ES256', 'sha256', { key: ec.privateKey, dsaEncoding: 'ieee-p1363' })],
  ] as const) {
    it(`accepts a ${name} token and sets the consumer`, async () => {
      const { ctx, response } = await runAuth(jwt, {}, consumers, { headers: bearer(token()) });
      assert.equal(response, null);
      assert.equal(ctx.consumer?.id, alice.id);
    });
  }

  it('reads the token from the query', async () => {
    assert.equal((await runAuth(jwt, {}, consumers, { query: `jwt=${hs({ iss: 'hs-iss' }, 'shh')}` })).response, null);
  });

  const refused = async (config: object, headers: Record<string, string>, query: string | null = null) => (await runAuth(jwt, config, consumers, { headers, query })).response;
  for (const [name, headers, body] of [
    ['no token', {}, { message: 'Unauthorized' }],
    ['a bad signature', bearer(hs({ iss: 'hs-iss' }, 'wrong')), { message: 'Invalid signature' }],
    ['an unknown key', bearer(hs({ iss: 'nobody' }, 'shh')), { message: "No credentials found for given 'iss'" }],
    ['no iss', bearer(hs({ sub: 'x' }, 'shh')), { message: "No mandatory 'iss' in claims" }],
    ['an empty iss', bearer(hs({ iss: '' }, 'shh')), { message: "Invalid 'iss' in claims" }],
    ['another algorithm', bearer(hs({ iss: 'rs-iss' }, 'shh')), { message: 'Invalid algorithm' }],
    ['garbage', bearer('a.b.c'), { message: 'Bad token; invalid JSON' }],
  ] as const) {
    it(`answers 401 for ${name}`, async () => {
      const response = await refused({}, headers);
      assert.equal(response?.kind, 'exit');
      assert.equal(response?.status, 401);
      assert.deepEqual(response?.body, body);
      assert.match(response?.headers?.['WWW-Authenticate'] ?? '', /^Bearer/);
    });
  }

  it('refuses several distinct tokens', async () => {
    const response = await refused({}, bearer(hs({ iss: 'hs-iss' }, 'shh')), `jwt=${hs({ iss: 'hs-iss', n: 1 }, 'shh')}`);
    assert.deepEqual(response?.body, { message: 'Multiple tokens provided' });
  });

  it('verifies exp, nbf and maximum_expiration', async () => {
    const exp = { claims_to_verify: ['exp'] };
    assert.deepEqual((await refused(exp, bearer(hs({ iss: 'hs-iss', exp: now() - 10 }, 'shh'))))?.body, { exp: 'token expired' });
    assert.deepEqual((await refused(exp, bearer(hs({ iss: 'hs-iss', exp: 'soon' }, 'shh'))))?.body, { exp: 'must be a number' });
    assert.deepEqual((await refused({ claims_to_verify: ['nbf'] }, bearer(hs({ iss: 'hs-iss', nbf: now() + 100 }, 'shh'))))?.body, { nbf: 'token not valid yet' });
    assert.deepEqual((await refused({ ...exp, maximum_expiration: 60 }, bearer(hs({ iss: 'hs-iss', exp: now() + 3600 }, 'shh'))))?.body, { exp: 'exceeds maximum allowed expiration' });
    assert.equal(await refused(exp, bearer(hs({ iss: 'hs-iss', exp: now() + 60 }, 'shh'))), null);
  });

  it('decodes base64 secrets with secret_is_base64', async () => {
    const b = index([alice], credentials(alice, { jwt: [{ key: 'b', secret: Buffer.from('raw secret').toString('base64') }] }));
    assert.equal((await runAuth(jwt, { secret_is_base64: true }, b, { headers: bearer(hs({ iss: 'b' }, 'raw secret')) })).response, null);
  });
});
