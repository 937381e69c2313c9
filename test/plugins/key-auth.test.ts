import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { echoed, HOST, setup } from './harness.ts';

const ALICE = '00000000-0000-4000-8000-00000000a11c';
const BOB = '00000000-0000-4000-8000-000000000b0b';

// Alice and Bob with one key each; Bob is in the group `gold`.
const base = (url: string) =>
  snapshot({ hostnames: [HOST] })
    .consumer({ id: ALICE, username: 'alice' })
    .credential('keyAuth', { key: 'alice-key' })
    .consumer({ id: BOB, username: 'bob', custom_id: 'b-1' })
    .credential('keyAuth', { key: 'bob-key' })
    .consumerGroup('gold', [BOB])
    .service({ url })
    .route({ paths: ['/'] });

describe('key-auth through the data plane', () => {
  it('returns 401 without a key, with Kong error body and WWW-Authenticate', async (t) => {
    const h = await setup(t, (url) => base(url).plugin('key-auth'));
    const reply = await h.send('/x');
    assert.equal(reply.status, 401);
    assert.equal(reply.headers['www-authenticate'], 'Key');
    assert.equal(JSON.parse(reply.body).message, 'No API key found in request');
    assert.equal((await h.send('/x', { headers: { apikey: 'nope' } })).status, 401);
    assert.equal(h.upstream.requests.length, 0);
  });

  it('proxies with a valid key, hides it and names the consumer upstream', async (t) => {
    const h = await setup(t, (url) => base(url).plugin('key-auth'));
    const reply = await h.send('/x?apikey=bob-key&a=1', { headers: { 'x-consumer-username': 'spoofed' } });
    assert.equal(reply.status, 200);
    const up = echoed(reply);
    assert.equal(up.query, 'a=1');
    assert.equal(up.headers['x-consumer-id'], BOB);
    assert.equal(up.headers['x-consumer-username'], 'bob');
    assert.equal(up.headers['x-consumer-custom-id'], 'b-1');
    assert.ok(up.headers['x-credential-identifier']);
    assert.equal(up.headers['x-anonymous-consumer'], undefined);
  });

  it('uses the anonymous consumer when the key is missing', async (t) => {
    const h = await setup(t, (url) => base(url).plugin('key-auth', { anonymous: 'alice' }));
    const up = echoed(await h.send('/x'));
    assert.equal(up.headers['x-consumer-id'], ALICE);
    assert.equal(up.headers['x-anonymous-consumer'], 'true');
  });

  it('runs consumer- and group-scoped configs of later plugins for that consumer only', async (t) => {
    const h = await setup(t, (url) =>
      base(url)
        .plugin('key-auth')
        .plugin('request-transformer', { add: { headers: ['x-tier:route'] } })
        .plugin('request-transformer', { add: { headers: ['x-tier:alice'] } }, 'global', { consumer: { id: ALICE } }),
    );
    assert.equal(echoed(await h.send('/x', { headers: { apikey: 'alice-key' } })).headers['x-tier'], 'alice');
    assert.equal(echoed(await h.send('/x', { headers: { apikey: 'bob-key' } })).headers['x-tier'], 'route');
  });

  it('applies a consumer-group config to the group members', async (t) => {
    let gold = '';
    const h = await setup(t, (url) => {
      const b = base(url).plugin('key-auth');
      gold = (b.build().consumerGroups[0] as { id: string }).id;
      return b.plugin('request-transformer', { add: { headers: ['x-tier:gold'] } }, 'global', { consumer_group: { id: gold } });
    });
    assert.ok(gold);
    assert.equal(echoed(await h.send('/x', { headers: { apikey: 'bob-key' } })).headers['x-tier'], 'gold');
    assert.equal(echoed(await h.send('/x', { headers: { apikey: 'alice-key' } })).headers['x-tier'], undefined);
  });
});
