import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { validatePluginConfig } from '../schemas.ts';
import { PluginContext, type Headers } from '../kit.ts';
import { closeRedisClients } from '../rate-limiting/policies.ts';
import responseRatelimiting from './handler.ts';
import type { ResponseRatelimitingConfig } from './schema.ts';

const errorsOf = (config: object) => {
  const r = validatePluginConfig('response-ratelimiting', config);
  return r.ok ? [] : r.errors;
};

describe('response-ratelimiting schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('response-ratelimiting', { limits: { videos: { minute: 10 } } });
    assert.ok(r.ok);
    const v = r.value as ResponseRatelimitingConfig;
    assert.deepEqual([v.header_name, v.limit_by, v.policy, v.fault_tolerant, v.hide_client_headers, v.block_on_first_violation, v.redis.port], ['x-kong-limit', 'consumer', 'local', true, false, false, 6379]);
  });

  for (const [config, field, reason] of [
    [{}, 'limits', ''],
    [{ limits: {} }, 'limits', ''],
    [{ limits: { videos: {} } }, 'limits.videos', 'at least one of'],
    [{ limits: { videos: { minute: 10, hour: 5 } } }, 'limits.videos.hour', 'The limit for hour(5.0) cannot be lower than the limit for minute(10.0)'],
    [{ limits: { videos: { minute: 0 } } }, 'limits.videos.minute', ''],
    [{ limits: { videos: { minute: 1 } }, limit_by: 'header' }, 'limit_by', ''],
    [{ limits: { videos: { minute: 1 } }, policy: 'cluster' }, 'policy', 'cluster'],
    [{ limits: { videos: { minute: 1 } }, policy: 'redis' }, 'redis.host', 'required field missing'],
  ] as const) {
    it(`rejects ${JSON.stringify(config)} naming ${field}`, () => {
      const errors = errorsOf(config);
      const hit = errors.find((e) => e.field === field);
      assert.ok(hit, JSON.stringify(errors));
      assert.ok(hit.reason.includes(reason), hit.reason);
    });
  }
});

function compile(config: object) {
  const valid = validatePluginConfig('response-ratelimiting', config);
  assert.ok(valid.ok, JSON.stringify(!valid.ok && valid.errors));
  return responseRatelimiting.compile!(valid.value as ResponseRatelimitingConfig, { gatewayId: randomUUID() });
}

type State = ReturnType<typeof compile>;

/** One request through access, header_filter (upstream sent `responseHeaders`), body_filter and log. */
async function exchange(state: State, responseHeaders: Headers, ip = '10.0.0.1') {
  const ctx = new PluginContext({ requestId: 'r', clientIp: ip, scheme: 'http', host: 'h', method: 'GET', rawPath: '/a', path: '/a', query: null, headers: {} });
  const early = await responseRatelimiting.access!(ctx, state);
  if (early !== undefined) return { ctx, early, body: null };
  ctx.status = 200;
  ctx.responseHeaders = { 'content-type': 'text/plain', 'content-length': '5', ...responseHeaders };
  responseRatelimiting.headerFilter!(ctx, state);
  const body = ctx.isResponseBuffered ? responseRatelimiting.bodyFilter!(ctx, state, Buffer.from('hello')) : Buffer.from('hello');
  await responseRatelimiting.log!(ctx, state);
  return { ctx, early: null, body };
}

describe('response-ratelimiting handler (local)', () => {
  after(() => closeRedisClients());

  it('has Kong priority 900', () => assert.equal(responseRatelimiting.priority, 900));

  it('tells the upstream what is left, counts what it spends and answers 429 once spent', async () => {
    const state = compile({ limits: { videos: { minute: 3, hour: 10 }, images: { minute: 5 } }, limit_by: 'ip' });
    const first = await exchange(state, { 'x-kong-limit': 'videos=2, unknown=4, images' });
    assert.equal(first.ctx.headers['x-ratelimit-remaining-videos'], '3');
    assert.equal(first.ctx.headers['x-ratelimit-remaining-images'], '5');
    const h = first.ctx.responseHeaders!;
    assert.deepEqual(
      [h['x-ratelimit-limit-videos-minute'], h['x-ratelimit-remaining-videos-minute'], h['x-ratelimit-remaining-videos-hour'], h['x-ratelimit-remaining-images-minute'], h['x-kong-limit']],
      ['3', '1', '8', '5', undefined],
    );
    const second = await exchange(state, { 'x-kong-limit': 'videos=1' });
    assert.equal(second.ctx.headers['x-ratelimit-remaining-videos'], '1');
    assert.equal(second.ctx.status, 200);
    assert.equal(second.ctx.responseHeaders!['x-ratelimit-remaining-videos-minute'], '0');
    // Spent: a response spending more videos is replaced by an empty 429 and not counted.
    const third = await exchange(state, { 'x-kong-limit': 'videos=1' });
    assert.equal(third.ctx.headers['x-ratelimit-remaining-videos'], '0');
    assert.equal(third.ctx.status, 429);
    assert.deepEqual(third.body, Buffer.alloc(0));
    assert.equal(third.ctx.responseHeaders!['content-length'], undefined);
    // A response spending nothing still passes, and the other limit is untouched.
    const free = await exchange(state, { 'x-kong-limit': 'images=1' });
    assert.equal(free.ctx.status, 200);
    assert.equal(free.ctx.headers['x-ratelimit-remaining-videos'], '0');
    assert.equal(free.ctx.responseHeaders!['x-ratelimit-remaining-images-minute'], '4');
    const other = await exchange(state, { 'x-kong-limit': 'videos=1' }, '10.0.0.2');
    assert.equal(other.ctx.status, 200, 'another client has its own counters');
  });

  it('blocks before proxying with block_on_first_violation', async () => {
    const state = compile({ limits: { videos: { minute: 1 } }, limit_by: 'ip', block_on_first_violation: true });
    assert.equal((await exchange(state, { 'x-kong-limit': 'videos=1' })).early, null);
    const { early } = await exchange(state, {});
    assert.deepEqual(early, { kind: 'error', status: 429, body: "API rate limit exceeded for 'videos'", headers: null });
  });

  it('hides the client headers and reads a custom header name', async () => {
    const state = compile({ limits: { videos: { minute: 5 } }, limit_by: 'ip', hide_client_headers: true, header_name: 'X-Units' });
    const { ctx } = await exchange(state, { 'x-units': 'videos=1' });
    assert.deepEqual(Object.keys(ctx.responseHeaders!).sort(), ['content-length', 'content-type']);
    assert.equal((await exchange(state, {})).ctx.headers['x-ratelimit-remaining-videos'], '4');
  });

  it('proxies without limits when Redis is unreachable and fault_tolerant, else 500', async () => {
    const redis = { host: '127.0.0.1', port: 1, timeout: 300 };
    const tolerant = await exchange(compile({ limits: { videos: { minute: 5 } }, policy: 'redis', redis }), {});
    assert.equal(tolerant.early, null);
    assert.equal(tolerant.ctx.headers['x-ratelimit-remaining-videos'], undefined);
    const strict = await exchange(compile({ limits: { videos: { minute: 5 } }, policy: 'redis', redis, fault_tolerant: false }), {});
    assert.deepEqual(strict.early, { kind: 'exit', status: 500, body: { message: 'An unexpected error occurred' }, headers: null });
  });
});
