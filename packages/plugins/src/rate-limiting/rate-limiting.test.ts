import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { redisOrSkip } from '@gatehouse/test-kit';
import { validatePluginConfig } from '../schemas.ts';
import { PluginContext } from '../kit.ts';
import { closeRedisClients, localCounters, redisCounters, secondsLeft, windowStart, type Counters } from './policies.ts';
import rateLimiting from './handler.ts';
import type { RateLimitingConfig } from './schema.ts';

const errorsOf = (config: object) => {
  const r = validatePluginConfig('rate-limiting', config);
  return r.ok ? [] : r.errors;
};

describe('rate-limiting schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('rate-limiting', { minute: 5 });
    assert.ok(r.ok);
    const v = r.value as Record<string, unknown>;
    assert.deepEqual([v.limit_by, v.policy, v.fault_tolerant, v.hide_client_headers, v.error_code, v.error_message], ['consumer', 'local', true, false, 429, 'API rate limit exceeded']);
    assert.equal((v.redis as { port: number }).port, 6379);
  });

  for (const [config, field, reason] of [
    [{}, 'second', 'at least one of'],
    [{ minute: 10, hour: 5 }, 'hour', 'The limit for hour(5.0) cannot be lower than the limit for minute(10.0)'],
    [{ minute: 0 }, 'minute', ''],
    [{ minute: 1, limit_by: 'header' }, 'header_name', 'required field missing'],
    [{ minute: 1, limit_by: 'path' }, 'path', 'required field missing'],
    [{ minute: 1, policy: 'redis' }, 'redis.host', 'required field missing'],
    [{ minute: 1, policy: 'cluster' }, 'policy', 'cluster'],
    [{ minute: 1, limit_by: 'planet' }, 'limit_by', ''],
  ] as const) {
    it(`rejects ${JSON.stringify(config)} naming ${field}`, () => {
      const errors = errorsOf(config);
      const hit = errors.find((e) => e.field === field);
      assert.ok(hit, JSON.stringify(errors));
      assert.ok(hit.reason.includes(reason), hit.reason);
    });
  }
});

describe('rate-limiting windows', () => {
  const t = Date.UTC(2024, 1, 29, 23, 59, 30, 250); // 2024-02-29T23:59:30.250Z
  for (const [period, start, left] of [
    ['second', Date.UTC(2024, 1, 29, 23, 59, 30), 1],
    ['minute', Date.UTC(2024, 1, 29, 23, 59), 30],
    ['hour', Date.UTC(2024, 1, 29, 23), 30],
    ['day', Date.UTC(2024, 1, 29), 30],
    ['month', Date.UTC(2024, 1, 1), 30],
    ['year', Date.UTC(2024, 0, 1), 306 * 86400 + 30],
  ] as const) {
    it(`aligns ${period} on UTC boundaries`, () => {
      assert.equal(windowStart(period, t), start);
      assert.equal(secondsLeft(period, start, t), left);
    });
  }
});

function request(ip = '10.0.0.1'): PluginContext {
  return new PluginContext({ requestId: 'r', clientIp: ip, scheme: 'http', host: 'h', method: 'GET', rawPath: '/a', path: '/a', query: null, headers: {} });
}

