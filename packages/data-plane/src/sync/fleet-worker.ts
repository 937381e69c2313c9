import { readFile } from 'node:fs/promises';
import { Agent } from 'undici';
import { pino } from 'pino';
import type { Snapshot } from '@gatehouse/schema';
import { flushQueues } from '@gatehouse/plugins';
import { createDataPlane, type DataPlane, type GatewayHealth } from '../server/data-plane.ts';
import { createHttpReporter } from '../telemetry/reporter.ts';
import { rateLimitFromEnv } from '../limits/config.ts';
import { clusterLookup } from './client.ts';

// One data-plane worker of a node (node:cluster): it proxies on the listeners the workers share and
// takes its gateways from the primary, which holds the node's one connection to the control plane
// (fleet-primary.ts). A worker asks for the whole state when it starts and listens only once it
// serves it, so a worker started by a rolling restart takes connections with every gateway loaded.

/** Primary -> worker. */
export type ToWorker =
  | { type: 'gatehouse:state'; snapshots: Snapshot[]; challenges: Record<string, string>; certificates: { cert: string; key: string }[] }
  | { type: 'gatehouse:snapshot'; snapshot: Snapshot }
  | { type: 'gatehouse:remove'; gatewayIds: string[] }
  | { type: 'gatehouse:acme'; token: string; keyAuthorization: string | null }
  | { type: 'gatehouse:platform-tls'; certificates: { cert: string; key: string }[] }
  | { type: 'gatehouse:drain' };

/** Worker -> primary. */
export type FromWorker =
  | { type: 'gatehouse:hello' }
  | { type: 'gatehouse:listening'; port: number; tlsPort?: number; statusPort?: number }
  /** This worker's upstream health, sent when it changed (the primary reports one worker's to the control plane). */
  | { type: 'gatehouse:health'; gateways: GatewayHealth[] };

/** What the primary hands every worker (in GATEHOUSE_DP_WORKER_OPTIONS). */
export interface WorkerOptions {
  host: string;
  port: number;
  tlsPort?: number;
  version: string;
  nodeId: string;
  maxBodyBytes?: number;
  /** Telemetry endpoint origin (mTLS with the node's client certificate); no analytics when absent. */
  telemetryUrl?: string;
  certFile: string;
  keyFile: string;
  caFile?: string;
  /** Kong's status listener (`GET /metrics`), shared by the workers like the proxy ports; none when absent. */
  statusPort?: number;
  /** How often the worker compares its upstream health with what it last sent the primary. */
  healthReportMs: number;
}

function apply(dp: DataPlane, message: ToWorker, log: pino.Logger): void {
  try {
    switch (message.type) {
      case 'gatehouse:snapshot':
        return dp.applySnapshot(message.snapshot);
      case 'gatehouse:remove':
        for (const id of message.gatewayIds) dp.removeGateway(id);
        return;
      case 'gatehouse:acme':
        return dp.setAcmeChallenge(message.token, message.keyAuthorization);
      case 'gatehouse:platform-tls':
        return dp.setPlatformCertificates(message.certificates);
      case 'gatehouse:state':
        dp.setPlatformCertificates(message.certificates);
        for (const [token, value] of Object.entries(message.challenges)) dp.setAcmeChallenge(token, value);
        for (const snapshot of message.snapshots) {
          try {
            dp.applySnapshot(snapshot);
          } catch (err) {
            log.error({ gatewayId: snapshot.gatewayId, err: (err as Error).message }, 'snapshot refused by the worker');
          }
        }
    }
  } catch (err) {
    log.error({ type: message.type, err: (err as Error).message }, 'worker could not apply a message from the primary');
  }
}

/** Runs this process as a worker: state from the primary, then the listeners. */
export async function runFleetWorker(options: WorkerOptions): Promise<void> {
  const logger = pino({ level: process.env.GATEHOUSE_LOG_LEVEL || 'info' }).child({ part: 'data-plane', worker: process.pid });
  let telemetry;
  if (options.telemetryUrl) {
    const [cert, key, ca] = await Promise.all([readFile(options.certFile, 'utf8'), readFile(options.keyFile, 'utf8'), options.caFile ? readFile(options.caFile, 'utf8') : undefined]);
    const dispatcher = new Agent({ connect: { cert, key, ca, lookup: clusterLookup as never } });
    const flushMs = Number(process.env.GATEHOUSE_TELEMETRY_FLUSH_MS) || undefined;
    telemetry = { reporter: createHttpReporter({ url: options.telemetryUrl, dispatcher }), nodeId: options.nodeId, flushIntervalMs: flushMs };
  }
  // The platform rate limit per gateway counts through the primary (every worker of this node) or in Redis.
  const rateLimit = rateLimitFromEnv(process.env, { isIpcWorker: true });
  const dp = createDataPlane({ host: options.host, port: options.port, tlsPort: options.tlsPort, maxBodyBytes: options.maxBodyBytes, version: options.version, logger, telemetry, rateLimit, statusPort: options.statusPort });
  const send = (message: FromWorker): void => void process.send?.(message);
  let isDraining = false;

  const drain = async (): Promise<void> => {
    if (isDraining) return;
    isDraining = true;
    // Closing the listeners tells the primary to stop handing this worker connections; requests in
    // flight finish (data-plane.ts gives them a grace period), telemetry is flushed on the way out.
    await dp.close();
    // Log plugins' queues (http-log...) send what they hold before the process goes: a graceful stop
    // or a rolling restart loses no log entry.
    await flushQueues().catch((err: unknown) => logger.error({ err: (err as Error).message }, 'log queues could not be flushed'));
    process.exit(0);
  };

  await new Promise<void>((resolve) => {
    process.on('message', (message: ToWorker) => {
      if (message?.type === 'gatehouse:drain') return void drain();
      if (typeof message?.type !== 'string' || !message.type.startsWith('gatehouse:')) return;
      apply(dp, message, logger);
      if (message.type === 'gatehouse:state') resolve();
    });
    send({ type: 'gatehouse:hello' });
  });
  const { port, tlsPort, statusPort } = await dp.listen();
  send({ type: 'gatehouse:listening', port, tlsPort, statusPort });
  let lastHealth = '';
  const healthTimer = setInterval(() => {
    const gateways = dp.healthReport().filter((gw) => gw.upstreams.length > 0);
    const text = JSON.stringify(gateways);
    if (text === lastHealth) return;
    lastHealth = text;
    send({ type: 'gatehouse:health', gateways });
  }, options.healthReportMs);
  healthTimer.unref();
  process.on('SIGTERM', () => void drain());
  process.on('SIGINT', () => void drain());
  process.on('disconnect', () => void drain());
}
