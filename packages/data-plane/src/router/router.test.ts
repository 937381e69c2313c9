import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routeSchema, validate, type Route } from '@gatehouse/schema';
import { createRouter, type MatchInput } from './router.ts';
import { normalizePath, escapePath } from './normalize.ts';
import { splitHostPort } from './hosts.ts';
import { DP_ERRORS } from '../errors.ts';

let seq = 0;
function route(name: string, fields: Partial<Route>): Route {
  seq++;
  const r = validate(routeSchema, { id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, created_at: 1000 + seq, updated_at: 1000 + seq, name, ...fields });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const req = (path: string, over: Partial<MatchInput> = {}): MatchInput => ({ method: 'GET', host: 'example.com', port: 8000, path, headers: {}, ...over });

function routerOf(routes: Route[]) {
  return createRouter(routes.map((r) => ({ route: r, payload: r.name })));
}

describe('router matching', () => {
  const routes = [
    route('root', { paths: ['/'] }),
    route('v1', { paths: ['/v1'] }),
    route('v1-users', { paths: ['/v1/users'] }),
    route('regex', { paths: ['~/items/(?<id>\\d+)$'] }),
    route('host', { hosts: ['api.example.com'] }),
    route('host-path', { hosts: ['api.example.com'], paths: ['/v1'] }),
    route('wild-suffix', { hosts: ['*.wild.test'] }),
    route('wild-prefix', { hosts: ['shop.*'] }),
    route('port', { hosts: ['ported.test:9000'] }),
    route('post-only', { methods: ['POST'], paths: ['/form'] }),
    route('header', { headers: { 'x-version': ['2'] }, paths: ['/v1'] }),
    route('header-regex', { headers: { 'x-tier': ['~*^gold'] }, paths: ['/v1'] }),
  ];
  const router = routerOf(routes);

  const cases: Array<[string, MatchInput, string | null]> = [
    ['the root prefix catches everything else', req('/anything'), 'root'],
    ['a longer prefix wins', req('/v1/users/7'), 'v1-users'],
    ['prefixes are not segment-aware', req('/v1abc'), 'v1'],
    ['a regex beats prefixes of the same weight', req('/items/42'), 'regex'],
    ['a regex is anchored at the start only', req('/x/items/42'), 'root'],
    ['a plain host alone beats any single path', req('/x', { host: 'api.example.com' }), 'host'],
    ['host + path beats host alone', req('/v1/x', { host: 'api.example.com' }), 'host-path'],
    // Kong compat: a prefix path (length > 0) outranks a wildcard-host-only route.
    ['a path route outranks a wildcard host', req('/x', { host: 'a.b.wild.test' }), 'root'],
    ['a leading wildcard does not match the apex', req('/x', { host: 'wild.test' }), 'root'],
    ['a port-specific host needs that port', req('/x', { host: 'ported.test', port: 9000 }), 'port'],
    ['a port-specific host ignores other ports', req('/x', { host: 'ported.test', port: 8000 }), 'root'],
    ['methods filter', req('/form', { method: 'POST' }), 'post-only'],
    ['methods filter out', req('/form'), 'root'],
    ['headers add weight', req('/v1', { headers: { 'x-version': '2' } }), 'header'],
    ['header values compare case-insensitively', req('/v1', { headers: { 'x-tier': 'GOLD-plus' } }), 'header-regex'],
    ['any of repeated header values may match', req('/v1', { headers: { 'x-version': ['1', '2'] } }), 'header'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(router.match(input)?.payload ?? null, expected));
  }

  it('matches wildcard hosts', () => {
    const r = routerOf(routes.filter((x) => x.name !== 'root'));
    assert.equal(r.match(req('/x', { host: 'a.b.wild.test' }))?.payload, 'wild-suffix');
    assert.equal(r.match(req('/x', { host: 'wild.test' })), null);
    assert.equal(r.match(req('/x', { host: 'shop.example.org' }))?.payload, 'wild-prefix');
  });

  it('returns null when nothing matches', () => {
    assert.equal(routerOf([route('a', { paths: ['/a'] })]).match(req('/b')), null);
  });

  it('reports regex captures and the consumed prefix', () => {
    const m = router.match(req('/items/42'))!;
    assert.equal(m.prefix, '/items/42');
    assert.deepEqual(m.captures, { 0: '/items/42', 1: '42', id: '42' });
    assert.equal(router.match(req('/v1/users/7'))!.captures, null);
    assert.equal(router.match(req('/v1/users/7'))!.prefix, '/v1/users');
  });

  it('orders regex routes by regex_priority', () => {
    const r = routerOf([route('low', { paths: ['~/a'], regex_priority: 1 }), route('high', { paths: ['~/a/b'], regex_priority: 5 })]);
    assert.equal(r.match(req('/a/b'))!.payload, 'high');
  });

  it('breaks ties by the traditional category order (host before method)', () => {
    const r = routerOf([route('method', { methods: ['GET'] }), route('wild', { hosts: ['*.t'] })]);
    assert.equal(r.match(req('/', { host: 'a.t' }))!.payload, 'wild');
  });

  it('splits a route into one entry per path', () => {
    const r = routerOf([route('multi', { paths: ['/a', '/bbbbbbb'] }), route('mid', { paths: ['/bbbb'] })]);
    assert.equal(r.size, 3);
    assert.equal(r.match(req('/bbbbbbb/x'))!.payload, 'multi');
    assert.equal(r.match(req('/bbbb/x'))!.payload, 'mid');
  });

  it('rejects an invalid regex path with a stable code', () => {
    assert.throws(() => routerOf([route('bad', { paths: ['~/(unclosed'] })]), { code: DP_ERRORS.ROUTE_REGEX_INVALID });
  });
});

describe('path normalization', () => {
  const cases: Array<[string, string]> = [
    ['/a/b', '/a/b'],
    ['/a//b///c', '/a/b/c'],
    ['/a/./b/../c', '/a/c'],
    ['/a/b/..', '/a/'],
    ['/a/%2e%2E/b', '/b'],
    ['/%7euser', '/~user'],
    ['/a%2fb', '/a%2Fb'],
    ['/a%20b', '/a b'],
    ['/caf%C3%A9', '/café'],
    ['/q%3fx', '/q%3Fx'],
  ];
  for (const [raw, normalized] of cases) it(`${raw} -> ${normalized}`, () => assert.equal(normalizePath(raw), normalized));

  it('re-escapes for the upstream request line', () => {
    assert.equal(escapePath('/a b/café/%2F/~x'), '/a%20b/caf%C3%A9/%2F/~x');
    assert.equal(escapePath('/plain'), '/plain');
  });
});

describe('host and port splitting', () => {
  const cases: Array<[string, [string, number | null]]> = [
    ['Example.COM', ['example.com', null]],
    ['example.com:8080', ['example.com', 8080]],
    ['[::1]:81', ['::1', 81]],
    ['[::1]', ['::1', null]],
    ['::1', ['::1', null]],
  ];
  for (const [input, expected] of cases) it(input, () => assert.deepEqual(splitHostPort(input), expected));
});
