import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDataPlane } from '@gatehouse/data-plane';
import { snapshot, type EchoedRequest } from '@gatehouse/test-kit';
import { HOST, send, setup } from './harness.ts';

// Kong's request and response headers (reference §3.1-3.2): X-Forwarded-* and trusted_ips, X-Real-IP,
// Via, X-Kong-Request-Id, hop-by-hop removal both ways, and Host.

const createDataPlaneWith = (trustedIps: string[]) => createDataPlane({ port: 0, trustedIps });
const echoed = (body: string): EchoedRequest => JSON.parse(body) as EchoedRequest;

const FORGED = {
  'x-forwarded-for': '203.0.113.9',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'forged.example',
  'x-forwarded-port': '8443',
  'x-forwarded-path': '/forged',
  'x-forwarded-prefix': '/forged-prefix',
  'x-real-ip': '198.51.100.7',
};

describe('X-Forwarded-* and trusted_ips', () => {
  it('overwrites an untrusted client\'s X-Forwarded-* with its own values and appends the peer to X-Forwarded-For', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/api'], strip_path: true }));
    const r = await h.send('/api/items?q=1', { headers: { ...FORGED, host: `${HOST}:1234` } });
    assert.equal(r.status, 200);
    const got = echoed(r.body).headers;
    assert.equal(got['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    assert.equal(got['x-forwarded-proto'], 'http');
    assert.equal(got['x-forwarded-host'], HOST);
    assert.equal(got['x-forwarded-port'], String(h.port));
    assert.equal(got['x-forwarded-path'], '/api/items');
    assert.equal(got['x-forwarded-prefix'], '/api');
    assert.equal(got['x-real-ip'], '127.0.0.1');
    assert.equal(got['via'], `1.1 gatehouse/9.9.9`);
    assert.equal(got['x-kong-request-id'], r.headers['x-kong-request-id']);
    assert.match(String(r.headers['x-kong-request-id']), /^[0-9a-f]{32}$/);
  });

  it('drops an untrusted X-Forwarded-Prefix when nothing was stripped', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/api'], strip_path: false }));
    const r = await h.send('/api/x', { headers: FORGED });
    assert.equal(echoed(r.body).headers['x-forwarded-prefix'], undefined);
  });

  it('keeps a trusted client\'s X-Forwarded-* and X-Real-IP', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/api'], strip_path: true }), { trustedIps: ['127.0.0.0/8', '::1'] });
    const got = echoed((await h.send('/api/items', { headers: FORGED })).body).headers;
    assert.equal(got['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    assert.equal(got['x-forwarded-proto'], 'https');
    assert.equal(got['x-forwarded-host'], 'forged.example');
    assert.equal(got['x-forwarded-port'], '8443');
    assert.equal(got['x-forwarded-path'], '/forged');
    assert.equal(got['x-forwarded-prefix'], '/forged-prefix');
    assert.equal(got['x-real-ip'], '198.51.100.7');
  });

  it('fills a trusted client\'s missing X-Forwarded-* with its own values', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/api'], strip_path: true }), { trustedIps: ['0.0.0.0/0', '::/0'] });
    const got = echoed((await h.send('/api/items')).body).headers;
    assert.equal(got['x-forwarded-for'], '127.0.0.1');
    assert.equal(got['x-forwarded-proto'], 'http');
    assert.equal(got['x-forwarded-host'], HOST);
    assert.equal(got['x-forwarded-port'], String(h.port));
    assert.equal(got['x-forwarded-path'], '/api/items');
    assert.equal(got['x-forwarded-prefix'], '/api');
    assert.equal(got['x-real-ip'], '127.0.0.1');
  });

  it('does not trust a client outside trusted_ips', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }), { trustedIps: ['10.0.0.0/8'] });
    const got = echoed((await h.send('/', { headers: FORGED })).body).headers;
    assert.equal(got['x-forwarded-proto'], 'http');
    assert.equal(got['x-real-ip'], '127.0.0.1');
  });

  it('serves an https-only route to a trusted proxy that forwarded https, and answers 426 to an untrusted one', async (t) => {
    const build = (url: string) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'], protocols: ['https'] });
    const trusted = await setup(t, build, { trustedIps: ['127.0.0.1'] });
    assert.equal((await trusted.send('/', { headers: { 'x-forwarded-proto': 'https' } })).status, 200);
    const untrusted = await setup(t, build);
    const r = await untrusted.send('/', { headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(r.status, 426);
    assert.equal(untrusted.upstream.requests.length, 0);
  });

  it('refuses a trusted_ips entry that is not an address or CIDR', () => {
    assert.throws(() => createDataPlaneWith(['10.0.0.0/33']), { code: 'ERR_DP_OPTION_INVALID' });
    assert.throws(() => createDataPlaneWith(['not-an-ip']), { code: 'ERR_DP_OPTION_INVALID' });
  });
});

describe('hop-by-hop headers (RFC 9110 §7.6.1)', () => {
  it('removes hop-by-hop request headers and those named in Connection; forwards TE only as trailers', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }));
    const r = await h.send('/', { headers: { connection: 'keep-alive, X-Private', 'x-private': 'secret', 'keep-alive': 'timeout=5', 'proxy-connection': 'keep-alive', proxy: 'http://evil', 'proxy-authorization': 'Basic eA==', te: 'trailers, deflate;q=0.5', 'x-kept': 'yes' } });
    const got = echoed(r.body).headers;
    for (const name of ['x-private', 'keep-alive', 'proxy-connection', 'proxy', 'proxy-authorization']) assert.equal(got[name], undefined, name);
    assert.equal(got['te'], 'trailers');
    assert.equal(got['x-kept'], 'yes');
    const without = echoed((await h.send('/', { headers: { te: 'gzip' } })).body).headers;
    assert.equal(without['te'], undefined);
  });

  it('removes hop-by-hop response headers and those the upstream names in Connection; keeps its Server and appends to Via', async (t) => {
    const upstream = createServer((req, res) => {
      res.writeHead(200, { connection: 'keep-alive, X-Upstream-Private', 'x-upstream-private': '1', 'keep-alive': 'timeout=5', 'proxy-authenticate': 'Basic', 'x-public': '1', server: 'upstream/1', via: '1.1 cdn', 'content-length': '2' });
      res.end('ok');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const h = await setup(t, () => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }));
    const r = await h.send('/');
    assert.equal(r.status, 200);
    for (const name of ['x-upstream-private', 'keep-alive', 'proxy-authenticate']) assert.equal(r.headers[name], undefined, name);
    assert.equal(r.headers['x-public'], '1');
    assert.equal(r.headers['server'], 'upstream/1');
    assert.equal(r.headers['via'], '1.1 cdn, 1.1 gatehouse/9.9.9');
    assert.match(String(r.headers['x-kong-upstream-latency']), /^\d+$/);
    assert.match(String(r.headers['x-kong-proxy-latency']), /^\d+$/);
  });
});

describe('Host', () => {
  it('sends the service host and port, or the client\'s Host with preserve_host', async (t) => {
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .service({ url })
        .route({ paths: ['/plain'] })
        .route({ paths: ['/preserved'], preserve_host: true }),
    );
    const plain = echoed((await h.send('/plain')).body).headers;
    assert.equal(plain.host, `127.0.0.1:${h.upstream.port}`);
    const preserved = echoed((await send(h.port, `${HOST}:${h.port}`, '/preserved')).body).headers;
    assert.equal(preserved.host, `${HOST}:${h.port}`);
  });
});
