import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../schemas.ts';
import { runPlugin, type RunPluginRequest } from '../testing.ts';
import handler, { normalizeOrigin } from './handler.ts';

describe('cors schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('cors', {});
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'],
      credentials: false,
      private_network: false,
      preflight_continue: false,
      allow_origin_absent: true,
    });
  });

  const accepts: Array<[string, unknown]> = [
    ['literal and regex origins', { origins: ['http://a.test', '*', '(.*)\\.b\\.test', 'https://c.test:8443'] }],
    ['headers and max_age', { headers: ['x-a'], exposed_headers: ['x-b'], max_age: 3600, credentials: true }],
  ];
  for (const [name, config] of accepts) it(`accepts ${name}`, () => assert.ok(validatePluginConfig('cors', config).ok));

  const rejects: Array<[string, unknown, string, string]> = [
    ['an unknown method', { methods: ['FETCH'] }, 'methods.0', 'enum'],
    ['a bad regex origin', { origins: ['(unclosed'] }, 'origins.0', 'invalid'],
    ['a string max_age', { max_age: '10' }, 'max_age', 'is_number'],
    ['an unknown field', { origin: ['x'] }, 'origin', 'unknown_property'],
  ];
  for (const [name, config, field, rule] of rejects) {
    it(`rejects ${name}`, () => {
      const r = validatePluginConfig('cors', config);
      assert.ok(!r.ok);
      assert.deepEqual(r.errors.map((e) => [e.field, e.rule]), [[field, rule]]);
    });
  }
});

const get = (origin: string | null, response: RunPluginRequest['response'] = { status: 200, headers: {} }): RunPluginRequest => ({ method: 'GET', headers: origin === null ? {} : { origin }, response });
const preflight = (origin: string, extra: Record<string, string> = {}): RunPluginRequest => ({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', ...extra } });

describe('cors handler', () => {
  it('normalizes origins like Kong', () => {
    assert.deepEqual(normalizeOrigin('http://foo.test:80'), { origin: 'http://foo.test', host: 'foo.test' });
    assert.deepEqual(normalizeOrigin('https://foo.test:8443/x'), { origin: 'https://foo.test:8443', host: 'foo.test' });
    assert.deepEqual(normalizeOrigin('foo.test'), { origin: 'foo.test', host: 'foo.test' });
  });

  const cases: Array<[string, unknown, string | null, Record<string, string | undefined>]> = [
    ['allows all with no origins', {}, 'http://x.test', { 'access-control-allow-origin': '*', vary: undefined }],
    ['allows all with ["*"]', { origins: ['*'] }, 'http://x.test', { 'access-control-allow-origin': '*', vary: undefined }],
    ['sends a single literal origin whatever the request', { origins: ['http://a.test'] }, 'http://evil.test', { 'access-control-allow-origin': 'http://a.test', vary: 'Origin' }],
    ['matches a literal among several, normalized', { origins: ['http://a.test', 'http://b.test'] }, 'http://b.test:80', { 'access-control-allow-origin': 'http://b.test', vary: 'Origin' }],
    ['drops the header when nothing matches', { origins: ['http://a.test', 'http://b.test'] }, 'http://c.test', { 'access-control-allow-origin': undefined, vary: 'Origin' }],
    ['matches a host regex on the host', { origins: ['(.*)\\.example\\.test'] }, 'https://api.example.test:8443', { 'access-control-allow-origin': 'https://api.example.test:8443' }],
    ['anchors regexes at both ends', { origins: ['(.*)\\.example\\.test'] }, 'https://api.example.test.evil', { 'access-control-allow-origin': undefined }],
    ['matches a regex with a scheme on the whole origin', { origins: ['https://(.*)\\.example\\.test'] }, 'https://a.example.test', { 'access-control-allow-origin': 'https://a.example.test' }],
    ['does not match a scheme regex against another scheme', { origins: ['https://(.*)\\.example\\.test'] }, 'http://a.example.test', { 'access-control-allow-origin': undefined }],
    ['answers * for a star among several', { origins: ['http://a.test', '*'] }, 'http://z.test', { 'access-control-allow-origin': '*', vary: 'Origin' }],
    ['echoes the origin with credentials and allow-all', { credentials: true }, 'http://x.test', { 'access-control-allow-origin': 'http://x.test', 'access-control-allow-credentials': 'true', vary: 'Origin' }],
    ['sends credentials with a specific origin', { origins: ['http://a.test'], credentials: true }, 'http://a.test', { 'access-control-allow-credentials': 'true' }],
    ['exposes headers on actual responses', { exposed_headers: ['x-a', 'x-b'] }, 'http://x.test', { 'access-control-expose-headers': 'x-a,x-b', 'access-control-allow-methods': undefined }],
    ['adds headers without an Origin by default', {}, null, { 'access-control-allow-origin': '*' }],
    ['adds nothing without an Origin when allow_origin_absent is off', { allow_origin_absent: false }, null, { 'access-control-allow-origin': undefined }],
  ];
  for (const [name, config, origin, expected] of cases) {
    it(name, async () => {
      const { response, ctx } = await runPlugin(handler, config, get(origin));
      assert.equal(response, null, 'actual requests are proxied');
      for (const [header, value] of Object.entries(expected)) assert.equal(ctx.responseHeaders![header], value, header);
    });
  }

  it('appends Origin to an upstream Vary', async () => {
    const { ctx } = await runPlugin(handler, { origins: ['http://a.test', 'http://b.test'] }, get('http://a.test', { status: 200, headers: { vary: 'Accept-Encoding' } }));
    assert.equal(ctx.responseHeaders!.vary, 'Accept-Encoding, Origin');
  });

  it('answers a preflight with 200 and the allow headers', async () => {
    const { response } = await runPlugin(handler, { origins: ['http://a.test'], headers: ['x-a', 'x-b'], max_age: 600, credentials: true }, preflight('http://a.test'));
    assert.equal(response?.status, 200);
    assert.equal(response?.body, null);
    assert.deepEqual(response?.headers, {
      'access-control-allow-origin': 'http://a.test',
      vary: 'Origin',
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': 'x-a,x-b',
      'access-control-allow-methods': 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS,TRACE,CONNECT',
      'access-control-max-age': '600',
    });
  });

  it('echoes requested headers and grants private network access on a preflight', async () => {
    const { response } = await runPlugin(handler, { private_network: true, methods: ['GET', 'PUT'] }, preflight('http://a.test', { 'access-control-request-headers': 'x-custom', 'access-control-request-private-network': 'true' }));
    assert.equal(response?.headers?.['access-control-allow-headers'], 'x-custom');
    assert.equal(response?.headers?.['access-control-allow-methods'], 'GET,PUT');
    assert.equal(response?.headers?.['access-control-allow-private-network'], 'true');
  });

  it('proxies a preflight with preflight_continue and adds nothing', async () => {
    const { response, ctx } = await runPlugin(handler, { preflight_continue: true }, { ...preflight('http://a.test'), response: { status: 204, headers: {} } });
    assert.equal(response, null);
    assert.equal(ctx.responseHeaders!['access-control-allow-origin'], undefined);
  });

  it('treats OPTIONS without Access-Control-Request-Method as an actual request', async () => {
    const { response, ctx } = await runPlugin(handler, {}, { method: 'OPTIONS', headers: { origin: 'http://a.test' }, response: { status: 200, headers: {} } });
    assert.equal(response, null);
    assert.equal(ctx.responseHeaders!['access-control-allow-origin'], '*');
  });
});
