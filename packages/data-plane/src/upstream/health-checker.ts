import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, isIP, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Balancer, HealthEvent, Peer } from './balancer.ts';

// Active health checks (reference §4.4): per upstream, one timer for healthy targets
// (`healthy.interval`) and one for unhealthy ones (`unhealthy.interval`), each probing its targets
// `concurrency` at a time on fresh connections and re-armed only after the round ends, so one
// upstream never holds more than two timers and `concurrency` probes at once. Stopped when the
// balancer is released (its gateway removed, or the upstream changed).

export interface HealthChecker {
  stop(): void;
}

export function startHealthChecker(balancer: Balancer, logger: Logger | null): HealthChecker {
  const active = balancer.upstream.healthchecks.active;
  const timers: Array<NodeJS.Timeout | null> = [null, null];
  const inflight = new Set<ClientRequest | Socket>();
  let isStopped = false;

  const loop = (slot: 0 | 1, intervalS: number, wantsHealthy: boolean): void => {
    if (intervalS <= 0) return;
    const arm = (): void => {
      if (isStopped) return;
      timers[slot] = setTimeout(() => {
        timers[slot] = null;
        const peers = balancer.peers.filter((p) => p.weight > 0 && p.isHealthy === wantsHealthy);
        probeAll(peers).then(arm, arm);
      }, intervalS * 1000);
      timers[slot].unref();
    };
    arm();
  };

  const probeAll = async (peers: Peer[]): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < peers.length && !isStopped) {
        const peer = peers[next++]!;
        const event = await probe(peer);
        if (isStopped) return;
        if (event === null) continue;
        const wasHealthy = peer.isHealthy;
        balancer.report(peer, event, balancer.activeLimits);
        if (wasHealthy !== peer.isHealthy) {
          logger?.info({ gatewayId: balancer.gatewayId, upstream: balancer.upstream.name, target: peer.target, healthy: peer.isHealthy, event }, 'active health check changed target health');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(active.concurrency, peers.length) }, worker));
  };

  const probe = (peer: Peer): Promise<HealthEvent | null> =>
    new Promise((resolve) => {
      const timeoutMs = Math.max(1, active.timeout * 1000);
      if (active.type === 'tcp' || active.type === 'grpc' || active.type === 'grpcs') {
        // gRPC health protocol is not spoken; grpc checks fall back to a TCP connect.
        const socket = connect({ host: peer.host, port: peer.port });
        inflight.add(socket);
        const done = (event: HealthEvent): void => {
          inflight.delete(socket);
          socket.destroy();
          resolve(event);
        };
        socket.setTimeout(timeoutMs, () => done('timeout'));
        socket.once('connect', () => done('success'));
        socket.once('error', () => done('tcp_failure'));
        return;
      }
      const isHttps = active.type === 'https';
      const hostName = balancer.upstream.host_header ?? peer.host;
      const defaultPort = isHttps ? 443 : 80;
      const headers: Record<string, string | string[]> = { host: peer.port === defaultPort ? hostName : `${hostName}:${peer.port}`, 'user-agent': 'gatehouse-healthcheck', ...active.headers };
      const sni = active.https_sni ?? (isIP(hostName) === 0 ? hostName : undefined);
      const options = { host: peer.host, port: peer.port, method: 'GET', path: active.http_path, headers, agent: false as const, timeout: timeoutMs, servername: sni, rejectUnauthorized: active.https_verify_certificate };
      const onResponse = (res: IncomingMessage): void => {
        const status = res.statusCode ?? 0;
        res.resume();
        inflight.delete(req);
        req.destroy();
        if (active.unhealthy.http_statuses.includes(status)) resolve('http_failure');
        else if (active.healthy.http_statuses.includes(status)) resolve('success');
        // In neither list: the probe says nothing (lua-resty-healthcheck).
        else resolve(null);
      };
      const req = isHttps ? httpsRequest(options, onResponse) : httpRequest(options, onResponse);
      inflight.add(req);
      req.once('timeout', () => {
        inflight.delete(req);
        req.destroy();
        resolve('timeout');
      });
      req.once('error', () => {
        inflight.delete(req);
        resolve('tcp_failure');
      });
      req.end();
    });

  loop(0, active.healthy.interval, true);
  loop(1, active.unhealthy.interval, false);
  return {
    stop() {
      isStopped = true;
      for (const t of timers) if (t !== null) clearTimeout(t);
      for (const r of inflight) r.destroy();
      inflight.clear();
    },
  };
}
