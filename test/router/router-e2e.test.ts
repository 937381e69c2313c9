import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startUpstream, snapshot, type EchoedRequest, type RunningUpstream } from '@gatehouse/test-kit';
import { createDataPlane, type DataPlane } from '@gatehouse/data-plane';
import { splitHostPort } from '@gatehouse/data-plane/router/index.ts';
import { ROUTER_CASES, caseRoutes, type RouterCase } from '@gatehouse/data-plane/router/router.cases.ts';

// The shared router suite (router.cases.ts) end to end: each case becomes a snapshot (one service per
// route, its path naming the route) applied to a real data plane; the request goes over loopback and
// the echo upstream reports which service and path it received.

interface Reply {
  status: number;
  body: string;
}

function send(port: number, c: RouterCase): Promise<Reply> {
  const r = c.request;
  const headers: Record<string, string | string[]> = { host: r.host, ...r.headers };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: r.path, method: r.method ?? 'GET', agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const GATEWAY_ID = '00000000-0000-4000-8000-0000000000e2';

function snapshotOf(c: RouterCase, upstream: RunningUpstream) {
  const [host] = splitHostPort(c.request.host);
  const b = snapshot({ gatewayId: GATEWAY_ID, hostnames: [host] });
  for (const route of caseRoutes(c)) {
    const { service: _service, ...fields } = route;
    const path = route.name === c.expect && c.servicePath !== undefined ? c.servicePath : `/_${route.name}`;
    b.service({ url: `${upstream.url}${path}` }).route(fields);
  }
  return b.build();
}

describe('router cases end to end (router.cases.ts)', () => {
  let upstream: RunningUpstream;
  let dp: DataPlane;
  let port: number;

  before(async () => {
    upstream = await startUpstream();
    dp = createDataPlane({ port: 0, version: '9.9.9' });
    ({ port } = await dp.listen());
  });
  after(async () => {
    await dp.close();
    await upstream.close();
  });

  for (const c of ROUTER_CASES) {
    it(c.name, { skip: c.routerOnly }, async () => {
      dp.applySnapshot(snapshotOf(c, upstream));
      const seen = upstream.requests.length;
      const res = await send(port, c);
      if (c.expect === null) {
        assert.equal(res.status, 404, res.body);
        assert.equal(upstream.requests.length, seen, 'nothing reaches the upstream');
        return;
      }
      assert.equal(res.status, 200, res.body);
      const got: EchoedRequest = JSON.parse(res.body);
      if (c.upstreamPath !== undefined) assert.equal(got.path, c.upstreamPath);
      else {
        const base = `/_${c.expect}`;
        assert.ok(got.path === base || got.path.startsWith(`${base}/`), `expected route '${c.expect}', upstream got ${got.path}`);
      }
      const q = c.request.path.indexOf('?');
      assert.equal(got.query, q === -1 ? null : c.request.path.slice(q + 1));
    });
  }
});
