// Reference: the least a Node proxy can do — node:http server + undici Pool, no routing, no headers
// work. Gatehouse is measured against this in the same run.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const upstream = `http://127.0.0.1:${process.argv[2]}`;
const pool = new Pool(upstream, { connections: 128, pipelining: 1 });
const server = createServer((req, res) => {
  pool.request({ method: req.method as 'GET', path: req.url!, headers: req.headers as Record<string, string>, body: req.method === 'GET' || req.method === 'HEAD' ? null : req }).then(
    (up) => {
      res.writeHead(up.statusCode, up.headers as Record<string, string>);
      up.body.pipe(res);
    },
    () => {
      res.writeHead(502);
      res.end();
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
