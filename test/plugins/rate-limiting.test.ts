import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot, redisOrSkip } from '@gatehouse/test-kit';
import { closeRedisClients } from '@gatehouse/plugins/rate-limiting/policies.ts';
import { HOST, setup } from './harness.ts';

const ALICE = '00000000-0000-4000-8000-00000000a11c';

describe('rate-limiting through the data plane', () => {
  after(() => closeRedisClients());

  it('sends X-RateLimit-* and RateLimit-* headers and answers 429 past the limit (local)', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('rate-limiting', { minute: 2, limit_by: 'ip' }));
    const first = await h.send('/x');
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-ratelimit-limit-minute'], '2');
    assert.equal(first.headers['x-ratelimit-remaining-minute'], '1');
    assert.equal(first.headers['ratelimit-limit'], '2');
    assert.equal(first.headers['ratelimit-remaining'], '1');
    assert.ok(Number(first.headers['ratelimit-reset']) >= 1 && Number(first.headers['ratelimit-reset']) <= 60);
    assert.equal((await h.send('/x')).headers['x-ratelimit-remaining-minute'], '0');
    const blocked = await h.send('/x');
    assert.equal(blocked.status, 429);
    assert.equal(JSON.parse(blocked.body).message, 'API rate limit exceeded');
    assert.ok(blocked.headers['retry-after']);
    assert.equal(h.upstream.requests.length, 2);
  });

  it('limits per consumer with a consumer-scoped config after key-auth', async (t) => {
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .consumer({ id: ALICE, username: 'alice' })
        .credential('keyAuth', { key: 'alice-key' })
        .consumer({ username: 'bob' })
        .credential('keyAuth', { key: 'bob-key' })
        .service({ url })
        .route({ paths: ['/'] })
        .plugin('key-auth')
        .plugin('rate-limiting', { hour: 100 })
        .plugin('rate-limiting', { hour: 1 }, 'global', { consumer: { id: ALICE } }),
    );
    const alice = await h.send('/x', { headers: { apikey: 'alice-key' } });
    assert.equal(alice.headers['x-ratelimit-limit-hour'], '1');
    assert.equal((await h.send('/x', { headers: { apikey: 'alice-key' } })).status, 429);
    const bob = await h.send('/x', { headers: { apikey: 'bob-key' } });
    assert.equal(bob.status, 200);
    assert.equal(bob.headers['x-ratelimit-limit-hour'], '100');
  });

  it('shares counters through Redis', async (t) => {
    if (!(await redisOrSkip(t))) return;
    const header = `client-${Date.now()}-${Math.random()}`;
    // Two data planes serving the same gateway and route: counters are keyed by both.
    const gatewayId = '00000000-0000-4000-8000-0000000000aa';
    const build = (url: string) => snapshot({ gatewayId, hostnames: [HOST] }).service({ url }).route({ id: '00000000-0000-4000-8000-0000000000bb', paths: ['/'] }).plugin('rate-limiting', { minute: 2, limit_by: 'header', header_name: 'x-client', policy: 'redis', redis: { host: '127.0.0.1' } });
    const a = await setup(t, build);
    const b = await setup(t, build);
    assert.equal((await a.send('/x', { headers: { 'x-client': header } })).headers['x-ratelimit-remaining-minute'], '1');
    // The increment follows the decision on the same Redis connection, so the next read sees it.
    assert.equal((await b.send('/x', { headers: { 'x-client': header } })).headers['x-ratelimit-remaining-minute'], '0');
    assert.equal((await a.send('/x', { headers: { 'x-client': header } })).status, 429);
  });

  it('proxies without headers when Redis is unreachable and fault_tolerant, else 500', async (t) => {
    const redis = { host: '127.0.0.1', port: 1, timeout: 300 };
    const tolerant = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('rate-limiting', { minute: 1, policy: 'redis', redis }));
    const ok = await tolerant.send('/x');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['x-ratelimit-limit-minute'], undefined);
    const strict = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('rate-limiting', { minute: 1, policy: 'redis', redis, fault_tolerant: false }));
    assert.equal((await strict.send('/x')).status, 500);
  });
});
