import type { TestContext } from 'node:test';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDataPlane, type DataPlane, type DataPlaneOptions } from '@gatehouse/data-plane';
import { startUpstream, type EchoedRequest, type RunningUpstream, type SnapshotBuilder } from '@gatehouse/test-kit';

// End-to-end plugin tests: a real data plane on port 0, the test-kit echo upstream, and requests on
// fresh connections (so no test shares a socket).

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string | number | string[]>;
  body?: Buffer | string;
}

export interface Harness {
  upstream: RunningUpstream;
  dp: DataPlane;
  port: number;
  send(path: string, opts?: SendOptions): Promise<Reply>;
}

export const HOST = 'plugins.test';

/** Sends one request with Host `host` to the data plane at `port`. */
export function send(port: number, host: string, path: string, opts: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', agent: false, headers: { host, ...opts.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Starts the echo upstream and a data plane, applies `build(upstreamUrl)`, and cleans up after `t`.
 * @example const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('cors'));
 */
export async function setup(t: TestContext, build: (upstreamUrl: string) => SnapshotBuilder, options: Partial<DataPlaneOptions> = {}): Promise<Harness> {
  const upstream = await startUpstream();
  const dp = createDataPlane({ port: 0, ...options });
  const { port } = await dp.listen();
  t.after(async () => {
    await dp.close();
    await upstream.close();
  });
  dp.applySnapshot(build(upstream.url).build());
  return { upstream, dp, port, send: (path, opts) => send(port, HOST, path, opts) };
}

/** An upstream answering with `respond` (for response headers and bodies the echo cannot produce). */
export async function startResponder(t: TestContext, respond: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => respond(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

export const echoed = (reply: Reply): EchoedRequest => JSON.parse(reply.body);
