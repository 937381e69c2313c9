import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../schemas.ts';
import { runPlugin } from '../testing.ts';
import handler from './handler.ts';

describe('request-termination schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('request-termination', {});
    assert.ok(r.ok);
    assert.deepEqual(r.value, { status_code: 503, echo: false });
  });

  it('accepts a body with a content type', () => assert.ok(validatePluginConfig('request-termination', { status_code: 418, body: '<p>tea</p>', content_type: 'text/html' }).ok));

  const rejects: Array<[string, unknown, string, string]> = [
    ['a status below 100', { status_code: 99 }, 'status_code', 'min'],
    ['a status above 599', { status_code: 600 }, 'status_code', 'max'],
    ['message with body', { message: 'a', body: 'b' }, 'message', 'mutually_exclusive'],
    ['content_type without body', { content_type: 'text/plain' }, 'body', 'required'],
    ['echo with body', { echo: true, body: 'b' }, 'body', 'mutually_exclusive'],
    ['a trigger with a space', { trigger: 'x y' }, 'trigger', 'matches_regex'],
  ];
  for (const [name, config, field, rule] of rejects) {
    it(`rejects ${name}`, () => {
      const r = validatePluginConfig('request-termination', config);
      assert.ok(!r.ok);
      assert.deepEqual(r.errors.map((e) => [e.field, e.rule]), [[field, rule]]);
    });
  }
});

describe('request-termination handler', () => {
  it('answers 503 Service unavailable by default', async () => {
    const { response } = await runPlugin(handler, {});
    assert.deepEqual(response, { kind: 'exit', status: 503, body: { message: 'Service unavailable' }, headers: null });
  });

  it('uses the configured message and Kong defaults per status', async () => {
    assert.deepEqual((await runPlugin(handler, { status_code: 403, message: 'go away' })).response?.body, { message: 'go away' });
    assert.deepEqual((await runPlugin(handler, { status_code: 404 })).response?.body, { message: 'Not found' });
    assert.equal((await runPlugin(handler, { status_code: 418 })).response?.body, null, 'no default message for 418');
  });

  it('sends a raw body with its content type', async () => {
    const { response } = await runPlugin(handler, { status_code: 200, body: 'ok', content_type: 'text/plain' });
    assert.deepEqual(response, { kind: 'exit', status: 200, body: 'ok', headers: { 'Content-Type': 'text/plain' } });
  });

  it('acts only when the trigger header or query argument is present', async () => {
    const config = { trigger: 'X-Stop' };
    assert.equal((await runPlugin(handler, config)).response, null);
    assert.equal((await runPlugin(handler, config, { headers: { 'x-stop': '1' } })).response?.status, 503);
    assert.equal((await runPlugin(handler, config, { query: 'X-Stop' })).response?.status, 503);
  });

  it('echoes the request', async () => {
    const { response } = await runPlugin(handler, { echo: true, status_code: 404 }, { method: 'POST', path: '/a', query: 'q=1', headers: { host: 'x.test:8000', 'content-type': 'application/json' }, body: Buffer.from('{"a":1}') });
    const body = response?.body as { message: string; request: Record<string, unknown> };
    assert.equal(body.message, 'Not found');
    assert.deepEqual(JSON.parse(JSON.stringify({ ...body.request, headers: undefined, uri_captures: undefined })), { scheme: 'http', host: 'example.test', port: 8000, query: { q: '1' }, body: { a: 1 }, raw_body: '{"a":1}', method: 'POST', path: '/a' });
  });
});
