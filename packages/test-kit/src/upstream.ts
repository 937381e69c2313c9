import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the echo upstream received; also its JSON response body. */
export interface EchoedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** Raw query without '?', or null when the request had none. */
  query: string | null;
  /** The request target exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The body as UTF-8. */
  body: string;
  bodyBytes: number;
}

export interface RunningUpstream {
  url: string;
  port: number;
  /** Every completed request, oldest first. */
  requests: EchoedRequest[];
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1:0 that answers every request with 200 and a JSON echo of it.
 * Request headers steer it: `x-echo-status` sets the status, `x-echo-delay-ms` delays the answer.
 * @example
 * const upstream = await startUpstream(); t.after(() => upstream.close());
 * // ...proxy a request...
 * assert.equal(upstream.requests.at(-1)!.path, '/hello');
 */
export async function startUpstream(): Promise<RunningUpstream> {
  const requests: EchoedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const body = Buffer.concat(chunks);
      const echoed: EchoedRequest = {
        method: req.method ?? '',
        path: q === -1 ? url : url.slice(0, q),
        query: q === -1 ? null : url.slice(q + 1),
        url,
        headers: req.headers,
        body: body.toString('utf8'),
        bodyBytes: body.length,
      };
      requests.push(echoed);
      const payload = JSON.stringify(echoed);
      const send = () => {
        res.writeHead(Number(req.headers['x-echo-status'] ?? 200), { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
        res.end(payload);
      };
      const delay = Number(req.headers['x-echo-delay-ms'] ?? 0);
      if (delay > 0) setTimeout(send, delay);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
