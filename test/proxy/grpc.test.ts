import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, createSecureServer, type ClientHttp2Session, type Http2Server, type Http2SecureServer, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { snapshot } from '@gatehouse/test-kit';
import { createDataPlane, type DataPlane } from '@gatehouse/data-plane';
import { createSelfSigned, type CertPair } from '../../packages/control-plane/src/clustering/certs.ts';

// gRPC passthrough (reference §3.4, grpc notes): a node:http2 client over TLS to a gateway hostname
// calls grpc (h2c) and grpcs (h2 over TLS) services through grpc routes; tiny gRPC-like upstreams
// read one length-prefixed message and answer one, with grpc-status in trailers.

const HOST = 'grpc.test';

/** gRPC framing: 1 byte compressed flag, 4 bytes big-endian length, the message. */
const frame = (message: string): Buffer => {
  const body = Buffer.from(message);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
};
const unframe = (data: Buffer): string => data.subarray(5, 5 + data.readUInt32BE(1)).toString();

interface Seen {
  headers: IncomingHttpHeaders;
  message: string;
}

/** Answers `<name>:<message>` with grpc-status 0 in trailers; records what it received. */
function grpcHandler(name: string, seen: Seen[]) {
  return (stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const message = unframe(Buffer.concat(chunks));
      seen.push({ headers, message });
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'fine' }));
      stream.end(frame(`${name}:${message}`));
    });
  };
}

interface GrpcReply {
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  body: Buffer;
}

function call(session: ClientHttp2Session, path: string, message: string, contentType = 'application/grpc'): Promise<GrpcReply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path, ':authority': HOST, 'content-type': contentType, te: 'trailers' });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ headers, trailers, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    stream.end(frame(message));
  });
}

