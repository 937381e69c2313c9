import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { validatePluginConfig } from '../schemas.ts';
import { runPlugin } from '../testing.ts';
import { cacheKey, mimeMatches, parseCacheControl, parseMime, resourceTtl } from './cache.ts';
import handler from './handler.ts';

describe('proxy-cache schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('proxy-cache', { strategy: 'memory' });
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      strategy: 'memory',
      response_code: [200, 301, 404],
      request_method: ['GET', 'HEAD'],
      content_type: ['text/plain', 'application/json'],
      cache_ttl: 300,
      cache_control: false,
      ignore_uri_case: false,
      memory: { dictionary_name: 'kong_db_cache' },
      response_headers: { age: true, 'X-Cache-Status': true, 'X-Cache-Key': true },
    });
  });

  const rejects: Array<[string, unknown, string, string]> = [
    ['a missing strategy', {}, 'strategy', 'required'],
    ['the redis strategy', { strategy: 'redis' }, 'strategy', 'enum'],
    ['an unknown method', { strategy: 'memory', request_method: ['DELETE'] }, 'request_method.0', 'enum'],
    ['a status over 900', { strategy: 'memory', response_code: [901] }, 'response_code.0', 'max'],
    ['no status', { strategy: 'memory', response_code: [] }, 'response_code', 'min_items'],
  ];
  for (const [name, config, field, rule] of rejects) {
    it(`rejects ${name}`, () => {
      const r = validatePluginConfig('proxy-cache', config);
      assert.ok(!r.ok);
      assert.deepEqual(r.errors.map((e) => [e.field, e.rule]), [[field, rule]]);
    });
  }
});

describe('proxy-cache helpers', () => {
  it('parses Cache-Control directives', () => {
    assert.deepEqual([...parseCacheControl('max-age=60, No-Cache, s-maxage="5"')], [['max-age', 60], ['no-cache', true], ['s-maxage', 5]]);
    assert.equal(resourceTtl(parseCacheControl('max-age=60, s-maxage=5'), undefined), 5);
    assert.equal(resourceTtl(parseCacheControl(''), undefined), 0);
  });

  it('matches content types exactly, with wildcards', () => {
    const json = parseMime('application/json')!;
    assert.ok(mimeMatches(json, parseMime('Application/JSON')!));
    assert.ok(!mimeMatches(json, parseMime('application/json; charset=utf-8')!), 'parameters must match too');
    assert.ok(mimeMatches(parseMime('application/*')!, parseMime('application/xml')!));
    assert.ok(mimeMatches(parseMime('text/html; charset=utf-8')!, parseMime('text/html;charset="UTF-8"')!));
  });

  it("builds Kong's key: sorted query, vary headers", () => {
    const expected = createHash('sha256').update('r1|GET|/a|a=1:b=x,y|accept=json').digest('hex');
    assert.equal(cacheKey('r1', 'GET', '/a', { b: ['x', 'y'], a: '1' }, null, { accept: 'json', other: 'z' }, ['accept']), expected);
    assert.equal(cacheKey('r1', 'GET', '/a', { a: '1', b: '2' }, ['a'], {}, null), cacheKey('r1', 'GET', '/a', { a: '1', b: '3' }, ['a'], {}, null));
  });
});

describe('proxy-cache handler', () => {
  it('bypasses methods that are not cacheable', async () => {
    const { ctx, response } = await runPlugin(handler, { strategy: 'memory' }, { method: 'POST' });
    assert.equal(response, null);
    assert.deepEqual(ctx.addedResponseHeaders, { 'X-Cache-Status': 'Bypass' });
  });

  it('bypasses no-cache requests with cache_control', async () => {
    const { ctx } = await runPlugin(handler, { strategy: 'memory', cache_control: true }, { headers: { 'cache-control': 'no-cache' } });
    assert.deepEqual(ctx.addedResponseHeaders, { 'X-Cache-Status': 'Bypass' });
  });

  it('answers 504 to only-if-cached on a miss', async () => {
    const { response } = await runPlugin(handler, { strategy: 'memory', cache_control: true }, { headers: { 'cache-control': 'only-if-cached' } });
    assert.equal(response?.status, 504);
  });

  it('marks a cacheable response as a miss and buffers it', async () => {
    const { ctx } = await runPlugin(handler, { strategy: 'memory' }, { path: '/a', response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' } });
    assert.equal(ctx.responseHeaders!['x-cache-status'], 'Miss');
    assert.equal(ctx.isResponseBuffered, true);
    assert.match(String(ctx.addedResponseHeaders?.['X-Cache-Key']), /^[0-9a-f]{64}$/);
  });

  it('bypasses responses of other types, statuses or with no-store', async () => {
    const run = (status: number, headers: Record<string, string>) => runPlugin(handler, { strategy: 'memory', cache_control: true }, { response: { status, headers } });
    assert.equal((await run(200, { 'content-type': 'text/html' })).ctx.responseHeaders!['x-cache-status'], 'Bypass');
    assert.equal((await run(500, { 'content-type': 'text/plain', 'cache-control': 'max-age=5' })).ctx.responseHeaders!['x-cache-status'], 'Bypass');
    assert.equal((await run(200, { 'content-type': 'text/plain', 'cache-control': 'no-store, max-age=5' })).ctx.responseHeaders!['x-cache-status'], 'Bypass');
    assert.equal((await run(200, { 'content-type': 'text/plain' })).ctx.responseHeaders!['x-cache-status'], 'Bypass', 'cache_control needs a TTL');
    assert.equal((await run(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=5' })).ctx.responseHeaders!['x-cache-status'], 'Miss');
  });
});