describe('rate-limiting handler (local)', () => {
  it('has Kong priority 910', () => assert.equal(rateLimiting.priority, 910));

  it('counts down, then blocks with 429 and Retry-After, without counting blocked requests', async () => {
    const valid = validatePluginConfig('rate-limiting', { minute: 3, hour: 10, limit_by: 'ip' });
    assert.ok(valid.ok);
    const state = rateLimiting.compile!(valid.value as RateLimitingConfig, { gatewayId: randomUUID() });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ctx = request();
      assert.equal(await rateLimiting.access!(ctx, state), undefined);
      remaining.push(ctx.addedResponseHeaders!['x-ratelimit-remaining-minute']);
      assert.equal(ctx.addedResponseHeaders!['ratelimit-limit'], '3');
    }
    assert.deepEqual(remaining, ['2', '1', '0']);
    const ctx = request();
    const blocked = await rateLimiting.access!(ctx, state);
    assert.equal(blocked?.status, 429);
    assert.equal(blocked?.body, 'API rate limit exceeded');
    assert.equal(blocked?.headers?.['x-ratelimit-remaining-minute'], '0');
    assert.equal(blocked?.headers?.['x-ratelimit-remaining-hour'], '7');
    assert.ok(Number(blocked?.headers?.['retry-after']) >= 1);
    const other = request('10.0.0.2');
    assert.equal(await rateLimiting.access!(other, state), undefined, 'another client has its own counter');
  });

  it('keeps one count per client and window while clients alternate and windows roll over', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: Date.UTC(2030, 0, 1, 10, 0, 58) });
    const valid = validatePluginConfig('rate-limiting', { minute: 5, hour: 100, limit_by: 'ip' });
    assert.ok(valid.ok);
    const state = rateLimiting.compile!(valid.value as RateLimitingConfig, { gatewayId: randomUUID() });
    const remaining = async (ip: string) => {
      const ctx = request(ip);
      assert.equal(await rateLimiting.access!(ctx, state), undefined);
      return [ctx.addedResponseHeaders!['x-ratelimit-remaining-minute'], ctx.addedResponseHeaders!['x-ratelimit-remaining-hour']];
    };
    assert.deepEqual(await remaining('10.0.0.1'), ['4', '99']);
    assert.deepEqual(await remaining('10.0.0.2'), ['4', '99']);
    assert.deepEqual(await remaining('10.0.0.1'), ['3', '98']);
    t.mock.timers.setTime(Date.UTC(2030, 0, 1, 10, 1, 0)); // The minute rolls over, the hour does not.
    assert.deepEqual(await remaining('10.0.0.1'), ['4', '97']);
    assert.deepEqual(await remaining('10.0.0.2'), ['4', '98']);
    assert.deepEqual(await remaining('10.0.0.1'), ['3', '96']);
  });

  it('hides the client headers but keeps Retry-After', async () => {
    const valid = validatePluginConfig('rate-limiting', { second: 1, limit_by: 'ip', hide_client_headers: true, error_code: 503, error_message: 'slow down' });
    assert.ok(valid.ok);
    const state = rateLimiting.compile!(valid.value as RateLimitingConfig, { gatewayId: randomUUID() });
    const first = request();
    await rateLimiting.access!(first, state);
    assert.equal(first.addedResponseHeaders, null);
    const blocked = await rateLimiting.access!(request(), state);
    // A second may have ended between the two requests; then the second one is allowed.
    if (blocked !== undefined) {
      assert.deepEqual([blocked.status, blocked.body, Object.keys(blocked.headers!)], [503, 'slow down', ['retry-after']]);
    }
  });
});

const REDIS = { host: '127.0.0.1', port: 6379, timeout: 2000, username: null, password: null, database: 0, ssl: false, ssl_verify: true, server_name: null };

describe('rate-limiting counters', () => {
  after(() => closeRedisClients());
  const cases: Array<[string, () => Counters]> = [['local', () => localCounters], ['redis', () => redisCounters(REDIS)]];
  for (const [name, make] of cases) {
    it(`${name}: counts per key and starts at 0`, async (t) => {
      if (name === 'redis' && !(await redisOrSkip(t))) return;
      const counters = make();
      const a = `test:${randomUUID()}:a`;
      const b = `test:${randomUUID()}:b`;
      assert.deepEqual(await counters.get([a, b]), [0, 0]);
      await counters.increment([a, b], [60, 60], 1);
      await counters.increment([a], [60], 2);
      assert.deepEqual(await counters.get([a, b]), [3, 1]);
    });
  }

  it('redis: rejects when the server is unreachable, so fault_tolerant can decide', async () => {
    const counters = redisCounters({ ...REDIS, port: 1, timeout: 500 });
    await assert.rejects(async () => counters.get(['x']));
  });
});
