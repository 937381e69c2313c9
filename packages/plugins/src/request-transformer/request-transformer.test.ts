import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../schemas.ts';
import { runPlugin, type RunPluginRequest } from '../testing.ts';
import { PLUGIN_ERRORS } from '../errors.ts';
import { compileTemplate } from './template.ts';
import { splitPair } from './schema.ts';
import handler from './handler.ts';

const EMPTY = { body: [], headers: [], querystring: [] };

describe('request-transformer schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('request-transformer', {});
    assert.ok(r.ok);
    assert.deepEqual(r.value, { remove: EMPTY, rename: EMPTY, replace: EMPTY, add: EMPTY, append: EMPTY });
  });

  const accepts: Array<[string, unknown]> = [
    ['an added header', { add: { headers: ['Authorization:Bearer x'] } }],
    ['a value with colons (split at the first)', { add: { headers: ['h2:value:2'] } }],
    ['an empty header value', { add: { headers: ['x-empty:'] } }],
    ['a header rename', { rename: { headers: ['x-old:x-new'] } }],
    ['a query pair', { append: { querystring: ['q:1'] } }],
    ['a body pair', { replace: { body: ['a:b'] } }],
    ['a plain remove', { remove: { headers: ['x-a'], querystring: ['any thing'], body: ['b'] } }],
    ['replace.uri', { replace: { uri: '/new/$(uri_captures.id)' } }],
    ['an uppercase method', { http_method: 'POST' }],
    ['a template with a fallback', { add: { headers: ["x-user:$(headers.x_user or 'anon')"] } }],
    ['an escaped template', { add: { querystring: ["q:$('$(x)')"] } }],
  ];
  for (const [name, config] of accepts) {
    it(`accepts ${name}`, () => {
      const r = validatePluginConfig('request-transformer', config);
      assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    });
  }

  const rejects: Array<[string, unknown, string, string]> = [
    ['a lower-case method', { http_method: 'get' }, 'http_method', 'matches_regex'],
    ['a method with digits', { http_method: 'GET2' }, 'http_method', 'matches_regex'],
    ['an unknown property', { nope: true }, 'nope', 'unknown_property'],
    ['an unknown nested property', { add: { cookies: [] } }, 'add.cookies', 'unknown_property'],
    ['a header without a value separator', { add: { headers: ['x-a'] } }, 'add.headers.0', 'matches_regex'],
    ['an invalid header name', { add: { headers: ['x a:1'] } }, 'add.headers.0', 'matches_regex'],
    ['a header value with a newline', { append: { headers: ['x-a:1\r\nx-b:2'] } }, 'append.headers.0', 'matches_regex'],
    ['a rename to an invalid header', { rename: { headers: ['x-a:x b'] } }, 'rename.headers.0', 'matches_regex'],
    ['a rename without a new name', { rename: { headers: ['x-a:'] } }, 'rename.headers.0', 'matches_regex'],
    ['a query pair without a value', { add: { querystring: ['q:'] } }, 'add.querystring.0', 'matches_regex'],
    ['a body item without a colon', { replace: { body: ['a'] } }, 'replace.body.0', 'matches_regex'],
    ['a remove header with an invalid name', { remove: { headers: ['x y'] } }, 'remove.headers.0', 'matches_regex'],
    ['a non-string item', { add: { headers: [1] } }, 'add.headers.0', 'is_string'],
    ['an unbalanced template', { add: { headers: ['x:$(headers.a'] } }, 'add.headers.0', 'invalid'],
    ['a code template', { add: { headers: ['x:$(os.exit())'] } }, 'add.headers.0', 'invalid'],
    ['a code uri template', { replace: { uri: '$(require("x"))' } }, 'replace.uri', 'invalid'],
  ];
  for (const [name, config, field, rule] of rejects) {
    it(`rejects ${name}`, () => {
      const r = validatePluginConfig('request-transformer', config);
      assert.ok(!r.ok, 'expected a rejection');
      assert.deepEqual(
        r.errors.map((e) => [e.field, e.rule]),
        [[field, rule]],
      );
    });
  }

  it('splits pairs like Kong', () => {
    assert.deepEqual(splitPair('h2:value:2'), ['h2', 'value:2']);
    assert.deepEqual(splitPair('h::v'), ['h', 'v']);
    assert.deepEqual(splitPair('h'), ['h', '']);
  });

  it('reports template errors with a stable code', () => {
    assert.throws(() => compileTemplate('$(_G.x)'), { code: PLUGIN_ERRORS.TEMPLATE_SYNTAX });
  });
});

