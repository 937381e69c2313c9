import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlatformConfig } from '../config.ts';

// `npm start`'s supervisor: a small parent that starts the control plane and the data plane (the
// data-plane program: a node:cluster primary holding the sync client, and GATEHOUSE_WORKERS worker
// processes sharing the HTTP and HTTPS listeners) as sibling processes and restarts whichever exits.
// The data plane is not the control plane's child, so restarting the control plane (SIGHUP to the
// supervisor, or a crash) leaves it serving from its current snapshots; it reconnects on its own.
// SIGUSR2 is a fleet upgrade: the data plane replaces its workers one by one, dropping no request.
// The supervisor prints the banner (API, Proxy, HTTPS, Admin token lines) once everything listens.

const DATA_PLANE_MAIN = fileURLToPath(new URL('../../../data-plane/src/main.ts', import.meta.url));
const RESTART_DELAY_MS = 1000;

/** The control plane's IPC message once it listens. */
export interface ControlPlaneReady {
  type: 'ready';
  pid: number;
  apiUrl: string;
  apiPort: number;
  clusterUrl: string;
  clusterPort: number;
  /** The telemetry port (mTLS, the same rules as the cluster port). */
  telemetryUrl: string;
  telemetryPort: number;
  files: { ca: string; fleetCert: string; fleetKey: string };
  /** The local CA of the gateways' HTTPS (embedded default); undefined with an operator certificate. */
  tlsCaFile?: string;
  summary: string;
  gateways: number;
  tokenLines: string[];
}

function waitFor<T>(child: ChildProcess, type: string, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message?.type !== type) return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve(message as T);
    };
    const onExit = (code: number | null) => reject(new Error(`${what} exited with ${code} before it was ready`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

export async function runSupervisor(options: { main: string; config: PlatformConfig; version: string }): Promise<void> {
  const { config } = options;
  // GATEHOUSE_DP_WORKERS is the earlier name, still read.
  const workers = Math.max(1, Number(process.env.GATEHOUSE_WORKERS || process.env.GATEHOUSE_DP_WORKERS || availableParallelism()) || 1);
  let isStopping = false;
  // Ports picked by the first start (0 = ephemeral) are kept across restarts so data planes find the control plane again.
  const pinned: Record<string, string> = {};
  let proxyPort = config.proxyPort;
  let proxyTlsPort = config.proxyTlsPort;
  let controlPlane: ChildProcess;
  let ready: ControlPlaneReady;
  const dataPlanes: ChildProcess[] = [];
  const tellPorts = (): void => void controlPlane?.send({ type: 'proxy-port', port: proxyPort, tlsPort: proxyTlsPort });

  async function startControlPlane(): Promise<ControlPlaneReady> {
    const child = fork(options.main, [], { env: { ...process.env, ...pinned, GATEHOUSE_ROLE: 'control-plane' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    controlPlane = child;
    const message = await waitFor<ControlPlaneReady>(child, 'ready', 'the control plane');
    pinned.GATEHOUSE_API_PORT = String(message.apiPort);
    pinned.GATEHOUSE_CLUSTER_PORT = String(message.clusterPort);
    tellPorts();
    child.once('exit', (code, signal) => {
      if (isStopping || controlPlane !== child) return;
      process.stderr.write(`gatehouse: control plane exited (${signal ?? code}); restarting it, data planes keep serving\n`);
      setTimeout(() => void startControlPlane().catch((err) => process.stderr.write(`gatehouse: ${(err as Error).message}\n`)), RESTART_DELAY_MS);
    });
    return message;
  }

  async function startDataPlane(index: number): Promise<number> {
    const args = [
      ...['--control-plane', ready.clusterUrl, '--cert', ready.files.fleetCert, '--key', ready.files.fleetKey, '--ca', ready.files.ca],
      ...['--port', String(proxyPort), '--tls-port', String(proxyTlsPort), '--telemetry', ready.telemetryUrl, '--workers', String(workers)],
      ...['--data-dir', join(config.dataDir, `data-plane-${index}`)],
    ];
    const child = fork(DATA_PLANE_MAIN, args, { env: { ...process.env, GATEHOUSE_ROLE: 'data-plane' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    dataPlanes[index] = child;
    child.on('message', (message: { type?: string; message?: string }) => {
      if (message?.type === 'rolled') process.stderr.write(`gatehouse: ${message.message}\n`);
    });
    const { port, tlsPort } = await waitFor<{ port: number; tlsPort: number }>(child, 'listening', `data plane ${index}`);
    // Ports picked at first start are kept, so a restarted data plane listens where clients expect it.
    proxyPort = port;
    proxyTlsPort = tlsPort;
    child.once('exit', (code, signal) => {
      if (isStopping || dataPlanes[index] !== child) return;
      process.stderr.write(`gatehouse: data plane ${index} exited (${signal ?? code}); restarting it\n`);
      setTimeout(() => void startDataPlane(index).catch((err) => process.stderr.write(`gatehouse: ${(err as Error).message}\n`)), RESTART_DELAY_MS);
    });
    return port;
  }

  async function stop(signal: string): Promise<void> {
    if (isStopping) return;
    isStopping = true;
    const children = [controlPlane, ...dataPlanes].filter((c) => c && c.exitCode === null && c.signalCode === null);
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    })));
    process.exit(signal === 'error' ? 1 : 0);
  }
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // SIGHUP: restart the control plane only; the data planes serve on and reconnect.
  process.on('SIGHUP', () => controlPlane?.kill('SIGTERM'));
  // SIGUSR2: rolling restart of the data-plane workers (a fleet upgrade).
  process.on('SIGUSR2', () => {
    for (const dp of dataPlanes) dp?.kill('SIGUSR2');
  });

  try {
    ready = await startControlPlane();
    // One data-plane program; its workers share the listeners through node:cluster.
    await startDataPlane(0);
    tellPorts();
  } catch (err) {
    process.stderr.write(`gatehouse: ${(err as Error).message}\n`);
    await stop('error');
    return;
  }
  const hostForUrls = config.listen.includes(':') ? `[${config.listen}]` : config.listen;
  const lines = [
    ready.summary,
    `  API:    ${ready.apiUrl}`,
    `  Proxy:  http://${hostForUrls}:${proxyPort}  (gateways answer at http://<hostname>:${proxyPort})`,
    `  HTTPS:  https://${hostForUrls}:${proxyTlsPort}  (https://<hostname>:${proxyTlsPort})`,
    ...(ready.tlsCaFile ? [`  Local CA: ${ready.tlsCaFile}  (curl --cacert ${ready.tlsCaFile} https://<hostname>:${proxyTlsPort}/)`] : []),
    `  Cluster: ${ready.clusterUrl}  (data-plane workers: ${workers}, CA: ${ready.files.ca})`,
    `  Telemetry: ${ready.telemetryUrl}`,
    `  Gateways loaded: ${ready.gateways}`,
    ...ready.tokenLines,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
