import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlatformConfig } from '../config.ts';

// `npm start`'s supervisor: a small parent that starts the control plane and the data-plane workers
// as sibling processes and restarts whichever exits. The workers are not the control plane's
// children, so restarting the control plane (SIGHUP to the supervisor, or a crash) leaves them serving
// from their current snapshots; they reconnect on their own. The supervisor prints the banner
// (API, Proxy, Admin token lines) once everything listens.

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
  files: { ca: string; fleetCert: string; fleetKey: string };
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
  const workers = Math.max(1, Number(process.env.GATEHOUSE_DP_WORKERS || '1'));
  let isStopping = false;
  // Ports picked by the first start (0 = ephemeral) are kept across restarts so data planes find the control plane again.
  const pinned: Record<string, string> = {};
  let proxyPort = config.proxyPort;
  let controlPlane: ChildProcess;
  let ready: ControlPlaneReady;
  const dataPlanes: ChildProcess[] = [];

  async function startControlPlane(): Promise<ControlPlaneReady> {
    const child = fork(options.main, [], { env: { ...process.env, ...pinned, GATEHOUSE_ROLE: 'control-plane' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    controlPlane = child;
    const message = await waitFor<ControlPlaneReady>(child, 'ready', 'the control plane');
    pinned.GATEHOUSE_API_PORT = String(message.apiPort);
    pinned.GATEHOUSE_CLUSTER_PORT = String(message.clusterPort);
    child.send({ type: 'proxy-port', port: proxyPort });
    child.once('exit', (code, signal) => {
      if (isStopping || controlPlane !== child) return;
      process.stderr.write(`gatehouse: control plane exited (${signal ?? code}); restarting it, data planes keep serving\n`);
      setTimeout(() => void startControlPlane().catch((err) => process.stderr.write(`gatehouse: ${(err as Error).message}\n`)), RESTART_DELAY_MS);
    });
    return message;
  }

  async function startDataPlane(index: number): Promise<number> {
    const args = ['--control-plane', ready.clusterUrl, '--cert', ready.files.fleetCert, '--key', ready.files.fleetKey, '--ca', ready.files.ca, '--port', String(proxyPort), '--data-dir', join(config.dataDir, `data-plane-${index}`)];
    const child = fork(DATA_PLANE_MAIN, args, { env: { ...process.env, GATEHOUSE_ROLE: 'data-plane' }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    dataPlanes[index] = child;
    const { port } = await waitFor<{ port: number }>(child, 'listening', `data plane ${index}`);
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

  try {
    ready = await startControlPlane();
    // Workers beyond the first need SO_REUSEPORT on a fixed port; with port 0 each gets its own.
    const ports: number[] = [];
    for (let i = 0; i < workers; i++) ports.push(await startDataPlane(i));
    proxyPort = ports[0];
    controlPlane!.send({ type: 'proxy-port', port: proxyPort });
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
    `  Cluster: ${ready.clusterUrl}  (data planes: ${workers}, CA: ${ready.files.ca})`,
    `  Gateways loaded: ${ready.gateways}`,
    ...ready.tokenLines,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