describe('gRPC passthrough', () => {
  const seenGrpc: Seen[] = [];
  const seenGrpcs: Seen[] = [];
  let h2c: Http2Server;
  let h2s: Http2SecureServer;
  let dp: DataPlane;
  let tlsPort: number;
  let pair: CertPair;
  let session: ClientHttp2Session;

  before(async () => {
    h2c = createServer();
    h2c.on('stream', grpcHandler('grpc', seenGrpc));
    await new Promise<void>((resolve) => h2c.listen(0, '127.0.0.1', resolve));
    const upstreamPair = await createSelfSigned({ commonName: 'upstream.test', dnsNames: ['upstream.test'], isServer: true });
    h2s = createSecureServer({ cert: upstreamPair.cert, key: upstreamPair.key });
    h2s.on('stream', grpcHandler('grpcs', seenGrpcs));
    await new Promise<void>((resolve) => h2s.listen(0, '127.0.0.1', resolve));
    // A port with nothing listening: the upstream-down case.
    const probe = createNetServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const downPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    pair = await createSelfSigned({ commonName: HOST, dnsNames: [HOST], isServer: true });
    dp = createDataPlane({ port: 0, tlsPort: 0, version: '9.9.9', maxBodyBytes: 1024 });
    ({ tlsPort } = (await dp.listen()) as { tlsPort: number });
    dp.setPlatformCertificates([pair]);
    dp.applySnapshot(
      snapshot({ hostnames: [HOST] })
        .service({ protocol: 'grpc', host: '127.0.0.1', port: (h2c.address() as AddressInfo).port })
        .route({ protocols: ['grpc', 'grpcs'], paths: ['/pkg.Service/'], strip_path: false })
        .service({ protocol: 'grpcs', host: '127.0.0.1', port: (h2s.address() as AddressInfo).port })
        .route({ protocols: ['grpcs'], paths: ['/pkg.Secure/'], strip_path: false })
        .service({ protocol: 'grpc', host: '127.0.0.1', port: downPort, retries: 0 })
        .route({ protocols: ['grpc', 'grpcs'], paths: ['/pkg.Down/'], strip_path: false })
        .build(),
    );
    session = connect(`https://${HOST}:${tlsPort}`, { host: '127.0.0.1', servername: HOST, ca: pair.cert });
    await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
  });
  after(async () => {
    session.close();
    await dp.close();
    await new Promise<void>((resolve) => h2c.close(() => resolve()));
    await new Promise<void>((resolve) => h2s.close(() => resolve()));
  });

  it('proxies a call to a grpc (h2c) service: message, headers and trailers back; path, te and content type upstream', async () => {
    const res = await call(session, '/pkg.Service/Method', 'hello');
    assert.equal(res.headers[':status'], 200);
    assert.equal(res.headers['content-type'], 'application/grpc');
    assert.match(String(res.headers['x-kong-request-id']), /^[0-9a-f]{32}$/);
    assert.match(String(res.headers['via']), /^2 gatehouse\/9\.9\.9$/);
    assert.equal(unframe(res.body), 'grpc:hello');
    assert.equal(res.trailers['grpc-status'], '0');
    assert.equal(res.trailers['grpc-message'], 'fine');
    const got = seenGrpc.at(-1)!;
    assert.equal(got.message, 'hello');
    assert.equal(got.headers[':path'], '/pkg.Service/Method');
    assert.equal(got.headers[':method'], 'POST');
    assert.equal(got.headers[':scheme'], 'http');
    assert.equal(got.headers['te'], 'trailers');
    assert.equal(got.headers['content-type'], 'application/grpc');
    assert.equal(got.headers['x-forwarded-proto'], 'https');
    assert.equal(got.headers['via'], '2 gatehouse/9.9.9');
  });

  it('proxies a call to a grpcs service over TLS', async () => {
    const res = await call(session, '/pkg.Secure/Call', 'secret');
    assert.equal(res.headers[':status'], 200);
    assert.equal(unframe(res.body), 'grpcs:secret');
    assert.equal(res.trailers['grpc-status'], '0');
    const got = seenGrpcs.at(-1)!;
    assert.equal(got.headers[':path'], '/pkg.Secure/Call');
    assert.equal(got.headers[':scheme'], 'https');
    assert.equal(got.headers['te'], 'trailers');
  });

  it('answers 415 to a non-gRPC request on a grpc route', async () => {
    const res = await call(session, '/pkg.Service/Method', 'x', 'application/json');
    assert.equal(res.headers[':status'], 415);
    const body = JSON.parse(res.body.toString());
    assert.equal(body.message, 'Non-gRPC request matched gRPC route');
    assert.equal(seenGrpc.length, 1);
  });

  it('answers 426 to gRPC over HTTP/1.1', async () => {
    const { status, headers, body } = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port: tlsPort, servername: HOST, ca: pair.cert, method: 'POST', path: '/pkg.Service/Method', headers: { host: HOST, 'content-type': 'application/grpc', accept: 'text/plain' }, agent: false },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(frame('x'));
    });
    assert.equal(status, 426);
    assert.equal(headers['upgrade'], 'HTTP/2');
    assert.match(body, /^Please use HTTP2 protocol\nrequest_id: [0-9a-f]{32}\n$/);
    assert.equal(seenGrpc.length, 1);
  });

  it('answers an unreachable upstream as Kong does for gRPC: 502, grpc-status 13 and the message, no body', async () => {
    const res = await call(session, '/pkg.Down/Method', 'x');
    assert.equal(res.headers[':status'], 502);
    assert.equal(res.headers['grpc-status'], '13');
    assert.equal(res.headers['grpc-message'], 'An invalid response was received from the upstream server');
    assert.equal(res.body.length, 0);
  });

  it("answers a grpc request matching no route with Kong's gRPC error: 404, grpc-status 5", async () => {
    const res = await call(session, '/other.Service/Method', 'x');
    assert.equal(res.headers[':status'], 404);
    assert.equal(res.headers['content-type'], 'application/grpc');
    assert.equal(res.headers['grpc-status'], '5');
    assert.equal(res.headers['grpc-message'], 'NotFound');
    assert.equal(res.body.length, 0);
  });
});
