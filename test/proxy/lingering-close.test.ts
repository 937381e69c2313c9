import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { send, snapshot, until } from '@gatehouse/test-kit';
import { createDataPlane } from '@gatehouse/data-plane';
import { HOST, setup } from './harness.ts';
import { createSelfSigned } from '../../packages/control-plane/src/clustering/certs.ts';

// nginx's lingering close after the platform's 413 (server/lingering.ts): a client that keeps
// uploading past the limit, and goes on writing after the answer arrived, reads the whole 413
// (never a reset first); the data plane closes once the client ends or goes quiet.

const LIMIT = 1024 * 1024;
const PIECE = Buffer.alloc(64 * 1024, 97);
const ROUNDS = 20;

interface Upload {
  /** Everything the data plane sent. */
  text: string;
  /** The client's socket error (EPIPE, ECONNRESET), if any. */
  error: string | null;
  /** Body bytes written after the whole 413 had been read. */
  writtenAfter: number;
}

/**
 * Streams a body in 64 KiB pieces (chunk-framed when `isChunked`) until the whole answer has been read
 * (at most 32 MiB), writes 1 MiB more, then ends (`isEnding`) or just stops writing and keeps the
 * connection open. Resolves when the connection closed, or once the extra bytes are written when not ending.
 */
function uploadPastLimit(port: number, isChunked: boolean, isEnding = true, open: (port: number) => Socket = openPlain): Promise<Upload> {
  const head = `POST /upload HTTP/1.1\r\nHost: ${HOST}\r\n${isChunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${64 * LIMIT}`}\r\n\r\n`;
  const piece = isChunked ? Buffer.concat([Buffer.from(`${PIECE.length.toString(16)}\r\n`), PIECE, Buffer.from('\r\n')]) : PIECE;
  return new Promise((resolve, reject) => {
    const socket = open(port);
    const result: Upload = { text: '', error: null, writtenAfter: 0 };
    let written = 0;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (result.text += d));
    socket.on('error', (e: NodeJS.ErrnoException) => (result.error = e.code ?? e.message));
    socket.on('close', () => resolve(result));
    const pump = (): void => {
      while (!socket.destroyed) {
        const isAnswered = isComplete(result.text);
        if (isAnswered && result.writtenAfter >= LIMIT) break;
        if (!isAnswered && written > 32 * LIMIT) return reject(new Error(`no complete answer after ${written} bytes: ${result.text}`));
        written += PIECE.length;
        if (isAnswered) result.writtenAfter += PIECE.length;
        if (!socket.write(piece)) return void socket.once('drain', pump);
      }
      if (socket.destroyed) return;
      if (isEnding) socket.end();
      else resolve(result);
    };
    socket.on('encrypted' in socket ? 'secureConnect' : 'connect', () => {
      socket.write(head);
      pump();
    });
    // The answer may arrive while the socket is waiting for 'drain': go on from there as well.
    socket.on('data', () => socket.writableNeedDrain || pump());
  });
}

// allowHalfOpen: as an uploading client does, it goes on writing after the data plane's FIN.
const openPlain = (port: number): Socket => connect({ port, host: '127.0.0.1', allowHalfOpen: true });

/** A complete response: head and as many body bytes as its Content-Length. */
function isComplete(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  return length !== null && text.length >= end + 4 + Number(length[1]);
}

function assertTooLarge(r: Upload): void {
  assert.equal(r.error, null, `the client saw ${r.error} after reading ${JSON.stringify(r.text)}`);
  assert.ok(r.writtenAfter >= LIMIT, 'the client kept writing after the answer');
  assert.match(r.text, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
  const end = r.text.indexOf('\r\n\r\n');
  assert.match(r.text.slice(0, end), /\r\nconnection: close\r\n/i);
  const body = JSON.parse(r.text.slice(end + 4));
  assert.equal(body.message, 'Request size limit exceeded');
  assert.equal(typeof body.request_id, 'string');
}

describe('lingering close after 413', () => {
  const VARIANTS = [
    { name: 'by Content-Length', isChunked: false, isRequestBuffered: true },
    { name: 'chunked, while request_buffering reads it', isChunked: true, isRequestBuffered: true },
    { name: 'chunked, while it streams upstream (request_buffering false)', isChunked: true, isRequestBuffered: false },
  ];
  for (const v of VARIANTS) {
    it(`lets a client still uploading read the whole 413, ${v.name}, every time`, async (t) => {
      const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'], request_buffering: v.isRequestBuffered }), { maxBodyBytes: LIMIT });
      for (let i = 0; i < ROUNDS; i++) assertTooLarge(await uploadPastLimit(h.port, v.isChunked));
      assert.ok(h.upstream.requests.every((r) => r.bodyBytes <= LIMIT), 'the upstream never received more than the limit');
      const after = await h.send('/after');
      assert.equal(after.status, 200);
    });
  }

  it('lingers on HTTP/1.1 over TLS too', async (t) => {
    const pair = await createSelfSigned({ commonName: HOST, dnsNames: [HOST], isServer: true });
    const dp = createDataPlane({ port: 0, tlsPort: 0, maxBodyBytes: LIMIT });
    const { tlsPort } = (await dp.listen()) as { tlsPort: number };
    t.after(() => dp.close());
    dp.setPlatformCertificates([pair]);
    dp.applySnapshot(snapshot({ hostnames: [HOST] }).service({ url: 'http://127.0.0.1:9' }).route({ paths: ['/'] }).build());
    const openTls = (port: number): Socket => connectTls({ port, host: '127.0.0.1', servername: HOST, ca: pair.cert, ALPNProtocols: ['http/1.1'], allowHalfOpen: true } as ConnectionOptions);
    for (let i = 0; i < 5; i++) {
      assertTooLarge(await uploadPastLimit(tlsPort, false, true, openTls));
      assertTooLarge(await uploadPastLimit(tlsPort, true, true, openTls));
    }
  });

  it('closes the connection when the client stops writing but keeps it open', async (t) => {
    const dp = createDataPlane({ port: 0, maxBodyBytes: LIMIT, statusPort: 0, lingering: { idleMs: 100 } });
    const { port, statusPort } = await dp.listen();
    t.after(() => dp.close());
    dp.applySnapshot(snapshot({ hostnames: [HOST] }).service({ url: 'http://127.0.0.1:9' }).route({ paths: ['/'] }).build());
    const r = await uploadPastLimit(port, true, false);
    assertTooLarge(r);
    await until('the data plane to close the lingering connection', async () => {
      const metrics = await send(statusPort!, 'status.test', '/metrics');
      return /state="active"\} 0\n/.test(metrics.body) ? true : undefined;
    });
  });

  it('close() of the data plane ends lingering connections', async (t) => {
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }), { maxBodyBytes: LIMIT });
    const socket = connect({ port: h.port, host: '127.0.0.1', allowHalfOpen: true });
    t.after(() => socket.destroy());
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => {});
    socket.resume();
    // An announced oversized body, never sent: the 413 comes at once, then the connection lingers.
    socket.write(`POST /upload HTTP/1.1\r\nHost: ${HOST}\r\nContent-Length: ${2 * LIMIT}\r\n\r\n`);
    await new Promise((resolve) => socket.once('end', resolve));
    await h.dp.close();
  });
});
