import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../schemas.ts';
import { runPlugin } from '../testing.ts';
import handler from './handler.ts';

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

describe('bot-detection schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('bot-detection', {});
    assert.ok(r.ok);
    assert.deepEqual(r.value, { allow: [], deny: [] });
  });

  it('rejects an invalid regex', () => {
    const r = validatePluginConfig('bot-detection', { deny: ['ok', '(open'] });
    assert.ok(!r.ok);
    assert.deepEqual(r.errors.map((e) => [e.field, e.rule]), [['deny.1', 'invalid']]);
  });
});

describe('bot-detection handler', () => {
  const cases: Array<[string, unknown, string | undefined, number | null]> = [
    ['lets a browser through', {}, CHROME, null],
    ['lets curl through', {}, 'curl/8.5.0', null],
    ['lets a request without User-Agent through', {}, undefined, null],
    ['blocks Googlebot', {}, GOOGLEBOT, 403],
    ['blocks bingbot', {}, 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', 403],
    ['blocks Slackbot', {}, 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 403],
    ['blocks facebookexternalhit', {}, 'facebookexternalhit/1.1', 403],
    ['blocks Python-urllib', {}, 'Python-urllib/3.12', 403],
    ['blocks Go-http-client', {}, 'Go-http-client/1.1', 403],
    ['blocks a generic bot/1.0', {}, 'MyCoolBot/1.0', 403],
    ['blocks a spider', {}, 'some-spider', 403],
    ['lets an allowed bot through', { allow: ['Googlebot'] }, GOOGLEBOT, null],
    ['blocks a denied agent', { deny: ['^curl/'] }, 'curl/8.5.0', 403],
    ['checks allow before deny', { allow: ['curl/8'], deny: ['curl'] }, 'curl/8.5.0', null],
  ];
  for (const [name, config, ua, status] of cases) {
    it(name, async () => {
      const { response } = await runPlugin(handler, config, { headers: ua === undefined ? {} : { 'user-agent': ua } });
      assert.equal(response?.status ?? null, status);
    });
  }

  it("answers Kong's 403 Forbidden error", async () => {
    const { response } = await runPlugin(handler, {}, { headers: { 'user-agent': GOOGLEBOT } });
    assert.deepEqual(response, { kind: 'error', status: 403, body: null, headers: null });
  });

  it('refuses two User-Agent headers', async () => {
    const { response } = await runPlugin(handler, {}, { headers: { 'user-agent': ['a', 'b'] } });
    assert.deepEqual(response, { kind: 'error', status: 400, body: 'Only one User-Agent header allowed', headers: null });
  });
});
