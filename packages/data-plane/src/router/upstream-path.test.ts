import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { upstreamPath, type PathHandling } from './upstream-path.ts';

// Kong's golden table for path handling (spec/fixtures/router_path_handling_tests.lua, reference
// §1.6): service path, route path (null = host-only route), strip_path, path_handling, request path,
// expected upstream path. `B` = both strip values, `V` = both path_handling modes.
const B = [false, true];
const V: PathHandling[] = ['v0', 'v1'];
type Row = [service: string, route: string | null, strip: boolean | boolean[], handling: PathHandling | PathHandling[], req: string, expected: string];

const ROWS: Row[] = [
  ['/', '/', B, V, '/', '/'],
  ['/', '/', B, V, '/route', '/route'],
  ['/', '/', B, V, '/route/', '/route/'],
  ['/', '/', B, V, '/routereq', '/routereq'],
  ['/', '/', B, V, '/route/req', '/route/req'],
  ['/', '/route', false, V, '/route', '/route'],
  ['/', '/route', false, V, '/route/', '/route/'],
  ['/', '/route', false, V, '/routereq', '/routereq'],
  ['/', '/route', true, V, '/route', '/'],
  ['/', '/route', true, V, '/route/', '/'],
  ['/', '/route', true, V, '/routereq', '/req'],
  ['/', '/route/', false, V, '/route/', '/route/'],
  ['/', '/route/', false, V, '/route/req', '/route/req'],
  ['/', '/route/', true, V, '/route/', '/'],
  ['/', '/route/', true, V, '/route/req', '/req'],
  ['/srv', '/rou', false, 'v0', '/roureq', '/srv/roureq'],
  ['/srv', '/rou', false, 'v1', '/roureq', '/srvroureq'],
  ['/srv', '/rou', true, 'v0', '/roureq', '/srv/req'],
  ['/srv', '/rou', true, 'v1', '/roureq', '/srvreq'],
  ['/srv/', '/rou', false, V, '/rou', '/srv/rou'],
  ['/srv/', '/rou', true, 'v0', '/rou', '/srv'],
  ['/srv/', '/rou', true, 'v1', '/rou', '/srv/'],
  ['/service', '/', B, V, '/', '/service'],
  ['/service', '/', B, 'v0', '/route', '/service/route'],
  ['/service', '/', B, 'v1', '/route', '/serviceroute'],
  ['/service', '/', B, 'v0', '/route/', '/service/route/'],
  ['/service', '/', B, 'v1', '/route/', '/serviceroute/'],
  ['/service', '/', B, 'v0', '/routereq', '/service/routereq'],
  ['/service', '/', B, 'v1', '/routereq', '/serviceroutereq'],
  ['/service', '/', B, 'v0', '/route/req', '/service/route/req'],
  ['/service', '/', B, 'v1', '/route/req', '/serviceroute/req'],
  ['/service', '/route', false, 'v0', '/route', '/service/route'],
  ['/service', '/route', false, 'v1', '/route', '/serviceroute'],
  ['/service', '/route', false, 'v0', '/route/', '/service/route/'],
  ['/service', '/route', false, 'v1', '/route/', '/serviceroute/'],
  ['/service', '/route', false, 'v0', '/routereq', '/service/routereq'],
  ['/service', '/route', false, 'v1', '/routereq', '/serviceroutereq'],
  ['/service', '/route', true, V, '/route', '/service'],
  ['/service', '/route', true, V, '/route/', '/service/'],
  ['/service', '/route', true, 'v0', '/routereq', '/service/req'],
  ['/service', '/route', true, 'v1', '/routereq', '/servicereq'],
  ['/service', '/route/', false, 'v0', '/route/', '/service/route/'],
  ['/service', '/route/', false, 'v1', '/route/', '/serviceroute/'],
  ['/service', '/route/', false, 'v0', '/route/req', '/service/route/req'],
  ['/service', '/route/', false, 'v1', '/route/req', '/serviceroute/req'],
  ['/service', '/route/', true, 'v0', '/route/', '/service/'],
  ['/service', '/route/', true, 'v1', '/route/', '/service'],
  ['/service', '/route/', true, 'v0', '/route/req', '/service/req'],
  ['/service', '/route/', true, 'v1', '/route/req', '/servicereq'],
  ['/service/', '/', B, V, '/route/', '/service/route/'],
  ['/service/', '/', B, V, '/', '/service/'],
  ['/service/', '/', B, V, '/route', '/service/route'],
  ['/service/', '/', B, V, '/routereq', '/service/routereq'],
  ['/service/', '/', B, V, '/route/req', '/service/route/req'],
  ['/service/', '/route', false, V, '/route', '/service/route'],
  ['/service/', '/route', false, V, '/route/', '/service/route/'],
  ['/service/', '/route', false, V, '/routereq', '/service/routereq'],
  ['/service/', '/route', true, 'v0', '/route', '/service'],
  ['/service/', '/route', true, 'v1', '/route', '/service/'],
  ['/service/', '/route', true, V, '/route/', '/service/'],
  ['/service/', '/route', true, V, '/routereq', '/service/req'],
  ['/service/', '/route/', false, V, '/route/', '/service/route/'],
  ['/service/', '/route/', false, V, '/route/req', '/service/route/req'],
  ['/service/', '/route/', true, V, '/route/', '/service/'],
  ['/service/', '/route/', true, V, '/route/req', '/service/req'],
  // Host-only routes: nothing to strip.
  ['/', null, B, V, '/', '/'],
  ['/', null, B, V, '/route', '/route'],
  ['/', null, B, V, '/route/', '/route/'],
  ['/service', null, B, V, '/', '/service'],
  ['/service', null, B, 'v0', '/route', '/service/route'],
  ['/service', null, B, 'v1', '/route', '/serviceroute'],
  ['/service', null, B, 'v0', '/route/', '/service/route/'],
  ['/service', null, B, 'v1', '/route/', '/serviceroute/'],
  ['/service/', null, B, V, '/', '/service/'],
  ['/service/', null, B, V, '/route', '/service/route'],
  ['/service/', null, B, V, '/route/', '/service/route/'],
];

describe('upstream path (Kong golden table)', () => {
  for (const [service, route, strips, handlings, req, expected] of ROWS) {
    for (const strip of Array.isArray(strips) ? strips : [strips]) {
      for (const handling of Array.isArray(handlings) ? handlings : [handlings]) {
        it(`${service} + ${route ?? '(host)'} strip=${strip} ${handling}: ${req} -> ${expected}`, () => {
          assert.equal(upstreamPath(service, req, route, strip, handling), expected);
        });
      }
    }
  }

  it('strips what a regex consumed and sanitizes the postfix', () => {
    assert.equal(upstreamPath('/s', '/users/42/x', '/users/42', true, 'v0'), '/s/x');
    assert.equal(upstreamPath('/s', '/a/..', '/a/', true, 'v0'), '/s');
    assert.equal(upstreamPath('/s', '/a/../b', '/a/', true, 'v0'), '/s/b');
  });
});
