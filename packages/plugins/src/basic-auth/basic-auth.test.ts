import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../schemas.ts';
import { consumer, credentials, index, runAuth } from '../consumers.fixtures.ts';
import basicAuth from './handler.ts';

const alice = consumer('alice');
const consumers = index([alice], credentials(alice, { basic: [{ username: 'al', password: 'se:cret' }] }));
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="service"' };

describe('basic-auth', () => {
  it('fills Kong 3.15 defaults and rejects unknown fields', () => {
    const r = validatePluginConfig('basic-auth', {});
    assert.ok(r.ok);
    assert.deepEqual([r.value.hide_credentials, r.value.realm, r.value.anonymous], [true, 'service', null]);
    assert.equal(validatePluginConfig('basic-auth', { realms: 'x' }).ok, false);
  });

  it('has Kong priority 1100', () => assert.equal(basicAuth.priority, 1100));

  it('authenticates with a password holding colons and hides the header', async () => {
    const { ctx, response } = await runAuth(basicAuth, {}, consumers, { headers: { authorization: basic('al', 'se:cret') } });
    assert.equal(response, null);
    assert.equal(ctx.consumer?.id, alice.id);
    assert.equal(ctx.headers['x-credential-identifier'], 'al');
    assert.equal(ctx.headers.authorization, undefined);
  });

  it('prefers Proxy-Authorization and falls back to Authorization', async () => {
    const { ctx, response } = await runAuth(basicAuth, { hide_credentials: false }, consumers, { headers: { 'proxy-authorization': basic('nobody', 'x'), authorization: basic('al', 'se:cret') } });
    assert.equal(response, null);
    assert.equal(ctx.headers.authorization, basic('al', 'se:cret'));
  });

  for (const [name, headers] of [
    ['no header', {}],
    ['a wrong password', { authorization: basic('al', 'nope') }],
    ['an unknown user', { authorization: basic('bob', 'se:cret') }],
    ['another scheme', { authorization: 'Bearer x' }],
    ['no colon', { authorization: `Basic ${Buffer.from('al').toString('base64')}` }],
  ] as const) {
    it(`answers 401 Unauthorized for ${name}`, async () => {
      const { response } = await runAuth(basicAuth, {}, consumers, { headers });
      assert.deepEqual(response, { kind: 'error', status: 401, body: 'Unauthorized', headers: CHALLENGE });
    });
  }
});
