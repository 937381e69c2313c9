// Reference: the `http-proxy` library (node-http-proxy) with a keep-alive agent.
import { createServer, Agent, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import httpProxy from 'http-proxy';

const target = `http://127.0.0.1:${process.argv[2]}`;
const proxy = httpProxy.createProxyServer({ target, agent: new Agent({ keepAlive: true, maxSockets: 128 }) });
proxy.on('error', (_err, _req, res) => {
  const response = res as ServerResponse;
  if (!response.headersSent) response.writeHead(502);
  response.end();
});
const server = createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
