import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { startUpstream, snapshot, type EchoedRequest, type RunningUpstream } from '@gatehouse/test-kit';
import { createDataPlane, type DataPlane } from '@gatehouse/data-plane';
import { splitHostPort } from '@gatehouse/data-plane/router/index.ts';
import { ROUTER_CASES, caseRoutes, type RouterCase } from '@gatehouse/data-plane/router/router.cases.ts';
import { createSelfSigned, type CertPair } from '../../packages/control-plane/src/clustering/certs.ts';

// The shared router suite (router.cases.ts) end to end: each case becomes a snapshot (one service per
// route, its path naming the route) applied to a real data plane; the request goes over loopback and
// the echo upstream reports which service and path it received. TLS cases (scheme https) go to the
// HTTPS listener with the case's SNI, served by one platform certificate for every name they use.

interface Reply {
  status: number;
  body: string;
}

interface Tls {
  port: number;
  pair: CertPair;
}

function send(port: number, c: RouterCase, tls: Tls): Promise<Reply> {
  const r = c.request;
  const headers: Record<string, string | string[]> = { host: r.host, ...r.headers };
  const common = { host: '127.0.0.1', path: r.path, method: r.method ?? 'GET', agent: false, headers };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    };
    const req = r.scheme === 'https' ? httpsRequest({ ...common, port: tls.port, servername: r.sni ?? undefined, ca: tls.pair.cert }, onResponse) : request({ ...common, port }, onResponse);
    req.on('error', reject);
    req.end();
  });
}

/** TLS cases run over the HTTPS listener, but one without SNI: there is no default certificate, the handshake fails. */
function skipReason(c: RouterCase): string | undefined {
  if (c.request.scheme !== 'https') return c.routerOnly;
  return c.request.sni ? undefined : 'no SNI: the HTTPS listener has no default certificate, so the handshake fails';
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
  let tls: Tls;

  before(async () => {
    upstream = await startUpstream();
    dp = createDataPlane({ port: 0, tlsPort: 0, version: '9.9.9' });
    const bound = await dp.listen();
    port = bound.port;
    const names = [...new Set(ROUTER_CASES.flatMap((c) => (c.request.scheme === 'https' && c.request.sni ? [c.request.sni] : [])))];
    const pair = await createSelfSigned({ commonName: 'router-e2e', dnsNames: names, isServer: true });
    dp.setPlatformCertificates([pair]);
    tls = { port: bound.tlsPort!, pair };
  });
  after(async () => {
    await dp.close();
    await upstream.close();
  });

  for (const c of ROUTER_CASES) {
    it(c.name, { skip: skipReason(c) }, async () => {
      dp.applySnapshot(snapshotOf(c, upstream));
      const seen = upstream.requests.length;
      const res = await send(port, c, tls);
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
