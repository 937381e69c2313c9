import cluster, { type Worker } from 'node:cluster';
import { hostname as osHostname } from 'node:os';
import type { Snapshot } from '@gatehouse/schema';
import type { GatewayHealth } from '../server/data-plane.ts';
import { PLUGIN_HANDLERS } from '@gatehouse/plugins';
import { checkSnapshot } from '../server/gateway.ts';
import { createSniTable } from '../tls/sni-certificates.ts';
import { createLimitsPrimary } from '../limits/ipc-store.ts';
import { createSnapshotCache } from './cache.ts';
import { HEARTBEAT_MS } from './protocol.ts';
import { createSyncClient, healthReportInterval } from './client.ts';
import { prepareNode, type RunDataPlaneOptions } from './run.ts';
import type { FromWorker, ToWorker, WorkerOptions } from './fleet-worker.ts';

// A data-plane node with several worker processes (node:cluster). Decision: the primary holds the
// node's one connection to the control plane and fans what it receives out to the workers over IPC,
// instead of one sync client per worker: the hub sees one node per machine (as Kong's nginx workers
// are one node), snapshots cross the network and the disk cache once, the node reports a hash once,
// and the primary is where the workers' shared state lives (the per-gateway rate limit's counters).
// The listeners are shared through node:cluster (port 0 gives every worker the same port).
//
// Rolling restart (SIGUSR2, a fleet upgrade): one worker at a time, a new one is forked and loaded,
// and only once it listens is the old one drained, so the shared listeners always have a worker and
// no connection is refused.

export interface FleetNodeOptions extends RunDataPlaneOptions {
  workers: number;
  tlsPort?: number;
  telemetryUrl?: string;
  /**
   * Kong's status listener (`GET /metrics`), opened by every worker on this one port like the proxy
   * ports: a scrape is answered by one worker (node:cluster hands connections round-robin) and shows
   * that worker's series.
   */
  statusPort?: number;
  /**
   * The regions whose serverless gateways this node serves (the hub places a gateway on the nodes of
   * its configuration's regions): `*` (default) for every region, or a comma-separated list (`eu`, `us,eu`).
   */
  region?: string;
}

const RESTART_DELAY_MS = 1000;

/**
 * Starts the primary: the sync client and `workers` workers (this same program, see main.ts).
 * @example const node = await runFleetPrimary({ controlPlane, certFile, keyFile, caFile, workers: 2, port: 0, version });
 */
