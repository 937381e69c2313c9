import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../schemas.ts';
import { runPlugin } from '../testing.ts';
import handler, { isJsonType } from './handler.ts';

const EMPTY2 = { headers: [], json: [] };
const EMPTY3 = { headers: [], json: [], json_types: [] };

describe('response-transformer schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('response-transformer', {});
    assert.ok(r.ok);
    assert.deepEqual(r.value, { remove: EMPTY2, rename: EMPTY2, replace: EMPTY3, add: EMPTY3, append: EMPTY3 });
  });

  it('accepts headers, json and json_types', () => {
    const r = validatePluginConfig('response-transformer', { add: { headers: ['x-a:1'], json: ['n:1', 'b:true'], json_types: ['number', 'boolean'] }, rename: { headers: ['x-old:x-new'] } });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  });

  const rejects: Array<[string, unknown, string, string]> = [
    ['an unknown json type', { add: { json_types: ['object'] } }, 'add.json_types.0', 'enum'],
    ['a header without a value separator', { add: { headers: ['x-a'] } }, 'add.headers.0', 'matches_regex'],
    ['a json item without a colon', { replace: { json: ['k'] } }, 'replace.json.0', 'matches_regex'],
    ['a header value with a newline', { append: { headers: ['x:1\r\ny:2'] } }, 'append.headers.0', 'matches_regex'],
    ['json_types on remove', { remove: { json_types: [] } }, 'remove.json_types', 'unknown_property'],
  ];
  for (const [name, config, field, rule] of rejects) {
    it(`rejects ${name}`, () => {
      const r = validatePluginConfig('response-transformer', config);
      assert.ok(!r.ok);
      assert.deepEqual(r.errors.map((e) => [e.field, e.rule]), [[field, rule]]);
    });
  }
});

const respond = (headers: Record<string, string | string[]>, body = '') => ({ response: { status: 200, headers, body } });

describe('response-transformer handler', () => {
  it('recognizes JSON media types', () => {
    assert.ok(isJsonType('application/json; charset=utf-8'));
    assert.ok(isJsonType('application/problem+json'));
    assert.ok(!isJsonType('text/json'));
    assert.ok(!isJsonType(undefined));
  });

  it('removes, renames, replaces, adds and appends headers in order', async () => {
    const config = {
      remove: { headers: ['X-Remove'] },
      rename: { headers: ['x-old:X-New'] },
      replace: { headers: ['x-keep:replaced', 'x-missing:no'] },
      add: { headers: ['x-keep:not-added', 'x-added:yes'] },
      append: { headers: ['x-keep:second', 'x-list:b'] },
    };
    const { ctx } = await runPlugin(handler, config, respond({ 'x-remove': '1', 'x-old': 'v', 'x-keep': 'orig', 'x-list': 'a' }));
    assert.deepEqual(ctx.responseHeaders, { 'x-new': 'v', 'x-keep': ['replaced', 'second'], 'x-added': 'yes', 'x-list': ['a', 'b'] });
  });

  it('judges presence on the upstream headers: a removed header is not added back', async () => {
    const { ctx } = await runPlugin(handler, { remove: { headers: ['x-a'] }, add: { headers: ['x-a:new'] } }, respond({ 'x-a': 'old' }));
    assert.equal(ctx.responseHeaders!['x-a'], undefined);
  });

  it('transforms a JSON body and drops Content-Length', async () => {
    const config = {
      remove: { json: ['secret'] },
      rename: { json: ['old:new'] },
      replace: { json: ['count:7', 'missing:1'], json_types: ['number', 'number'] },
      add: { json: ['flag:true', 'name:kept'], json_types: ['boolean'] },
      append: { json: ['tags:b', 'single:y', 'fresh:z'] },
    };
    const body = JSON.stringify({ secret: 's', old: 1, count: 1, name: 'orig', tags: ['a'], single: 'x' });
    const { ctx, responseBody } = await runPlugin(handler, config, respond({ 'content-type': 'application/json', 'content-length': String(body.length) }, body));
    assert.equal(ctx.responseHeaders!['content-length'], undefined);
    assert.deepEqual(JSON.parse(responseBody!.toString()), { new: 1, count: 7, name: 'orig', tags: ['a', 'b'], single: ['x', 'y'], flag: true, fresh: ['z'] });
  });

  it('leaves non-JSON and unparsable bodies alone', async () => {
    const config = { add: { json: ['a:1'] } };
    const text = await runPlugin(handler, config, respond({ 'content-type': 'text/plain', 'content-length': '2' }, 'hi'));
    assert.equal(text.ctx.isResponseBuffered, false, 'not buffered');
    assert.equal(text.ctx.responseHeaders!['content-length'], '2');
    const broken = await runPlugin(handler, config, respond({ 'content-type': 'application/json' }, '{oops'));
    assert.equal(broken.responseBody!.toString(), '{oops');
  });

  it('does not buffer when only headers are transformed', async () => {
    const { ctx } = await runPlugin(handler, { add: { headers: ['x:1'] } }, respond({ 'content-type': 'application/json', 'content-length': '2' }, '{}'));
    assert.equal(ctx.isResponseBuffered, false);
    assert.equal(ctx.responseHeaders!['content-length'], '2');
  });
});
