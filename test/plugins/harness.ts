import type { TestContext } from 'node:test';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDataPlane, type DataPlane, type DataPlaneOptions } from '@gatehouse/data-plane';
import { send, startUpstream, type EchoedRequest, type Reply, type RunningUpstream, type SendOptions, type SnapshotBuilder } from '@gatehouse/test-kit';

// End-to-end plugin tests: a real data plane on port 0, the test-kit echo upstream, and requests on
// fresh connections (so no test shares a socket).

export { send, type Reply, type SendOptions };

export interface Harness {
  upstream: RunningUpstream;
  dp: DataPlane;
  port: number;
  send(path: string, opts?: SendOptions): Promise<Reply>;
}

export const HOST = 'plugins.test';

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
