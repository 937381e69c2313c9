import type { TestContext } from 'node:test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDataPlane, type DataPlane } from '@gatehouse/data-plane';
import { send as sendTo, snapshot, snapshotHash, startUpstream, type Reply, type RunningUpstream, type SendOptions } from '@gatehouse/test-kit';
import { newId, targetSchema, upstreamSchema, validate, type Service, type Snapshot, type Target, type Upstream } from '@gatehouse/schema';

// Balancer tests: a real data plane on port 0, several real upstream servers, and snapshots whose
// services reach them through upstream entities and targets.

export const HOST = 'balancer.test';
/** Every test has its own data plane: one gateway id for all, so snapshots replace each other. */
export const GATEWAY_ID = '6f1c0d7e-2b7a-4d51-9a3e-0c1f5b9e8a10';

/** One request with Host `HOST` on a fresh connection. */
export const send = (port: number, path: string, opts: SendOptions = {}): Promise<Reply> => sendTo(port, HOST, path, opts);

export async function startDataPlane(t: TestContext): Promise<{ dp: DataPlane; port: number }> {
  const dp = createDataPlane({ port: 0 });
  const { port } = await dp.listen();
  t.after(() => dp.close());
  return { dp, port };
}

export async function upstreams(t: TestContext, count: number): Promise<RunningUpstream[]> {
  const all = await Promise.all(Array.from({ length: count }, () => startUpstream()));
  t.after(() => Promise.all(all.map((u) => u.close())));
  return all;
}

/** A server whose status the test flips (for active checks) and that counts its requests. */
export interface FlipServer {
  port: number;
  status: number;
  hits: number;
}

export async function startFlipServer(t: TestContext, status = 200): Promise<FlipServer> {
  const state: FlipServer = { port: 0, status, hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    req.resume();
    res.writeHead(state.status, { 'content-type': 'text/plain' }).end(`flip ${state.port}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as AddressInfo).port;
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  return state;
}

/** A server that accepts requests and never answers; `hits` counts them. */
export async function startSilentServer(t: TestContext): Promise<{ port: number; hits: number }> {
  const state = { port: 0, hits: 0 };
  const server = createServer(() => {
    state.hits++;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export interface BalancedConfig {
  upstream?: Partial<Upstream>;
  /** `target` strings with their weight (default 100). */
  targets: Array<{ target: string; weight?: number; id?: string }>;
  service?: Partial<Service>;
  /** Extra routes, for swaps that change nothing of the upstream. */
  extraPaths?: string[];
  gatewayId?: string;
  upstreamId?: string;
}

/** A gateway whose service `host` is the upstream's name, so it balances over the targets. */
export function balancedSnapshot(config: BalancedConfig): Snapshot {
  const name = config.upstream?.name ?? 'backend.internal';
  const b = snapshot({ hostnames: [HOST], gatewayId: config.gatewayId ?? GATEWAY_ID }).service({ host: name, port: 80, ...config.service }).route({ paths: ['/'] });
  for (const p of config.extraPaths ?? []) b.route({ paths: [p] });
  const built = b.build();
  const upstream = complete(upstreamSchema, { id: config.upstreamId ?? newId(), created_at: 1, updated_at: 1, name, ...config.upstream }) as Upstream;
  const targets = config.targets.map((t, i) => complete(targetSchema, { id: t.id ?? newId(), created_at: 1 + i, updated_at: 1 + i, upstream: { id: upstream.id }, target: t.target, weight: t.weight ?? 100 }) as Target);
  const { hash: _hash, ...body } = built;
  const next = { ...body, upstreams: [upstream], targets };
  return { ...next, hash: snapshotHash(next) };
}

function complete(schema: Parameters<typeof validate>[0], input: Record<string, unknown>): unknown {
  const result = validate(schema, input);
  if (!result.ok) throw new Error(`invalid entity: ${JSON.stringify(result.errors)}`);
  return result.value;
}

/** Polls `check` every 20 ms, at most `maxMs`; false when it never held. */
export async function eventually(check: () => boolean, maxMs = 5000): Promise<boolean> {
  const until = Date.now() + maxMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}
