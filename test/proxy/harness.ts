import type { TestContext } from 'node:test';
import { connect } from 'node:net';
import { createDataPlane, type DataPlane, type DataPlaneOptions } from '@gatehouse/data-plane';
import { send, startUpstream, type Reply, type RunningUpstream, type SendOptions, type SnapshotBuilder } from '@gatehouse/test-kit';

// Proxy-semantics tests: a real data plane on port 0 and the echo upstream; requests go on fresh
// connections, through node:http when they are well-formed and as raw bytes (node:net) when not.

export const HOST = 'proxy.test';

export { send, type Reply, type SendOptions };

export interface RawReply {
  /** Everything the server sent until it closed the connection. */
  text: string;
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `chunks` (raw bytes) on one connection, waiting `gapMs` between them, and reads until the
 * server closes it. Resolves when the server closes: a test of a refused request proves the close too.
 */
export function sendRaw(port: number, chunks: string[], gapMs = 0): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let i = 0;
    const next = (): void => {
      if (i >= chunks.length || socket.destroyed) return;
      socket.write(chunks[i++], () => {
        if (gapMs > 0) setTimeout(next, gapMs);
        else next();
      });
    };
    socket.on('connect', next);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    // A reset after the answer (the server closing with unread input) still ends the exchange.
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e)));
    socket.on('close', () => resolve(parseRaw(text)));
  });
}

function parseRaw(text: string): RawReply {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { text, status: Number(statusLine.split(' ')[1] ?? 0), headers, body: end === -1 ? '' : text.slice(end + 4) };
}

export interface Harness {
  upstream: RunningUpstream;
  dp: DataPlane;
  port: number;
  send(path: string, opts?: SendOptions): Promise<Reply>;
}

/**
 * Starts the echo upstream and a data plane, applies `build(upstreamUrl)`, and cleans up after `t`.
 * @example const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }));
 */
export async function setup(t: TestContext, build: (upstreamUrl: string) => SnapshotBuilder, options: Partial<DataPlaneOptions> = {}): Promise<Harness> {
  const upstream = await startUpstream();
  const dp = createDataPlane({ port: 0, version: '9.9.9', ...options });
  const { port } = await dp.listen();
  t.after(async () => {
    await dp.close();
    await upstream.close();
  });
  dp.applySnapshot(build(upstream.url).build());
  return { upstream, dp, port, send: (path, opts) => send(port, HOST, path, opts) };
}