export async function runFleetPrimary(options: FleetNodeOptions) {
  const { logger, dataDir, cert, key, ca, nodeId } = await prepareNode(options);

  const snapshots = new Map<string, Snapshot>();
  const challenges = new Map<string, string>();
  let certificates: { cert: string; key: string }[] = [];
  const live = new Set<Worker>();
  const retiring = new Set<Worker>();
  let isStopping = false;
  let rolling: Promise<void> | null = null;
  // Upstream health as each worker last sent it. Decision: the node reports its oldest live worker's
  // view (active probes run in every worker and agree; passive counts are that worker's traffic), not
  // a merge of all of them: one worker's report is a consistent picture, and it is the simplest correct.
  const workerHealth = new Map<Worker, GatewayHealth[]>();

  // The workers' shared counters of the per-gateway rate limit (limits/ipc-store.ts).
  const limits = createLimitsPrimary();
  const broadcast = (message: ToWorker): void => {
    for (const worker of live) if (worker.isConnected()) worker.send(message);
  };

  // What the sync client drives: validation here (so a bad snapshot is refused and reported), the
  // compiling in every worker.
  const fanOut = {
    applySnapshot(snapshot: Snapshot): void {
      checkSnapshot(snapshot);
      snapshots.set(snapshot.gatewayId, snapshot);
      broadcast({ type: 'gatehouse:snapshot', snapshot });
    },
    removeGateway(gatewayId: string): void {
      if (snapshots.delete(gatewayId)) broadcast({ type: 'gatehouse:remove', gatewayIds: [gatewayId] });
    },
    gatewayHashes(): Map<string, string> {
      const out = new Map<string, string>();
      for (const [id, s] of snapshots) out.set(id, s.hash);
      return out;
    },
    setAcmeChallenge(token: string, keyAuthorization: string | null): void {
      if (keyAuthorization === null) challenges.delete(token);
      else challenges.set(token, keyAuthorization);
      broadcast({ type: 'gatehouse:acme', token, keyAuthorization });
    },
    healthReport(): GatewayHealth[] {
      for (const worker of live) {
        const report = workerHealth.get(worker);
        if (report) return report;
      }
      return [];
    },
    setPlatformCertificates(next: readonly { cert: string; key: string }[]): void {
      createSniTable().setPlatform(next); // throws on a bad PEM before any worker sees it
      certificates = [...next];
      broadcast({ type: 'gatehouse:platform-tls', certificates });
    },
  };

  const workerOptions: WorkerOptions = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 8000,
    tlsPort: options.tlsPort,
    version: options.version,
    nodeId,
    maxBodyBytes: options.maxBodyBytes,
    telemetryUrl: options.telemetryUrl,
    certFile: options.certFile,
    keyFile: options.keyFile,
    caFile: options.caFile,
    statusPort: options.statusPort,
    healthReportMs: healthReportInterval(options.heartbeatMs ?? HEARTBEAT_MS),
  };

  /** Forks a worker and resolves with its ports once it serves the current state. */
  function fork(): Promise<{ worker: Worker; port: number; tlsPort?: number; statusPort?: number }> {
    const worker = cluster.fork({ GATEHOUSE_DP_WORKER_OPTIONS: JSON.stringify(workerOptions) });
    const detach = limits.attach(worker);
    worker.once('exit', detach);
    return new Promise((resolve, reject) => {
      worker.on('message', (message: FromWorker) => {
        if (message?.type === 'gatehouse:hello') {
          live.add(worker);
          worker.send({ type: 'gatehouse:state', snapshots: [...snapshots.values()], challenges: Object.fromEntries(challenges), certificates } satisfies ToWorker);
        } else if (message?.type === 'gatehouse:health' && Array.isArray(message.gateways)) workerHealth.set(worker, message.gateways);
        else if (message?.type === 'gatehouse:listening') resolve({ worker, port: message.port, tlsPort: message.tlsPort, statusPort: message.statusPort });
      });
      worker.once('exit', (code, signal) => {
        live.delete(worker);
        workerHealth.delete(worker);
        const wasRetiring = retiring.delete(worker);
        reject(new Error(`data-plane worker ${worker.process.pid} exited (${signal ?? code}) before it listened`));
        if (isStopping || wasRetiring) return;
        logger.error({ pid: worker.process.pid, code, signal }, 'data-plane worker exited; starting another');
        setTimeout(() => void fork().catch((err) => logger.error({ err: (err as Error).message }, 'worker restart failed')), RESTART_DELAY_MS);
      });
    });
  }

  function retire(worker: Worker): Promise<void> {
    retiring.add(worker);
    live.delete(worker);
    return new Promise((resolve) => {
      if (worker.isDead()) return resolve();
      worker.once('exit', () => resolve());
      worker.send({ type: 'gatehouse:drain' } satisfies ToWorker);
    });
  }

  const client = createSyncClient({
    controlPlane: options.controlPlane,
    cert,
    key,
    ca,
    dataPlane: fanOut,
    cache: createSnapshotCache(dataDir),
    nodeId,
    hostname: osHostname(),
    version: options.version,
    plugins: [...PLUGIN_HANDLERS.keys()].sort().map((name) => ({ name, version: options.version })),
    labels: { region: options.region ?? '*' },
    logger: logger.child({ part: 'sync', nodeId }),
    heartbeatMs: options.heartbeatMs,
    backoff: options.backoff,
  });
  // The disk cache first, so the first workers start with every gateway the node served before.
  await client.start();
  const started = await Promise.all(Array.from({ length: Math.max(1, options.workers) }, () => fork()));

  return {
    nodeId,
    port: started[0].port,
    tlsPort: started[0].tlsPort,
    statusPort: started[0].statusPort,
    get workers(): number[] {
      return [...live].map((w) => w.process.pid ?? 0);
    },
    /** Replaces every worker, one at a time, each only after its successor listens. */
    roll(): Promise<void> {
      rolling ??= (async () => {
        for (const old of [...live]) {
          if (isStopping) break;
          await fork();
          await retire(old);
        }
        logger.info({ workers: live.size }, 'rolling restart done');
      })().finally(() => (rolling = null));
      return rolling;
    },
    async close(): Promise<void> {
      isStopping = true;
      await client.stop();
      await Promise.all([...live].map(retire));
      await limits.close();
    },
  };
}
