import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { snapshot, redisOrSkip } from '@gatehouse/test-kit';
import { closeRedisClients } from '@gatehouse/plugins/rate-limiting/policies.ts';
import { HOST, setup, startResponder } from './harness.ts';

/** An upstream spending what the client's `x-spend` asks (as X-Kong-Limit) and echoing what it was told is left. */
function spender(req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify({ remaining: req.headers['x-ratelimit-remaining-videos'] ?? null });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  if (typeof req.headers['x-spend'] === 'string') headers['x-kong-limit'] = req.headers['x-spend'];
  res.writeHead(200, headers).end(body);
}

describe('response-ratelimiting through the data plane', () => {
  after(() => closeRedisClients());

  it('counts what the upstream spends with X-Kong-Limit and answers an empty 429 once spent', async (t) => {
    const upstream = await startResponder(t, spender);
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url: upstream.url }).route({ paths: ['/'] }).plugin('response-ratelimiting', { limits: { videos: { minute: 2 } }, limit_by: 'ip' }));
    const first = await h.send('/v', { headers: { 'x-spend': 'videos=2' } });
    assert.equal(first.status, 200);
    assert.deepEqual(JSON.parse(first.body), { remaining: '2' });
    assert.equal(first.headers['x-ratelimit-limit-videos-minute'], '2');
    assert.equal(first.headers['x-ratelimit-remaining-videos-minute'], '0');
    assert.equal(first.headers['x-kong-limit'], undefined);
    // The increment is made in the log phase, after the response: wait for the count to show.
    let told = '2';
    for (let i = 0; i < 50 && told !== '0'; i++) told = JSON.parse((await h.send('/v')).body).remaining;
    assert.equal(told, '0');
    const blocked = await h.send('/v', { headers: { 'x-spend': 'videos=1' } });
    assert.equal(blocked.status, 429);
    assert.equal(blocked.body, '');
    assert.equal(blocked.headers['x-ratelimit-remaining-videos-minute'], '0');
  });

  it('refuses before proxying with block_on_first_violation', async (t) => {
    const upstream = await startResponder(t, spender);
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url: upstream.url }).route({ paths: ['/'] }).plugin('response-ratelimiting', { limits: { videos: { minute: 1 } }, limit_by: 'ip', block_on_first_violation: true }));
    assert.equal((await h.send('/v', { headers: { 'x-spend': 'videos=1' } })).status, 200);
    let reply = await h.send('/v');
    for (let i = 0; i < 50 && reply.status === 200; i++) reply = await h.send('/v');
    assert.equal(reply.status, 429);
    assert.equal(JSON.parse(reply.body).message, "API rate limit exceeded for 'videos'");
    const hits = upstream.hits();
    assert.equal((await h.send('/v')).status, 429);
    assert.equal(upstream.hits(), hits, 'the blocked request never reached the upstream');
  });

  it('shares counters through Redis', async (t) => {
    if (!(await redisOrSkip(t))) return;
    const upstream = await startResponder(t, spender);
    // Two data planes serving the same gateway and route (counters are keyed by both); fresh ids keep runs apart.
    const gatewayId = randomUUID();
    const routeId = randomUUID();
    const build = () =>
      snapshot({ hostnames: [HOST], gatewayId })
        .service({ url: upstream.url })
        .route({ id: routeId, paths: ['/'] })
        .plugin('response-ratelimiting', { limits: { videos: { hour: 3 } }, limit_by: 'ip', policy: 'redis', redis: { host: '127.0.0.1' } });
    const a = await setup(t, build);
    const b = await setup(t, build);
    assert.equal((await a.send('/v', { headers: { 'x-spend': 'videos=2' } })).status, 200);
    let told = '3';
    for (let i = 0; i < 50 && told !== '1'; i++) told = JSON.parse((await b.send('/v')).body).remaining;
    assert.equal(told, '1', 'the second data plane sees the units spent through the first');
  });
});
