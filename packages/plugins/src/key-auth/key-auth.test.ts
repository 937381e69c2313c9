import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../schemas.ts';
import { consumer, credentials, index, runAuth } from '../consumers.fixtures.ts';
import keyAuth from './handler.ts';

const alice = consumer('alice', 'A-1');
const anon = consumer('anon');
const now = Math.floor(Date.now() / 1000);
const consumers = index([alice, anon], credentials(alice, { keys: [{ key: 'k-alice' }, { key: 'k-old', expires_at: now - 1 }, { key: 'k-later', expires_at: now + 3600 }] }));
const keyCredId = consumers.keyAuth.get('k-alice')!.id;

describe('key-auth schema', () => {
  it('fills the defaults of Kong 3.15', () => {
    const r = validatePluginConfig('key-auth', {});
    assert.ok(r.ok);
    assert.deepEqual(r.value, { key_names: ['apikey'], hide_credentials: true, anonymous: null, key_in_header: true, key_in_query: true, key_in_body: false, run_on_preflight: true, realm: null, identity_realms: null, principals: null });
  });

  for (const [config, field] of [[{ key_names: ['bad name'] }, 'key_names.0'], [{ key_names: [] }, 'key_names'], [{ hide_credentials: 'yes' }, 'hide_credentials'], [{ other: 1 }, 'other']] as const) {
    it(`rejects ${JSON.stringify(config)} naming ${field}`, () => {
      const r = validatePluginConfig('key-auth', config);
      assert.equal(r.ok, false);
      if (!r.ok) assert.ok(r.errors.some((e) => e.field === field), JSON.stringify(r.errors));
    });
  }
});

