import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { runFleetPrimary, type FleetNodeOptions } from './sync/fleet-primary.ts';
import { runFleetWorker, type WorkerOptions } from './sync/fleet-worker.ts';

// Standalone data plane:
//   node packages/data-plane/src/main.ts --control-plane <url> --cert <file> --key <file> [--ca <file>] [--port N]
//     [--tls-port N] [--telemetry <https://host:port>] [--workers N] [--data-dir <dir>] [--region <r>[,<r>...] | *]
// or the environment: GATEHOUSE_CLUSTER_CONTROL_PLANE, GATEHOUSE_CLUSTER_CERT, GATEHOUSE_CLUSTER_CERT_KEY,
// GATEHOUSE_CLUSTER_CA_CERT, GATEHOUSE_CLUSTER_TELEMETRY_ENDPOINT, GATEHOUSE_PROXY_PORT,
// GATEHOUSE_PROXY_TLS_PORT, GATEHOUSE_WORKERS (default: one per core), GATEHOUSE_DP_DATA_DIR, GATEHOUSE_LISTEN,
// GATEHOUSE_STATUS_PORT (`--status-port`: Prometheus `GET /metrics`, shared by the workers; unset: none),
// GATEHOUSE_FLEET_REGION (`--region`: the regions whose serverless gateways this fleet node serves, e.g.
// `eu` or `us,eu`; default `*`, every region, which is how `npm start`'s own workers serve the whole platform).
// The process is a node:cluster primary (the sync client) with worker processes sharing the listeners
// (sync/fleet-primary.ts); SIGUSR2 replaces the workers one by one (a fleet upgrade, no request lost).
// Under `npm start`'s supervisor (an IPC channel), it reports its ports and exits with the supervisor.

const VERSION: string = process.env.GATEHOUSE_DP_VERSION || JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;

/** Reads the flags and environment into runDataPlane's options; throws with a usage message when a required one is missing. */
export function dataPlaneOptionsFrom(argv: string[], env: NodeJS.ProcessEnv): FleetNodeOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      'control-plane': { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      ca: { type: 'string' },
      port: { type: 'string' },
      'tls-port': { type: 'string' },
      telemetry: { type: 'string' },
      workers: { type: 'string' },
      'data-dir': { type: 'string' },
      'status-port': { type: 'string' },
      region: { type: 'string' },
    },
  });
  const controlPlane = values['control-plane'] ?? env.GATEHOUSE_CLUSTER_CONTROL_PLANE;
  const certFile = values.cert ?? env.GATEHOUSE_CLUSTER_CERT;
  const keyFile = values.key ?? env.GATEHOUSE_CLUSTER_CERT_KEY;
  if (!controlPlane || !certFile || !keyFile) {
    throw new Error('usage: data-plane --control-plane <https://host:port> --cert <file> --key <file> [--ca <file>] [--port N] [--tls-port N] [--telemetry <https://host:port>] [--workers N] [--data-dir <dir>] [--status-port N] [--region <r>[,<r>...]]');
  }
  const rawPort = values.port ?? env.GATEHOUSE_PROXY_PORT ?? '8000';
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0-65535), got '${rawPort}'`);
  const rawTlsPort = values['tls-port'] ?? env.GATEHOUSE_PROXY_TLS_PORT;
  const tlsPort = rawTlsPort === undefined || rawTlsPort === '' ? undefined : Number(rawTlsPort);
  if (tlsPort !== undefined && (!Number.isInteger(tlsPort) || tlsPort < 0 || tlsPort > 65535)) throw new Error(`--tls-port must be a port number (0-65535), got '${rawTlsPort}'`);
  const rawStatusPort = values['status-port'] ?? env.GATEHOUSE_STATUS_PORT;
  const statusPort = rawStatusPort === undefined || rawStatusPort === '' ? undefined : Number(rawStatusPort);
  if (statusPort !== undefined && (!Number.isInteger(statusPort) || statusPort < 0 || statusPort > 65535)) throw new Error(`--status-port must be a port number (0-65535), got '${rawStatusPort}'`);
  const region = (values.region ?? env.GATEHOUSE_FLEET_REGION ?? '').trim() || '*';
  if (!/^(\*|[a-z0-9-]+(\s*,\s*[a-z0-9-]+)*)$/i.test(region)) throw new Error(`--region must be '*' or a comma-separated list of region names (e.g. us,eu), got '${region}'`);
  const rawWorkers = values.workers ?? (env.GATEHOUSE_WORKERS || String(availableParallelism()));
  const workers = Number(rawWorkers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new Error(`--workers must be a whole number from 1 to 256, got '${rawWorkers}'`);
  return {
    controlPlane,
    certFile,
    keyFile,
    caFile: values.ca ?? env.GATEHOUSE_CLUSTER_CA_CERT,
    port,
    tlsPort,
    statusPort,
    workers,
    region,
    telemetryUrl: values.telemetry ?? (env.GATEHOUSE_CLUSTER_TELEMETRY_ENDPOINT || undefined),
    host: env.GATEHOUSE_LISTEN || '127.0.0.1',
    dataDir: values['data-dir'] ?? env.GATEHOUSE_DP_DATA_DIR,
    version: VERSION,
    maxBodyBytes: env.GATEHOUSE_MAX_BODY_BYTES ? Number(env.GATEHOUSE_MAX_BODY_BYTES) : undefined,
    heartbeatMs: env.GATEHOUSE_CLUSTER_HEARTBEAT_MS ? Number(env.GATEHOUSE_CLUSTER_HEARTBEAT_MS) : undefined,
  };
}

if (import.meta.main && cluster.isWorker) {
  await runFleetWorker(JSON.parse(process.env.GATEHOUSE_DP_WORKER_OPTIONS ?? '{}') as WorkerOptions);
} else if (import.meta.main) {
  let options: FleetNodeOptions;
  try {
    options = dataPlaneOptionsFrom(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const node = await runFleetPrimary(options);
  const https = node.tlsPort === undefined ? [] : [`  HTTPS:  https://${options.host}:${node.tlsPort}`];
  if (node.statusPort !== undefined) https.push(`  Status: http://${options.host}:${node.statusPort}/metrics  (one worker answers each scrape)`);
  process.stdout.write([`Gatehouse data plane ${VERSION} (node ${node.nodeId}, ${options.workers} worker${options.workers === 1 ? '' : 's'})`, `  Proxy:  http://${options.host}:${node.port}`, ...https, `  Control plane: ${options.controlPlane}`, `  Regions: ${options.region ?? '*'}`].join('\n') + '\n');
  process.send?.({ type: 'listening', port: node.port, tlsPort: node.tlsPort, statusPort: node.statusPort, nodeId: node.nodeId });

  let isStopping = false;
  const stop = async () => {
    if (isStopping) return;
    isStopping = true;
    await node.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // A fleet upgrade: new workers (the program as it is on disk now) replace the running ones one by one.
  process.on('SIGUSR2', () => {
    node.roll().then(
      () => {
        const message = `data-plane workers restarted (now ${node.workers.join(', ')})`;
        if (process.send) process.send({ type: 'rolled', message });
        else process.stdout.write(`${message}\n`);
      },
      (err: unknown) => process.stderr.write(`rolling restart failed: ${(err as Error).message}\n`),
    );
  });
  // The supervisor is gone: a data plane of `npm start` does not outlive it.
  process.on('disconnect', () => void stop());
}
