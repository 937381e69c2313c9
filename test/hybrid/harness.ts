import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { send, until } from '@gatehouse/test-kit';

// Real processes for the hybrid-mode tests: the control plane alone (GATEHOUSE_ROLE=control-plane) and
// standalone data planes (packages/data-plane/src/main.ts), each reading what the other printed.

const CP_MAIN = fileURLToPath(new URL('../../packages/control-plane/src/main.ts', import.meta.url));
const DP_MAIN = fileURLToPath(new URL('../../packages/data-plane/src/main.ts', import.meta.url));
/** One proxied GET on a fresh connection; polling until a value comes. */
export { send as get, until };

export const TOKEN = 'kpat_hybridtesttokenhybridtesttokenhybridtest0001';

export interface Proc {
  child: ChildProcess;
  output(): string;
  /** SIGKILL (a crash) or SIGTERM, and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function run(file: string, args: string[], env: Record<string, string>, readyPattern: RegExp): Promise<Proc> {
  const child = spawn(process.execPath, [file, ...args], { env: { ...(process.env as Record<string, string>), GATEHOUSE_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const proc: Proc = {
    child,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not start within 20 s:\n${output}`)), 20_000);
    const check = () => {
      if (!readyPattern.test(output)) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve(proc);
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code}:\n${output}`));
    });
  });
}

/** A port that was free a moment ago: the control plane must come back on the same port after a restart. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface ControlPlaneProc extends Proc {
  apiUrl: string;
  caFile: string;
  fleetCert: string;
  fleetKey: string;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export async function startControlPlane(opts: { dataDir: string; apiPort: number; clusterPort: number; env?: Record<string, string> }): Promise<ControlPlaneProc> {
  const proc = await run(CP_MAIN, [], {
    GATEHOUSE_ROLE: 'control-plane',
    GATEHOUSE_DATA_DIR: opts.dataDir,
    GATEHOUSE_ADMIN_TOKEN: TOKEN,
    GATEHOUSE_API_PORT: String(opts.apiPort),
    GATEHOUSE_CLUSTER_PORT: String(opts.clusterPort),
    GATEHOUSE_PROXY_PORT: '0',
    GATEHOUSE_TELEMETRY_PORT: '0',
    GATEHOUSE_CLUSTER_HEARTBEAT_MS: '1000',
    ...opts.env,
  }, /Admin token/);
  const out = proc.output();
  const apiUrl = /API:\s+(http\S+)/.exec(out)![1];
  return {
    ...proc,
    apiUrl,
    caFile: /CA: (\S+)\)/.exec(out)![1],
    fleetCert: /Fleet certificate: (\S+)/.exec(out)![1],
    fleetKey: /Fleet certificate: (\S+)/.exec(out)![1].replace(/\.crt$/, '.key'),
    async api(method, path, body) {
      const res = await fetch(apiUrl + path, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

export interface DataPlaneProc extends Proc {
  port: number;
}

export async function startDataPlane(opts: { controlPlane: string; certFile: string; keyFile: string; caFile: string; dataDir: string; env?: Record<string, string> }): Promise<DataPlaneProc> {
  const args = ['--control-plane', opts.controlPlane, '--cert', opts.certFile, '--key', opts.keyFile, '--ca', opts.caFile, '--port', '0', '--data-dir', opts.dataDir];
  const proc = await run(DP_MAIN, args, { GATEHOUSE_CLUSTER_HEARTBEAT_MS: '1000', ...opts.env }, /Proxy:\s+http/);
  return { ...proc, port: Number(/Proxy:\s+http:\/\/[^\s]+:(\d+)/.exec(proc.output())![1]) };
}

