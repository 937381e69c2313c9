// Reference: the floor of a node:http + undici proxy — the request handed to Pool.dispatch with a
// bare handler object (no promise, no stream), the upstream's answer written back as it comes. No
// routing, no header work beyond the two hop-by-hop headers the response must not carry. What Kong's
// semantics cost in Gatehouse is the difference to this case.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool, type Dispatcher } from 'undici';

const pool = new Pool(`http://127.0.0.1:${process.argv[2]}`, { connections: 128, pipelining: 1 });

class Forward implements Dispatcher.DispatchHandler {
  res: ServerResponse;
  constructor(res: ServerResponse) {
    this.res = res;
  }
  onRequestStart(): void {}
  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    delete headers['connection'];
    delete headers['keep-alive'];
    this.res.writeHead(status, headers as Record<string, string | string[]>);
  }
  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.res.write(chunk);
  }
  onResponseEnd(): void {
    this.res.end();
  }
  onResponseError(): void {
    if (!this.res.headersSent) this.res.writeHead(502);
    this.res.end();
  }
}

const server = createServer((req, res) => {
  pool.dispatch({ method: req.method as Dispatcher.HttpMethod, path: req.url!, headers: req.headers as Record<string, string>, body: null }, new Forward(res));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
