import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../control-plane/src/main.ts', import.meta.url));

export interface RunningPlatform {
  apiUrl: string;
  proxyPort: number;
  /** The HTTPS port of the gateways, and the local CA that signed their certificate (embedded default). */
  proxyTlsPort: number;
  caFile: string | undefined;
  /** The admin token printed on first start, or the one passed in GATEHOUSE_ADMIN_TOKEN. */
  token: string;
  dataDir: string;
  /** The `npm start` process (the supervisor: SIGHUP restarts its control plane). */
  pid: number;
  output(): string;
  /** Calls the API with the admin token; JSON in, JSON out. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** Stop, then start again on the same data dir (and the same token). */
  restart(): Promise<RunningPlatform>;
  /** Stop and delete the data dir. */
  destroy(): Promise<void>;
}

/**
 * Starts `npm start`'s entry point as a real child process on ephemeral loopback ports, in a fresh
 * data dir unless one is given, and reads the URLs and token it prints.
 * @example const platform = await startPlatform(); t.after(() => platform.destroy());
 */
export async function startPlatform(options: { env?: Record<string, string>; dataDir?: string; token?: string } = {}): Promise<RunningPlatform> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'gatehouse-'));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_API_PORT: '0',
    GATEHOUSE_PROXY_PORT: '0',
    GATEHOUSE_PROXY_TLS_PORT: '0',
    GATEHOUSE_CLUSTER_PORT: '0',
    GATEHOUSE_TELEMETRY_PORT: '0',
    GATEHOUSE_LOG_LEVEL: 'warn',
    // One data-plane worker unless a test asks for more: the machine is shared.
    GATEHOUSE_WORKERS: '1',
    ...options.env,
  };
  if (options.token) env.GATEHOUSE_ADMIN_TOKEN = options.token;
  // Its own process group, so that a platform that fails to start (or to stop) can be killed whole:
  // the supervisor's control-plane and data-plane children would otherwise outlive the test and keep
  // the test runner waiting.
  const child = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const startTimeoutMs = 60_000;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`platform did not start within ${startTimeoutMs / 1000} s:\n${output}`));
    }, startTimeoutMs);
    const check = () => {
      if (/Proxy:\s+http/.test(output) && /Admin token/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      killGroup(child);
      reject(new Error(`platform exited with ${code} before starting:\n${output}`));
    });
  });

  const apiUrl = /API:\s+(http\S+)/.exec(output)![1];
  const proxyPort = Number(/Proxy:\s+http:\/\/[^\s]+:(\d+)/.exec(output)![1]);
  const proxyTlsPort = Number(/HTTPS:\s+https:\/\/[^\s]+:(\d+)/.exec(output)?.[1] ?? 0);
  const caFile = /Local CA:\s+(\S+)/.exec(output)?.[1];
  const token = options.token ?? /Admin token \(shown once; store it now\): (kpat_\S+)/.exec(output)?.[1] ?? '';
  return platformHandle(child, exited, { apiUrl, proxyPort, proxyTlsPort, caFile, token, dataDir, output: () => output, options });
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
}

function platformHandle(child: ChildProcess, exited: Promise<number | null>, state: { apiUrl: string; proxyPort: number; proxyTlsPort: number; caFile: string | undefined; token: string; dataDir: string; output: () => string; options: { env?: Record<string, string> } }): RunningPlatform {
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    // A supervisor that does not stop in time is killed with its children.
    const timer = setTimeout(() => killGroup(child), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  return {
    apiUrl: state.apiUrl,
    proxyPort: state.proxyPort,
    proxyTlsPort: state.proxyTlsPort,
    caFile: state.caFile,
    token: state.token,
    dataDir: state.dataDir,
    pid: child.pid!,
    output: state.output,
    async api(method, path, body) {
      const res = await fetch(state.apiUrl + path, {
        method,
        headers: { authorization: `Bearer ${state.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    stop,
    async restart() {
      await stop();
      return startPlatform({ env: state.options.env, dataDir: state.dataDir, token: state.token });
    },
    async destroy() {
      await stop();
      rmSync(state.dataDir, { recursive: true, force: true });
    },
  };
}
