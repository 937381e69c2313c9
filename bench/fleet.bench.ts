// The serverless fleet (issue 7), two measures.
// Time to first request: against the real platform (test-kit startPlatform, platform rate limit off),
// for each of BENCH_FLEET_GATEWAYS (100) gateways created one after another — the control plane, a
// service and a route made first — the time from the PUT of its configuration to the first 200 through
// its new hostname (polled on one keep-alive connection every millisecond). Each gateway is abandoned
// after 10 s and the whole run after BENCH_FLEET_BUDGET_S (120 s). Target: p99 < 1 s.
// Density: one data-plane process (createDataPlane, run as a child with --expose-gc) loads 1,000
// gateways of 10 routes each from the snapshot() builder; resident memory per gateway is (RSS after -
// RSS before) / 1000, both after a GC; then the proxy throughput through one of them (the 500th) with
// bench/proxy's load helper, against the same process shape holding one gateway (both up, rounds
// alternating, best round each: BENCH_FLEET_ROUNDS, BENCH_FLEET_LOAD_S). Targets: < 100 KB
// per gateway and at least 0.9 of the single-gateway throughput.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPlatform } from '../packages/test-kit/src/platform.ts';
import { load, type LoadResult } from './proxy/load.ts';
import { startServer, type Started } from './proxy/processes.ts';

const NODE = process.execPath;
const HERE = fileURLToPath(import.meta.url);
const ROUTES = 10;
const DENSITY_GATEWAYS = Number(process.env.BENCH_FLEET_DENSITY) || 1000;
const TTFR_GATEWAYS = Number(process.env.BENCH_FLEET_GATEWAYS) || 100;
const BUDGET_MS = (Number(process.env.BENCH_FLEET_BUDGET_S) || 120) * 1000;
const LOAD_SECONDS = Number(process.env.BENCH_FLEET_LOAD_S) || 5;
const ROUNDS = Number(process.env.BENCH_FLEET_ROUNDS) || 3;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const hostnameOf = (i: number): string => `gw${i}.density.localhost`;

// --- the density child: node --expose-gc bench/fleet.bench.ts density <upstreamPort> <gateways> <result file> ---
async function densityChild(upstreamPort: number, count: number, resultFile: string): Promise<void> {
  const { default: pino } = await import('pino');
  const { createDataPlane } = await import('@gatehouse/data-plane');
  const { snapshot } = await import('@gatehouse/test-kit');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const rss = (): number => {
    gc();
    gc();
    return process.memoryUsage.rss();
  };
  const dataPlane = createDataPlane({ port: 0, logger: pino({ level: 'silent' }), version: 'bench' });
  const { port } = await dataPlane.listen();
  const before = rss();
  for (let i = 0; i < count; i++) {
    const builder = snapshot({ hostnames: [hostnameOf(i)] }).service({ url: `http://127.0.0.1:${upstreamPort}` });
    for (let r = 0; r < ROUTES; r++) builder.route({ paths: [`/r${r}`], strip_path: false });
    dataPlane.applySnapshot(builder.build());
  }
  const after = rss();
  writeFileSync(resultFile, JSON.stringify({ before, after }));
  process.stdout.write(`PORT ${port}\n`);
  process.on('SIGTERM', () => void dataPlane.close().then(() => process.exit(0)));
}

// --- time to first request ---
function firstOk(agent: Agent, port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/r/first', headers: { host }, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function timeToFirstRequest(upstreamPort: number): Promise<{ samples: number[]; abandoned: number }> {
  const platform = await startPlatform({ env: { GATEHOUSE_RATE_LIMIT_RPS: '0', GATEHOUSE_LOG_LEVEL: 'warn' } });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const samples: number[] = [];
  let abandoned = 0;
  const deadline = Date.now() + BUDGET_MS;
  try {
    for (let i = 0; i < TTFR_GATEWAYS && Date.now() < deadline; i++) {
      const cp = await platform.api('POST', '/v2/control-planes', { name: `ttfr-${i}`, cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true });
      const base = `/v2/control-planes/${cp.body.id}/core-entities`;
      const service = await platform.api('POST', `${base}/services`, { name: 'up', url: `http://127.0.0.1:${upstreamPort}` });
      await platform.api('POST', `${base}/services/${service.body.id}/routes`, { name: 'r', paths: ['/r'] });
      const started = performance.now();
      const put = await platform.api('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: cp.body.id, control_plane_geo: 'us', kind: 'serverless.v1', dataplane_groups: [{ provider: 'aws', region: 'us' }] });
      if (put.status !== 201) throw new Error(`PUT configuration: ${put.status} ${JSON.stringify(put.body)}`);
      const hostname: string = put.body.dataplane_groups[0].hostnames[0];
      let isServed = false;
      while (!isServed && performance.now() - started < 10_000) {
        isServed = await firstOk(agent, platform.proxyPort, hostname);
        if (!isServed) await new Promise((r) => setTimeout(r, 1));
      }
      if (isServed) samples.push(performance.now() - started);
      else abandoned++;
    }
  } finally {
    agent.destroy();
    await platform.destroy();
  }
  return { samples: samples.sort((a, b) => a - b), abandoned };
}

// --- density ---
interface Loaded { child: Started; rssPerGatewayKb: number; host: string; url: string; best?: LoadResult; dir: string }

async function loadGateways(upstreamPort: number, count: number): Promise<Loaded> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-fleet-bench-'));
  const resultFile = join(dir, 'rss.json');
  // Loading 1,000 gateways takes a while on a busy machine: startServer waits up to 15 s for PORT.
  const child: Started = await startServer([NODE, '--expose-gc', HERE, 'density', String(upstreamPort), String(count), resultFile], 0);
  const { before, after } = JSON.parse(readFileSync(resultFile, 'utf8')) as { before: number; after: number };
  return { child, dir, rssPerGatewayKb: (after - before) / count / 1024, host: hostnameOf(Math.floor(count / 2)), url: `http://127.0.0.1:${child.port}/r${ROUTES / 2}/items` };
}

