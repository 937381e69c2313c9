import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, setup } from './harness.ts';

describe('bot-detection through the data plane', () => {
  it('refuses known bots with 403 and lets browsers and allowed bots through', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('bot-detection', { allow: ['Twitterbot'], deny: ['EvilBrowser'] }));
    const bot = await h.send('/x', { headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } });
    assert.equal(bot.status, 403);
    assert.equal(JSON.parse(bot.body).message, 'Forbidden');
    assert.equal((await h.send('/x', { headers: { 'user-agent': 'EvilBrowser/1' } })).status, 403);
    assert.equal((await h.send('/x', { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' } })).status, 200);
    assert.equal((await h.send('/x', { headers: { 'user-agent': 'Twitterbot/1.0' } })).status, 200);
    assert.equal(h.upstream.requests.length, 2);
  });
});
