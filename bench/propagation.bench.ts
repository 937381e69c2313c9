// Propagation: time from an API write to every connected data plane serving it (issue 6). For 1, 100
// and 1,000 serverless gateways of 10 routes each, with the control plane and 2 data-plane processes
// real and separate (mTLS WebSocket between them). Each sample adds a route to one gateway through the
// API and, once the API has answered (the change rarely reaches a data plane sooner, and polling during
// the write would load the machine the write runs on), polls both data planes (keep-alive, every 1 ms)
// until the new path matches: a path that already matches counts as served then. WARMUP writes are
// made first and not counted; then writes follow one after another until MAX_WRITES or the scale's
// time budget, each abandoned after 10 s. Reported: the count, p50/p95/p99/max of the whole propagation
// and the p50 of the API's answer alone (the write's own share). BENCH_PROPAGATION_SCALES=1,100 limits
// the scales, BENCH_PROPAGATION_WRITES and BENCH_PROPAGATION_BUDGET_S change the bounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../packages/control-plane/src/app.ts';
import { ensureAdminToken } from '../packages/control-plane/src/auth.ts';
import { loadConfig } from '../packages/control-plane/src/config.ts';
import { createEvents } from '../packages/control-plane/src/events.ts';
import { openStore } from '../packages/control-plane/src/store/index.ts';
import { TOKEN, freePort, startControlPlane, startDataPlane, until } from '../test/hybrid/harness.ts';

const ROUTES = 10;
const WARMUP = 10;
const MAX_WRITES = Number(process.env.BENCH_PROPAGATION_WRITES) || 300;
const BUDGET_MS = (Number(process.env.BENCH_PROPAGATION_BUDGET_S) || 60) * 1000;

interface Gateway {
  controlPlaneId: string;
  serviceId: string;
  hostname: string;
}

/** Seeds the store through the API in-process (no sockets): much faster than HTTP for 13,000 writes. */
async function seed(dataDir: string, count: number): Promise<Gateway[]> {
  const config = { ...loadConfig({}), dataDir };
  const store = await openStore({ dataDir, databaseUrl: undefined });
  await ensureAdminToken(store, TOKEN);
  const app = await createApp({ store, config, events: createEvents(), logger: pino({ level: 'silent' }), version: '0.1.0' });
  const call = async (method: 'POST' | 'PUT', url: string, payload: unknown) => {
    const res = await app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${TOKEN}` } });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const gateways: Gateway[] = [];
  for (let i = 0; i < count; i++) {
    const cp = await call('POST', '/v2/control-planes', { name: `bench-${i}`, cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true });
    const conf = await call('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: cp.id, control_plane_geo: 'us', dataplane_groups: [{ provider: 'aws', region: 'us' }], kind: 'serverless.v1' });
    const base = `/v2/control-planes/${cp.id}/core-entities`;
    const service = await call('POST', `${base}/services`, { name: 's', url: 'http://127.0.0.1:9' });
    for (let r = 0; r < ROUTES; r++) await call('POST', `${base}/services/${service.id}/routes`, { name: `r${r}`, paths: [`/r${r}`] });
    gateways.push({ controlPlaneId: cp.id, serviceId: service.id, hostname: conf.dataplane_groups[0].hostnames[0] });
  }
  await app.close();
  await store.close();
  return gateways;
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

// Polling reuses connections: a fresh TCP connection per poll would load the data planes more than the
// change being timed.
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
function status(port: number, host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });
}
const isMatched = (code: number): boolean => code !== 404;

/** Resolves with the time (performance.now()) the path first matched; polls every 1 ms for 10 s at most. */
async function matchedAt(port: number, host: string, path: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (!isMatched(await status(port, host, path))) {
    if (Date.now() > deadline) throw new Error(`${host}${path} never matched on port ${port}`);
    await new Promise((r) => setTimeout(r, 1));
  }
  return performance.now();
}

export interface PropagationRow {
  gateways: number;
  writes: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** p50 of the API's answer to the write (store commit included, propagation not). */
  apiP50: number;
}

async function measure(count: number): Promise<PropagationRow> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-propagation-'));
  const gateways = await seed(join(dir, 'cp'), count);
  const cp = await startControlPlane({ dataDir: join(dir, 'cp'), apiPort: await freePort(), clusterPort: await freePort(), env: { GATEHOUSE_LOG_LEVEL: 'warn', GATEHOUSE_CLUSTER_HEARTBEAT_MS: '10000' } });
  const clusterUrl = /Cluster: (\S+)/.exec(cp.output())![1];
  const dps = await Promise.all([0, 1].map((n) => startDataPlane({ controlPlane: clusterUrl, certFile: cp.fleetCert, keyFile: cp.fleetKey, caFile: cp.caFile, dataDir: join(dir, `dp-${n}`), env: { GATEHOUSE_LOG_LEVEL: 'warn' } })));
  try {
    const last = gateways[gateways.length - 1];
    for (const dp of dps) await until('every gateway on both data planes', async () => (isMatched(await status(dp.port, last.hostname, '/r0')) ? true : undefined), 120_000);
    const times: number[] = [];
    const apiTimes: number[] = [];
    const deadline = Date.now() + BUDGET_MS;
    for (let i = 0; i < WARMUP + MAX_WRITES && Date.now() < deadline; i++) {
      const gw = gateways[Math.floor(Math.random() * gateways.length)];
      const path = `/new-${i}`;
      const started = performance.now();
      const res = await cp.api('POST', `/v2/control-planes/${gw.controlPlaneId}/core-entities/services/${gw.serviceId}/routes`, { name: `new-${i}`, paths: [path] });
      const answered = performance.now();
      if (res.status !== 201) throw new Error(`route create: ${res.status} ${JSON.stringify(res.body)}`);
      const done = Math.max(...(await Promise.all(dps.map((dp) => matchedAt(dp.port, gw.hostname, path)))));
      if (i < WARMUP) continue;
      times.push(done - started);
      apiTimes.push(answered - started);
    }
    times.sort((a, b) => a - b);
    apiTimes.sort((a, b) => a - b);
    return { gateways: count, writes: times.length, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), max: times[times.length - 1], apiP50: percentile(apiTimes, 50) };
  } finally {
    await Promise.all([cp.kill(), ...dps.map((d) => d.kill())]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs every scale and returns the rows. */
export async function runPropagationBench(): Promise<PropagationRow[]> {
  const scales = (process.env.BENCH_PROPAGATION_SCALES ?? '1,100,1000').split(',').map(Number);
  const rows: PropagationRow[] = [];
  for (const count of scales) rows.push(await measure(count));
  agent.destroy();
  return rows;
}

/** The rows as a Markdown table (bench/run.ts finds this printer by its name). */
export function printPropagationTable(rows: PropagationRow[]): string {
  const ms = (v: number): string => v.toFixed(1);
  return [
    '| Gateways (10 routes each) | Data planes | Writes | p50 ms | p95 ms | p99 ms | max ms | API answer p50 ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.gateways} | 2 | ${r.writes} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${ms(r.max)} | ${ms(r.apiP50)} |`),
  ].join('\n');
}

if (import.meta.main) process.stdout.write(printPropagationTable(await runPropagationBench()) + '\n');