interface Case {
  name: string;
  config: Record<string, unknown>;
  request: RunPluginRequest;
  expect: { method?: string; path?: string; query?: string | null; headers?: Record<string, unknown>; body?: string };
}

const form = 'application/x-www-form-urlencoded';
const json = 'application/json';

const cases: Case[] = [
  { name: 'adds a header when absent', config: { add: { headers: ['Authorization:Bearer s3cr3t'] } }, request: { headers: {} }, expect: { headers: { authorization: 'Bearer s3cr3t' } } },
  { name: 'does not add a header that exists', config: { add: { headers: ['x-a:new'] } }, request: { headers: { 'x-a': 'old' } }, expect: { headers: { 'x-a': 'old' } } },
  { name: 'never adds host', config: { add: { headers: ['host:evil'] } }, request: { headers: { host: 'a.test' } }, expect: { headers: { host: 'a.test' } } },
  { name: 'replaces host even though replace needs presence', config: { replace: { headers: ['host:b.test'] } }, request: { headers: {} }, expect: { headers: { host: 'b.test' } } },
  { name: 'removes headers case-insensitively', config: { remove: { headers: ['X-Remove'] } }, request: { headers: { 'x-remove': '1', 'x-keep': '2' } }, expect: { headers: { 'x-keep': '2' } } },
  { name: 'renames a header', config: { rename: { headers: ['x-old:X-New'] } }, request: { headers: { 'x-old': 'v' } }, expect: { headers: { 'x-new': 'v' } } },
  { name: 'replaces only present headers', config: { replace: { headers: ['x-a:1', 'x-b:2'] } }, request: { headers: { 'x-a': '0' } }, expect: { headers: { 'x-a': '1' } } },
  { name: 'appends to a header', config: { append: { headers: ['x-a:2', 'x-b:1'] } }, request: { headers: { 'x-a': '1' } }, expect: { headers: { 'x-a': ['1', '2'], 'x-b': ['1'] } } },
  {
    name: 'runs remove, rename, replace, add, append in order',
    config: { remove: { headers: ['x-a'] }, rename: { headers: ['x-b:x-a'] }, replace: { headers: ['x-a:replaced'] }, add: { headers: ['x-a:added', 'x-c:added'] }, append: { headers: ['x-c:appended'] } },
    request: { headers: { 'x-a': 'a', 'x-b': 'b' } },
    expect: { headers: { 'x-a': 'replaced', 'x-c': ['added', 'appended'] } },
  },
  { name: 'renders header templates from the original headers', config: { remove: { headers: ['x-token'] }, add: { headers: ['authorization:Bearer $(headers.x_token)'] } }, request: { headers: { 'x-token': 't1' } }, expect: { headers: { authorization: 'Bearer t1' } } },
  { name: 'renders query and capture templates', config: { add: { headers: ['x-q:$(query_params.page)', 'x-id:$(uri_captures.id)', 'x-0:$(uri_captures[0])'] } }, request: { query: 'page=3', uriCaptures: { 0: '/users/7', 1: '7', id: '7' } }, expect: { headers: { 'x-q': '3', 'x-id': '7', 'x-0': '/users/7' } } },
  { name: 'falls back with or', config: { add: { headers: ["x-u:$(headers.x_user or 'anon')"] } }, request: {}, expect: { headers: { 'x-u': 'anon' } } },
  { name: 'renders an escaped template literally', config: { add: { headers: ["x-l:$('$(x)')"] } }, request: {}, expect: { headers: { 'x-l': '$(x)' } } },
  { name: 'replaces the uri and keeps the query', config: { replace: { uri: '/v2/$(uri_captures.id)' } }, request: { path: '/users/9', query: 'a=1', uriCaptures: { id: '9' } }, expect: { path: '/v2/9', query: 'a=1' } },
  { name: 'changes the method', config: { http_method: 'POST' }, request: { method: 'GET' }, expect: { method: 'POST' } },
  { name: 'merges a url-encoded body into the query for GET', config: { http_method: 'GET' }, request: { method: 'POST', query: 'a=1', headers: { 'content-type': form }, body: Buffer.from('b=2&a=3') }, expect: { method: 'GET', query: 'a=1&a=3&b=2' } },
  { name: 'leaves the query untouched without query rules', config: { add: { headers: ['x:1'] } }, request: { query: 'z=1&a=%20' }, expect: { query: 'z=1&a=%20' } },
  {
    name: 'rewrites the query with sorted keys',
    config: { remove: { querystring: ['drop'] }, rename: { querystring: ['old:new'] }, replace: { querystring: ['r:2'] }, add: { querystring: ['a:x y', 'r:no'] }, append: { querystring: ['m:2'] } },
    request: { query: 'z=1&drop=1&old=o&r=1&m=1' },
    expect: { query: 'a=x%20y&m=1&m=2&new=o&r=2&z=1' },
  },
  { name: 'drops the query when every argument is removed', config: { remove: { querystring: ['a'] } }, request: { query: 'a=1' }, expect: { query: null } },
  {
    name: 'transforms a JSON body',
    config: { remove: { body: ['secret'] }, rename: { body: ['old:new'] }, replace: { body: ['r:2'] }, add: { body: ['a:1', 'r:no'] }, append: { body: ['list:b', 'fresh:x'] } },
    request: { method: 'POST', headers: { 'content-type': json }, body: Buffer.from('{"secret":1,"old":"o","r":1,"list":["a"]}') },
    expect: { body: '{"r":"2","list":["a","b"],"new":"o","a":"1","fresh":["x"]}' },
  },
  { name: 'creates a JSON body for add on an empty body', config: { add: { body: ['a:1'] } }, request: { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' } }, expect: { body: '{"a":"1"}' } },
  { name: 'passes malformed JSON through', config: { add: { body: ['a:1'] } }, request: { method: 'POST', headers: { 'content-type': json }, body: Buffer.from('{nope') }, expect: { body: '{nope' } },
  { name: 'transforms a url-encoded body', config: { remove: { body: ['x'] }, add: { body: ['a:1 2'] }, append: { body: ['b:3'] } }, request: { method: 'POST', headers: { 'content-type': form }, body: Buffer.from('x=1&b=2') }, expect: { body: 'a=1%202&b=2&b=3' } },
  { name: 'leaves other content types alone', config: { add: { body: ['a:1'] } }, request: { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from('hi') }, expect: { body: 'hi' } },
];

describe('request-transformer handler', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { ctx, response } = await runPlugin(handler, c.config, c.request);
      assert.equal(response, null);
      if (c.expect.method !== undefined) assert.equal(ctx.method, c.expect.method);
      if (c.expect.path !== undefined) assert.equal(ctx.path, c.expect.path);
      if (c.expect.query !== undefined) assert.equal(ctx.query, c.expect.query);
      if (c.expect.headers !== undefined) {
        const { host: _host, ...rest } = ctx.headers;
        const expected = { ...c.expect.headers };
        if ('host' in expected) assert.equal(ctx.headers.host, expected.host);
        delete expected.host;
        assert.deepEqual(rest, expected);
      }
      if (c.expect.body !== undefined) assert.equal(ctx.body?.toString(), c.expect.body);
    });
  }

  it('transforms a multipart body', async () => {
    const boundary = 'XyZ';
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="keep"\r\n\r\nk\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="old"\r\n\r\no\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="drop"\r\n\r\nd\r\n--${boundary}--\r\n`,
    );
    const { ctx } = await runPlugin(handler, { rename: { body: ['old:new'] }, remove: { body: ['drop'] }, add: { body: ['added:a'] } }, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    const text = ctx.body!.toString();
    assert.match(text, /name="keep"\r\n\r\nk\r\n/);
    assert.match(text, /name="new"\r\n\r\no\r\n/);
    assert.match(text, /name="added"\r\n\r\na\r\n/);
    assert.doesNotMatch(text, /name="(old|drop)"/);
    assert.ok(text.endsWith(`--${boundary}--\r\n`));
  });

  it('asks for the body only when body rules or a bodyless method need it', () => {
    const needs = (config: unknown) => {
      const r = validatePluginConfig('request-transformer', config);
      assert.ok(r.ok);
      return handler.needsBody!(r.value as any);
    };
    assert.equal(needs({ add: { headers: ['a:1'] } }), false);
    assert.equal(needs({ add: { body: ['a:1'] } }), true);
    assert.equal(needs({ http_method: 'GET' }), true);
    assert.equal(needs({ http_method: 'POST' }), false);
  });

  it('has Kong priority 801', () => {
    assert.equal(handler.priority, 801);
    assert.equal(handler.name, 'request-transformer');
  });
});
