import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { routeSchema, validate, type Route } from '@gatehouse/schema';
import { createRouter, type MatchInput } from './router.ts';
import { normalizePath, escapePath } from './normalize.ts';
import { splitHostPort } from './hosts.ts';
import { DP_ERRORS } from '../errors.ts';

import { ROUTER_CASES, LISTEN_PORT, caseRoutes, type RouterCase } from './router.cases.ts';
import { literalLead } from './router.ts';
import { upstreamPath } from './upstream-path.ts';

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

/** The MatchInput the data plane would build for a case's request (flow.ts). */
function inputOf(c: RouterCase): MatchInput {
  const r = c.request;
  const [host, port] = splitHostPort(r.host);
  const q = r.path.indexOf('?');
  return {
    method: r.method ?? 'GET',
    host,
    port: port ?? LISTEN_PORT,
    path: normalizePath(q === -1 ? r.path : r.path.slice(0, q)),
    headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    scheme: r.scheme ?? 'http',
    sni: r.sni ?? null,
    sourceIp: r.sourceIp ?? '127.0.0.1',
    sourcePort: r.sourcePort ?? 50000,
    destinationIp: '127.0.0.1',
    destinationPort: LISTEN_PORT,
  };
}

describe('router cases (router.cases.ts)', () => {
  for (const c of ROUTER_CASES) {
    it(c.name, () => {
      const routes = caseRoutes(c);
      const input = inputOf(c);
      const m = routerOf(routes).match(input);
      assert.equal(m?.payload ?? null, c.expect);
      if (m === null) return;
      if (c.prefix !== undefined) assert.equal(m.prefix, c.prefix);
      if (c.captures !== undefined) assert.deepEqual(m.captures, c.captures);
      if (c.upstreamPath !== undefined) {
        const base = c.servicePath ?? `/_${c.expect}`;
        assert.equal(upstreamPath(base, input.path, m.prefix, m.route.strip_path, m.route.path_handling), c.upstreamPath);
      }
      // The order routes are given in must not matter.
      assert.equal(routerOf([...routes].reverse()).match(input)?.payload, c.expect);
    });
  }
});

describe('router index', () => {
  it('splits a route into one entry per path and per kind of host', () => {
    assert.equal(routerOf([route('multi', { paths: ['/a', '/bbbbbbb'] }), route('mid', { paths: ['/bbbb'] })]).size, 3);
    assert.equal(routerOf([route('hosts', { hosts: ['a.test', 'b.test:81'], paths: ['/x', '/y'] })]).size, 4);
  });

  it('returns the same prebuilt match for prefix and path-less routes', () => {
    const r = routerOf([route('p', { paths: ['/p'] }), route('h', { hosts: ['h.test'] })]);
    assert.equal(r.match(req('/p/1')), r.match(req('/p/2')));
    assert.equal(r.match(req('/', { host: 'h.test' })), r.match(req('/z', { host: 'h.test' })));
    assert.ok(Object.isFrozen(r.match(req('/p'))));
  });

  it('finds the right route among 10,000 host and prefix routes', () => {
    const routes: Route[] = [];
    for (let i = 0; i < 10_000; i++) routes.push(route(`r${i}`, { hosts: [`h${i % 100}.test`], paths: [`/p/${i}`] }));
    routes.push(route('catch-all', { paths: ['/'] }));
    const r = routerOf(routes);
    assert.equal(r.match(req('/p/4242/x', { host: 'h42.test' }))?.payload, 'r4242');
    // '/p/4242' is not under h43.test; its '/p/4243' is not a prefix of '/p/4242'.
    assert.equal(r.match(req('/p/4242', { host: 'h43.test' }))?.payload, 'catch-all');
    assert.equal(r.match(req('/p/42421', { host: 'h42.test' }))?.payload, 'r4242');
  });

  it('skips routes without an HTTP protocol', () => {
    assert.equal(routerOf([route('tcp', { protocols: ['tcp'], sources: [{ port: 80 }] })]).size, 0);
  });

  it('rejects an invalid regex path or header regex with a stable code', () => {
    assert.throws(() => routerOf([route('bad', { paths: ['~/(unclosed'] })]), { code: DP_ERRORS.ROUTE_REGEX_INVALID });
    assert.throws(() => routerOf([route('bad', { headers: { x: ['~*(unclosed'] } })]), { code: DP_ERRORS.ROUTE_REGEX_INVALID });
  });

  const leads: Array<[string, string]> = [
    ['/users/(?<id>\\d+)', '/users/'],
    ['/ab?c', '/a'],
    ['/ab*', '/a'],
    ['/ab{2}', '/a'],
    ['/ab+', '/ab'],
    ['/a.b', '/a'],
    ['/a|/b', ''],
    ['(?:/x)', ''],
    ['/x\\.json', '/x'],
  ];
  for (const [source, lead] of leads) it(`indexes regex '${source}' under '${lead}'`, () => assert.equal(literalLead(source), lead));
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
