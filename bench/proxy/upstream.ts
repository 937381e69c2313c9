// The benchmark's upstream: a minimal keep-alive HTTP server answering a fixed 13-byte body.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.from('hello, world\n');
const server = createServer((req, res) => {
  // Drain any request body so keep-alive connections stay usable.
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
    res.end(BODY);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