describe('key-auth handler', () => {
  it('has Kong priority 1250 and sets the consumer', () => assert.deepEqual([keyAuth.priority, keyAuth.setsConsumer], [1250, true]));

  it('authenticates a header key and sets the consumer headers', async () => {
    const { ctx, response } = await runAuth(keyAuth, { hide_credentials: false }, consumers, { headers: { apikey: 'k-alice', 'x-anonymous-consumer': 'true' } });
    assert.equal(response, null);
    assert.equal(ctx.consumer?.id, alice.id);
    assert.equal(ctx.headers['x-consumer-id'], alice.id);
    assert.equal(ctx.headers['x-consumer-username'], 'alice');
    assert.equal(ctx.headers['x-consumer-custom-id'], 'A-1');
    assert.equal(ctx.headers['x-credential-identifier'], keyCredId);
    assert.equal(ctx.headers['x-anonymous-consumer'], undefined, 'a spoofed header is removed');
    assert.equal(ctx.headers.apikey, 'k-alice');
  });

  it('answers 401 with WWW-Authenticate when the key is missing, empty or unknown', async () => {
    for (const [headers, message] of [[{}, 'No API key found in request'], [{ apikey: '' }, 'No API key found in request'], [{ apikey: 'nope' }, 'Unauthorized'], [{ apikey: 'k-old' }, 'Unauthorized']] as const) {
      const { response, ctx } = await runAuth(keyAuth, {}, consumers, { headers });
      assert.deepEqual(response, { kind: 'error', status: 401, body: message, headers: { 'WWW-Authenticate': 'Key' } }, JSON.stringify(headers));
      assert.equal(ctx.consumer, null);
    }
  });

  it('accepts a key that expires later and names the realm', async () => {
    assert.equal((await runAuth(keyAuth, {}, consumers, { headers: { apikey: 'k-later' } })).response, null);
    const { response } = await runAuth(keyAuth, { realm: 'api' }, consumers, {});
    assert.deepEqual(response?.headers, { 'WWW-Authenticate': 'Key realm="api"' });
  });

  it('lets the first location with a value decide: a wrong header key is not rescued by the query', async () => {
    const { response } = await runAuth(keyAuth, {}, consumers, { headers: { apikey: 'wrong' }, query: 'apikey=k-alice' });
    assert.equal(response?.body, 'Unauthorized');
  });

  it('reads the query and hides it, keeping the other arguments in order', async () => {
    const { ctx, response } = await runAuth(keyAuth, {}, consumers, { query: 'z=1&apikey=k-alice&a=2' });
    assert.equal(response, null);
    assert.equal(ctx.query, 'z=1&a=2');
    const encoded = await runAuth(keyAuth, {}, consumers, { query: 'api%6B%65%79=k-alice&b=1' });
    assert.equal(encoded.response, null);
    assert.equal(encoded.ctx.query, 'b=1', 'an encoded name is removed too');
  });

  it('refuses a duplicated query key', async () => {
    const { response } = await runAuth(keyAuth, {}, consumers, { query: 'apikey=a&apikey=b' });
    assert.equal(response?.body, 'Duplicate API key found');
  });

  it('reads only the exact key name from a query: a bare key is no key, beside a value it is a duplicate', async () => {
    const similar = await runAuth(keyAuth, {}, consumers, { query: 'apikeys=x&xapikey=y&apikey=k-alice&api=z' });
    assert.equal(similar.response, null);
    assert.equal(similar.ctx.query, 'apikeys=x&xapikey=y&api=z');
    const bare = await runAuth(keyAuth, {}, consumers, { query: 'apikey' });
    assert.equal(bare.response?.body, 'No API key found in request');
    const both = await runAuth(keyAuth, {}, consumers, { query: 'apikey&apikey=k-alice' });
    assert.equal(both.response?.body, 'Duplicate API key found');
    const last = await runAuth(keyAuth, {}, consumers, { query: 'a=1&apikey=k-alice' });
    assert.equal(last.response, null);
    assert.equal(last.ctx.query, 'a=1');
  });

  it('treats header names case- and underscore-tolerantly', async () => {
    const { ctx, response } = await runAuth(keyAuth, { key_names: ['API_Key'] }, consumers, { headers: { 'api-key': 'k-alice' } });
    assert.equal(response, null);
    assert.equal(ctx.headers['api-key'], undefined, 'hidden');
  });

  it('reads JSON and url-encoded bodies when key_in_body is on', async () => {
    const json = await runAuth(keyAuth, { key_in_body: true }, consumers, { headers: { 'content-type': 'application/json' }, body: Buffer.from('{"apikey":"k-alice","x":1}') });
    assert.equal(json.response, null);
    assert.equal(json.ctx.body?.toString(), '{"x":1}');
    const form = await runAuth(keyAuth, { key_in_body: true, hide_credentials: false }, consumers, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: Buffer.from('apikey=k-alice') });
    assert.equal(form.response, null);
    assert.equal(form.ctx.body?.toString(), 'apikey=k-alice');
    const dup = await runAuth(keyAuth, { key_in_body: true }, consumers, { headers: { 'content-type': 'application/json' }, body: Buffer.from('{"apikey":["a","b"]}') });
    assert.equal(dup.response?.body, 'Duplicate API key found');
  });

  it('skips OPTIONS without run_on_preflight', async () => {
    assert.equal((await runAuth(keyAuth, { run_on_preflight: false }, consumers, { method: 'OPTIONS' })).response, null);
  });

  it('falls back to the anonymous consumer (id or username) and 500s if it does not exist', async () => {
    const { ctx, response } = await runAuth(keyAuth, { anonymous: 'anon' }, consumers, { headers: { apikey: 'nope' } });
    assert.equal(response, null);
    assert.equal(ctx.consumer?.id, anon.id);
    assert.equal(ctx.credential, null);
    assert.equal(ctx.headers['x-anonymous-consumer'], 'true');
    assert.equal(ctx.headers['x-credential-identifier'], undefined);
    const missing = await runAuth(keyAuth, { anonymous: 'ghost' }, consumers, {});
    assert.deepEqual([missing.response?.status, missing.response?.body], [500, "anonymous consumer ghost is configured but doesn't exist"]);
  });

  it('with anonymous, skips once an earlier plugin accepted a credential (logical OR)', async () => {
    const first = await runAuth(keyAuth, { anonymous: anon.id }, consumers, { headers: { apikey: 'k-alice' } });
    first.ctx.headers.apikey = 'nope';
    const second = await runAuth(keyAuth, { anonymous: anon.id }, consumers, { ctx: first.ctx });
    assert.equal(second.response, null);
    assert.equal(second.ctx.consumer?.id, alice.id);
  });
});
