// Propagation: time from an API write to every connected data plane serving it (issue 6). For 1, 100
// and 1,000 serverless gateways of 10 routes each, with the control plane and 2 data-plane processes
// real and separate (mTLS WebSocket between them). Each sample adds a route to one gateway through the
// API and polls both data planes until the new path matches. Bounded: SAMPLES writes per scale, each
// abandoned after 10 s. BENCH_PROPAGATION_SCALES=1,100 limits the scales.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../packages/control-plane/src/app.ts';
import { ensureAdminToken } from '../packages/control-plane/src/auth.ts';
import { loadConfig } from '../packages/control-plane/src/config.ts';
import { createEvents } from '../packages/control-plane/src/events.ts';
import { openStore } from '../packages/control-plane/src/store/index.ts';
import { TOKEN, freePort, get, startControlPlane, startDataPlane, until } from '../test/hybrid/harness.ts';

const SAMPLES = 40;
const ROUTES = 10;

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

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const isMatched = (status: number): boolean => status !== 404;

/** Polls every 2 ms (the harness's `until` polls every 50 ms, too coarse to time with). */
async function waitMatched(port: number, host: string, path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!isMatched((await get(port, host, path)).status)) {
    if (Date.now() > deadline) throw new Error(`${host}${path} never matched on port ${port}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function measure(count: number): Promise<{ count: number; p50: number; p99: number; max: number; samples: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-propagation-'));
  const gateways = await seed(join(dir, 'cp'), count);
  const cp = await startControlPlane({ dataDir: join(dir, 'cp'), apiPort: await freePort(), clusterPort: await freePort(), env: { GATEHOUSE_LOG_LEVEL: 'warn', GATEHOUSE_CLUSTER_HEARTBEAT_MS: '10000' } });
  const clusterUrl = /Cluster: (\S+)/.exec(cp.output())![1];
  const dps = await Promise.all([0, 1].map((n) => startDataPlane({ controlPlane: clusterUrl, certFile: cp.fleetCert, keyFile: cp.fleetKey, caFile: cp.caFile, dataDir: join(dir, `dp-${n}`), env: { GATEHOUSE_LOG_LEVEL: 'warn' } })));
  try {
    const last = gateways[gateways.length - 1];
    for (const dp of dps) await until('every gateway on both data planes', async () => (isMatched((await get(dp.port, last.hostname, '/r0')).status) ? true : undefined), 120_000);
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const gw = gateways[Math.floor(Math.random() * gateways.length)];
      const path = `/new-${i}`;
      const started = performance.now();
      const res = await cp.api('POST', `/v2/control-planes/${gw.controlPlaneId}/core-entities/services/${gw.serviceId}/routes`, { name: `new-${i}`, paths: [path] });
      if (res.status !== 201) throw new Error(`route create: ${res.status} ${JSON.stringify(res.body)}`);
      await Promise.all(dps.map((dp) => waitMatched(dp.port, gw.hostname, path)));
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { count, p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1], samples: times.length };
  } finally {
    await Promise.all([cp.kill(), ...dps.map((d) => d.kill())]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs every scale and returns a Markdown table. */
export async function runPropagationBench(): Promise<string> {
  const scales = (process.env.BENCH_PROPAGATION_SCALES ?? '1,100,1000').split(',').map(Number);
  const rows = ['| Gateways (10 routes each) | Data planes | Writes | p50 ms | p99 ms | max ms |', '| ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const count of scales) {
    const r = await measure(count);
    rows.push(`| ${r.count} | 2 | ${r.samples} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} |`);
  }
  return rows.join('\n');
}

if (import.meta.main) process.stdout.write((await runPropagationBench()) + '\n');
