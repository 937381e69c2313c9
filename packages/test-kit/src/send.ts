import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string | number | string[]>;
  /** A generator streams its chunks (a 413 test); the gateway may close the socket before the end. */
  body?: Buffer | string | (() => AsyncGenerator<Buffer>);
}

/**
 * Sends one request to 127.0.0.1:`port` with Host `host` (unless `headers.host` overrides it), on a
 * fresh connection so no test shares a socket, and reads the whole answer as UTF-8.
 * @example const r = await send(dp.port, 'example.test', '/hello', { method: 'POST', body: 'hi' });
 */
export function send(port: number, host: string, path: string, opts: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', agent: false, headers: { host, ...opts.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    const body = opts.body;
    if (typeof body === 'function') {
      (async () => {
        for await (const chunk of body()) if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        req.end();
      })().catch(() => {
        /* The gateway may close the socket after answering 413. */
      });
    } else req.end(body);
  });
}
