import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderMetrics, type TargetHealthSample } from '@gatehouse/plugins';
import type { UpstreamHealth } from '../upstream/balancer.ts';

// Kong's Status API listener (`status_listen`), reduced to what a data plane serves: `GET /metrics`
// in the Prometheus text format (the prometheus plugin's metrics plus node gauges). It watches the
// proxy listeners for connection and request counts only when it is configured.

export interface StatusServer {
  /** Counts connections and requests of a proxy listener (kong_nginx_connections_total). */
  watch(server: NodeJS.EventEmitter): void;
  /** Starts listening once; resolves with the port. */
  listen(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

const NOT_FOUND = JSON.stringify({ message: 'Not found' });

/**
 * The status listener of one data plane.
 * @example const status = createStatusServer('0.1.0', () => []); status.watch(server); await status.listen(8100, '127.0.0.1');
 */
export function createStatusServer(version: string, health: () => Array<{ gatewayId: string; upstreams: UpstreamHealth[] }>): StatusServer {
  const nodeId = randomUUID();
  let accepted = 0;
  let active = 0;
  let requests = 0;
  const onClose = (): void => void active--;
  const onConnection = (socket: NodeJS.EventEmitter): void => {
    accepted++;
    active++;
    socket.once('close', onClose);
  };
  const onRequest = (): void => void requests++;
  const upstreamHealth = (): TargetHealthSample[] => {
    const out: TargetHealthSample[] = [];
    for (const gw of health()) {
      for (const u of gw.upstreams) {
        for (const t of u.targets) {
          if (t.addresses.length === 0) out.push({ workspace: gw.gatewayId, upstream: u.name, target: t.target, address: '', state: 'dns_error' });
          for (const a of t.addresses) out.push({ workspace: gw.gatewayId, upstream: u.name, target: t.target, address: `${a.ip}:${a.port}`, state: a.health.toLowerCase() });
        }
      }
    }
    return out;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      const body = renderMetrics({ nodeId, version, connectionsAccepted: accepted, connectionsActive: active, requestsTotal: requests, upstreamHealth });
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8', 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(NOT_FOUND) });
    res.end(NOT_FOUND);
  });
  let listening: Promise<number> | null = null;

  return {
    watch(proxy) {
      proxy.on('connection', onConnection);
      proxy.on('request', onRequest);
    },
    listen(port, host) {
      listening ??= new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
      return listening;
    },
    async close() {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
