import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createLingering, destroyLingering, lingerAfterResponse, lingerThenClose, type Lingering, type LingeringOptions } from './lingering.ts';

// Real sockets on 127.0.0.1: a node:http server answering 413 after the first bytes of a body (as the
// data plane does), and plain net servers for the timers and the byte cap.

const LONG = 60_000;
const CHUNK = Buffer.alloc(64 * 1024, 97);

async function listen(t: TestContext, server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** A node:http server that answers 413 once 64 KiB of a body arrived, and lingers; `requests` counts what it parsed. */
async function startHttp(t: TestContext, options: Partial<LingeringOptions>): Promise<{ port: number; lingering: Lingering; requests: string[]; closed: Promise<unknown>[] }> {
  const lingering = createLingering(options);
  const requests: string[] = [];
  const closed: Promise<unknown>[] = [];
  const server = createHttpServer(async (req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`);
    closed.push(once(req.socket, 'close'));
    let seen = 0;
    for await (const chunk of req.iterator({ destroyOnReturn: false })) {
      seen += (chunk as Buffer).length;
      if (seen >= 64 * 1024) break;
    }
    res.shouldKeepAlive = false;
    lingerAfterResponse(req.socket, lingering);
    res.writeHead(413, { 'content-type': 'application/json', 'content-length': 41, connection: 'close' });
    res.end('{"message":"Request size limit exceeded"}');
  });
  t.after(() => destroyLingering(lingering));
  return { port: await listen(t, server), lingering, requests, closed };
}

/** A net server that lingers on every connection at once; resolves each server-side socket. */
async function startNet(t: TestContext, options: Partial<LingeringOptions>): Promise<{ port: number; lingering: Lingering; accepted: Promise<Socket> }> {
  const lingering = createLingering(options);
  let onAccepted: (socket: Socket) => void = () => {};
  const accepted = new Promise<Socket>((resolve) => (onAccepted = resolve));
  const server = createServer((socket) => {
    lingerThenClose(socket, lingering);
    onAccepted(socket);
  });
  t.after(() => destroyLingering(lingering));
  return { port: await listen(t, server), lingering, accepted };
}

/**
 * Sends `head`, then `totalBytes` of body in 64 KiB writes (more than the server reads), then
 * `tail`, and ends; resolves with everything read and the errors seen once the connection closed.
 */
function upload(port: number, head: string, totalBytes: number, tail = ''): Promise<{ text: string; error: string | null }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let error: string | null = null;
    let sent = 0;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ text, error }));
    const pump = (): void => {
      while (sent < totalBytes && !socket.destroyed) {
        sent += CHUNK.length;
        if (!socket.write(CHUNK)) return void socket.once('drain', pump);
      }
      if (!socket.destroyed) socket.end(tail);
    };
    socket.on('connect', () => {
      socket.write(head);
      pump();
    });
  });
}

describe('lingering close', () => {
  it('lets a client still uploading read the whole answer, and parses none of the rest as a request', async (t) => {
    const h = await startHttp(t, { idleMs: LONG, totalMs: LONG });
    const head = 'POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: 4194304\r\n\r\n';
    const pipelined = 'GET /second HTTP/1.1\r\nHost: a.test\r\n\r\n';
    for (let i = 0; i < 5; i++) {
      const r = await upload(h.port, head, 4 * 1024 * 1024, pipelined);
      assert.equal(r.error, null);
      assert.match(r.text, /^HTTP\/1\.1 413 /);
      assert.ok(r.text.endsWith('\r\n\r\n{"message":"Request size limit exceeded"}'), r.text);
    }
    await Promise.all(h.closed);
    assert.deepEqual(h.requests, Array(5).fill('POST /upload'));
    assert.equal(h.lingering.sockets.size, 0);
  });

  it('discards a chunked body too, and closes once the client ends', async (t) => {
    const h = await startHttp(t, { idleMs: LONG, totalMs: LONG });
    const head = 'POST /upload HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n1000000\r\n';
    const r = await upload(h.port, head, 16 * 1024 * 1024, '\r\n0\r\n\r\nGET /second HTTP/1.1\r\nHost: a.test\r\n\r\n');
    assert.equal(r.error, null);
    assert.match(r.text, /^HTTP\/1\.1 413 /);
    await Promise.all(h.closed);
    assert.deepEqual(h.requests, ['POST /upload']);
    assert.equal(h.lingering.sockets.size, 0);
  });

  it('half-closes at once and destroys the socket when the client goes quiet', async (t) => {
    const h = await startNet(t, { idleMs: 50, totalMs: LONG });
    // allowHalfOpen: the client neither ends nor writes, so only the idle timer can close.
    const client = connect({ port: h.port, host: '127.0.0.1', allowHalfOpen: true });
    t.after(() => client.destroy());
    await once(client, 'connect');
    client.write('more body');
    const server = await h.accepted;
    await once(client, 'end');
    if (!server.destroyed) await once(server, 'close');
    assert.equal(client.writableEnded, false);
    assert.equal(h.lingering.sockets.size, 0);
  });

  it('destroys the socket after totalMs although the client keeps sending', async (t) => {
    const h = await startNet(t, { idleMs: LONG, totalMs: 100 });
    const client = connect({ port: h.port, host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => {});
    t.after(() => client.destroy());
    await once(client, 'connect');
    const server = await h.accepted;
    // A trickle that keeps the idle timer from firing; bounded in case the server never closes.
    for (let i = 0; i < 2000 && !server.destroyed && !client.destroyed; i++) {
      client.write('x');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(server.destroyed, true);
    assert.equal(h.lingering.sockets.size, 0);
  });

  it('destroys the socket once maxBytes were discarded', async (t) => {
    const h = await startNet(t, { idleMs: LONG, totalMs: LONG, maxBytes: 1024 * 1024 });
    const client = connect({ port: h.port, host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => {});
    t.after(() => client.destroy());
    await once(client, 'connect');
    const server = await h.accepted;
    for (let i = 0; i < 1000 && !server.destroyed && !client.destroyed; i++) {
      if (!client.write(CHUNK)) await Promise.race([once(client, 'drain'), once(server, 'close')]);
    }
    if (!server.destroyed) await once(server, 'close');
    assert.equal(h.lingering.sockets.size, 0);
  });

  it('destroyLingering closes lingering sockets, and later ones close without lingering', async (t) => {
    const h = await startNet(t, { idleMs: LONG, totalMs: LONG });
    const client = connect({ port: h.port, host: '127.0.0.1', allowHalfOpen: true });
    t.after(() => client.destroy());
    await once(client, 'connect');
    const server = await h.accepted;
    assert.equal(h.lingering.sockets.size, 1);
    destroyLingering(h.lingering);
    assert.equal(server.destroyed, true);
    assert.equal(h.lingering.sockets.size, 0);
    // After close, a new lingering socket just ends and is destroyed once its FIN is out.
    const late = connect({ port: h.port, host: '127.0.0.1', allowHalfOpen: true });
    t.after(() => late.destroy());
    await once(late, 'end');
    assert.equal(h.lingering.sockets.size, 0);
  });
});