/**
 * Both processes stay up and the load alternates between them, ROUNDS times, keeping each one's best
 * round: on a shared machine a neighbour's burst then hurts one round, not one side of the ratio.
 */
async function density(upstreamPort: number): Promise<{ one: Loaded; many: Loaded }> {
  const one = await loadGateways(upstreamPort, 1);
  const many = await loadGateways(upstreamPort, DENSITY_GATEWAYS).catch(async (err) => {
    await one.child.stop();
    throw err;
  });
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? [one, many] : [many, one]) {
        if (round === 0) await load({ url: side.url, host: side.host, seconds: 1, connections: 16, cpu: 1 }); // Warm-up: JIT, pools, keep-alive.
        const result = await load({ url: side.url, host: side.host, seconds: LOAD_SECONDS, connections: 16, cpu: 1 });
        if (!side.best || result.rps > side.best.rps) side.best = result;
      }
    }
    return { one, many };
  } finally {
    for (const side of [one, many]) {
      await side.child.stop();
      rmSync(side.dir, { recursive: true, force: true });
    }
  }
}

/** Runs both measures and returns the Markdown for the README. */
export async function runFleetBench(): Promise<string> {
  const upstream = await startServer([NODE, fileURLToPath(new URL('./proxy/upstream.ts', import.meta.url))], 1);
  const lines: string[] = [];
  try {
    const ttfr = await timeToFirstRequest(upstream.port);
    const s = ttfr.samples;
    lines.push(
      `Time to first request (PUT configuration -> first 200 through the new hostname; ${s.length} gateways one after another${ttfr.abandoned ? `, ${ttfr.abandoned} abandoned after 10 s` : ''}; target p99 < 1 s):`,
      '',
      '| Gateways | p50 ms | p99 ms | max ms |',
      '| ---: | ---: | ---: | ---: |',
      s.length === 0 ? '| 0 | - | - | - |' : `| ${s.length} | ${percentile(s, 50).toFixed(1)} | ${percentile(s, 99).toFixed(1)} | ${s[s.length - 1].toFixed(1)} |`,
      '',
    );
    const { one: oneSide, many: manySide } = await density(upstream.port);
    const one = { load: oneSide.best! };
    const many = { load: manySide.best!, rssPerGatewayKb: manySide.rssPerGatewayKb };
    const ratio = many.load.rps / one.load.rps;
    lines.push(
      `Density (one data-plane process, gateways of ${ROUTES} routes, load through one gateway with ${many.load.tool}, best of ${ROUNDS} alternating rounds of ${LOAD_SECONDS} s, 16 connections; targets < 100 KB per gateway, ratio >= 0.9):`,
      '',
      '| Gateways | RSS per gateway KB | req/s | p99 ms | errors | vs 1 gateway |',
      '| ---: | ---: | ---: | ---: | ---: | ---: |',
      `| 1 | - | ${one.load.rps.toFixed(0)} | ${one.load.p99Ms.toFixed(2)} | ${one.load.errors} | 1.00 |`,
      `| ${DENSITY_GATEWAYS} | ${many.rssPerGatewayKb.toFixed(1)} | ${many.load.rps.toFixed(0)} | ${many.load.p99Ms.toFixed(2)} | ${many.load.errors} | ${ratio.toFixed(2)} |`,
    );
  } finally {
    await upstream.stop();
  }
  return lines.join('\n');
}

if (import.meta.main && process.argv[2] === 'density') await densityChild(Number(process.argv[3]), Number(process.argv[4]), process.argv[5]);
else if (import.meta.main) process.stdout.write((await runFleetBench()) + '\n');
