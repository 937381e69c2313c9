import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, send, setup, startResponder } from './harness.ts';

describe('proxy-cache through the data plane', () => {
  it('misses, then serves hits from memory without the upstream', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('proxy-cache', { strategy: 'memory' }));
    const first = await h.send('/c?b=2&a=1');
    assert.equal(first.status, 200);
    assert.equal(first.headers['x-cache-status'], 'Miss');
    const key = first.headers['x-cache-key'];
    assert.match(String(key), /^[0-9a-f]{64}$/);
    const second = await h.send('/c?a=1&b=2');
    assert.equal(second.headers['x-cache-status'], 'Hit');
    assert.equal(second.headers['x-cache-key'], key, 'query order does not change the key');
    assert.equal(second.body, first.body);
    assert.equal(second.headers['content-type'], 'application/json');
    assert.equal(second.headers['age'], '0');
    assert.equal(h.upstream.requests.length, 1);
    const other = await h.send('/c?a=2');
    assert.equal(other.headers['x-cache-status'], 'Miss');
    assert.equal(h.upstream.requests.length, 2);
  });

  it('bypasses POST and uncacheable content types', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('proxy-cache', { strategy: 'memory', content_type: ['text/plain'] }));
    assert.equal((await h.send('/c', { method: 'POST', body: 'x' })).headers['x-cache-status'], 'Bypass');
    assert.equal((await h.send('/c')).headers['x-cache-status'], 'Bypass', 'application/json is not in the list');
    assert.equal((await h.send('/c')).headers['x-cache-status'], 'Bypass');
    assert.equal(h.upstream.requests.length, 3);
  });

  it('follows Cache-Control when configured', async (t) => {
    const upstream = await startResponder(t, (req, res) => {
      const cc = req.url === '/private' ? 'private' : 'max-age=60';
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': cc });
      res.end(`body of ${req.url}`);
    });
    const dp = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url: upstream.url }).route({ paths: ['/'] }).plugin('proxy-cache', { strategy: 'memory', cache_control: true }));
    assert.equal((await dp.send('/public')).headers['x-cache-status'], 'Miss');
    const hit = await dp.send('/public');
    assert.equal(hit.headers['x-cache-status'], 'Hit');
    assert.equal(hit.body, 'body of /public');
    assert.equal(hit.headers['cache-control'], 'max-age=60');
    assert.equal((await dp.send('/public', { headers: { 'cache-control': 'no-cache' } })).headers['x-cache-status'], 'Bypass');
    assert.equal((await dp.send('/private')).headers['x-cache-status'], 'Bypass');
    assert.equal((await dp.send('/private')).headers['x-cache-status'], 'Bypass');
    assert.equal((await send(dp.port, HOST, '/nothing', { headers: { 'cache-control': 'only-if-cached' } })).status, 504);
    assert.equal(upstream.hits(), 4);
  });
});
