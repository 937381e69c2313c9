import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { startUpstream, snapshot, type EchoedRequest, type RunningUpstream } from '@gatehouse/test-kit';
import { createDataPlane, type DataPlane } from '@gatehouse/data-plane';
import { createSelfSigned, type CertPair } from '../../packages/control-plane/src/clustering/certs.ts';

// HTTP/2 to clients on the TLS listener (ALPN h2, with http/1.1 beside it): node:http2 clients over
// TLS to a gateway hostname, the certificate chosen by SNI; what the client gets and what the
// (HTTP/1.1) upstream received.

const HOST = 'h2.test';

interface H2Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function h2(session: ClientHttp2Session, headers: Record<string, string | number>, body?: string | Buffer): Promise<H2Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let text = '';
    let head: IncomingHttpHeaders = {};
    stream.setEncoding('utf8');
    stream.on('response', (h) => (head = h));
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: text }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

describe('HTTP/2 on the TLS listener', () => {
  let upstream: RunningUpstream;
  let hopUpstream: Server;
  let dp: DataPlane;
  let tlsPort: number;
  let pair: CertPair;
  let session: ClientHttp2Session;

  before(async () => {
    upstream = await startUpstream();
    // An upstream answering with hop-by-hop headers, which HTTP/2 cannot carry.
    hopUpstream = createServer((_req, res) => {
      res.writeHead(200, { connection: 'keep-alive, x-hop', 'keep-alive': 'timeout=5', 'x-hop': '1', 'x-kept': 'yes', 'content-type': 'text/plain' });
      res.end('hop');
    });
    await new Promise<void>((resolve) => hopUpstream.listen(0, '127.0.0.1', resolve));
    pair = await createSelfSigned({ commonName: HOST, dnsNames: [HOST], isServer: true });
    dp = createDataPlane({ port: 0, tlsPort: 0, version: '9.9.9', maxBodyBytes: 1024 });
    ({ tlsPort } = (await dp.listen()) as { tlsPort: number });
    dp.setPlatformCertificates([pair]);
    const hopUrl = `http://127.0.0.1:${(hopUpstream.address() as AddressInfo).port}`;
    dp.applySnapshot(
      snapshot({ hostnames: [HOST] })
        .service({ url: `${upstream.url}/base` })
        .route({ paths: ['/echo'] })
        .service({ url: hopUrl })
        .route({ paths: ['/hop'] })
        .build(),
    );
    session = connect(`https://${HOST}:${tlsPort}`, { host: '127.0.0.1', servername: HOST, ca: pair.cert });
    await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
  });
  after(async () => {
    session.close();
    await dp.close();
    await upstream.close();
    await new Promise<void>((resolve) => hopUpstream.close(() => resolve()));
  });

  it('negotiates h2 by ALPN with the SNI certificate', () => {
    assert.equal(session.alpnProtocol, 'h2');
    assert.equal((session.socket as TLSSocket).getPeerX509Certificate()?.subject, `CN=${HOST}`);
  });

  it('proxies a GET: status, body and Kong headers to the client; the upstream gets HTTP/1.1 without pseudo-headers', async () => {
    const res = await h2(session, { ':method': 'GET', ':path': '/echo/a?x=1', ':authority': HOST, 'x-custom': 'v', te: 'trailers' });
    assert.equal(res.status, 200, res.body);
    assert.match(String(res.headers['x-kong-request-id']), /^[0-9a-f]{32}$/);
    assert.match(String(res.headers['via']), /1\.1 gatehouse\/9\.9\.9/);
    assert.equal(res.headers['content-type'], 'application/json');
    const got: EchoedRequest = JSON.parse(res.body);
    assert.equal(got.path, '/base/a');
    assert.equal(got.query, 'x=1');
    assert.equal(got.headers['x-custom'], 'v');
    assert.equal(got.headers.te, 'trailers');
    assert.equal(got.headers.via, '2 gatehouse/9.9.9');
    assert.equal(got.headers['x-forwarded-proto'], 'https');
    assert.equal(got.headers['x-forwarded-host'], HOST);
    assert.equal(got.headers['x-forwarded-port'], String(tlsPort));
    assert.equal(got.headers.host, `127.0.0.1:${upstream.port}`);
    assert.deepEqual(
      Object.keys(got.headers).filter((name) => name.startsWith(':')),
      [],
    );
  });

  it('streams a request body sent without Content-Length', async () => {
    const res = await h2(session, { ':method': 'POST', ':path': '/echo', ':authority': HOST, 'content-type': 'text/plain' }, 'hello over h2');
    assert.equal(res.status, 200, res.body);
    const got: EchoedRequest = JSON.parse(res.body);
    assert.equal(got.method, 'POST');
    assert.equal(got.body, 'hello over h2');
  });

  it('drops the upstream hop-by-hop headers and keeps the others', async () => {
    const res = await h2(session, { ':method': 'GET', ':path': '/hop', ':authority': HOST });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hop');
    assert.equal(res.headers['x-kept'], 'yes');
    for (const name of ['connection', 'keep-alive', 'x-hop']) assert.equal(res.headers[name], undefined, name);
  });

  it("answers Kong's errors: 404 without a route, 413 (no Connection header) past the body limit", async () => {
    const none = await h2(session, { ':method': 'GET', ':path': '/nowhere', ':authority': HOST, accept: 'application/json' });
    assert.equal(none.status, 404);
    assert.equal(JSON.parse(none.body).message, 'no Route matched with those values');
    const seen = upstream.requests.length;
    const big = await h2(session, { ':method': 'POST', ':path': '/echo', ':authority': HOST, 'content-length': 2048, accept: 'application/json' }, Buffer.alloc(2048, 'a'));
    assert.equal(big.status, 413);
    assert.equal(JSON.parse(big.body).message, 'Request size limit exceeded');
    assert.equal(upstream.requests.length, seen, 'nothing reaches the upstream');
    // The session survives for other streams.
    assert.equal((await h2(session, { ':method': 'GET', ':path': '/echo', ':authority': HOST })).status, 200);
  });

  it('still serves HTTP/1.1 clients on the same port (ALPN http/1.1)', async () => {
    const reply = await new Promise<{ status: number; alpn: string | false | null; body: string }>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: tlsPort, path: '/echo/one', servername: HOST, ca: pair.cert, ALPNProtocols: ['http/1.1'], headers: { host: HOST }, agent: false } as RequestOptions, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, alpn: (res.socket as TLSSocket).alpnProtocol, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(reply.status, 200, reply.body);
    assert.equal(reply.alpn, 'http/1.1');
    const got: EchoedRequest = JSON.parse(reply.body);
    assert.equal(got.path, '/base/one');
    assert.equal(got.headers.via, '1.1 gatehouse/9.9.9');
  });

  it('refuses the handshake for a name without a certificate', async () => {
    const other = connect(`https://127.0.0.1:${tlsPort}`, { servername: 'unknown.test', ca: pair.cert });
    const error = await new Promise<Error>((resolve) => other.once('error', resolve));
    other.destroy();
    assert.match(String((error as NodeJS.ErrnoException).code), /ERR_SSL|ECONNRESET/);
  });
});
