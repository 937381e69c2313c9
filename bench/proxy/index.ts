import { fileURLToPath } from 'node:url';
import { load, hasWrk, type LoadResult } from './load.ts';
import { cpuSeconds, rssMb, startServer, type Started } from './processes.ts';
import { hasNginx, startNginx } from './nginx.ts';

// The proxy benchmark (issue 4): one run, loopback, bounded. Every case proxies to the same upstream;
// the proxy under test gets CPU 0 to itself, the load generator and the upstream share CPU 1.

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const NODE = process.execPath;

export interface ProxyCase { name: string; rps: number; p50Ms: number; p99Ms: number; cpuUsPerRequest: number; rssMb: number; errors: number }

async function measure(name: string, server: Started, host: string | undefined, path: string, seconds: number, connections: number): Promise<ProxyCase> {
  const url = `http://127.0.0.1:${server.port}${path}`;
  await load({ url, host, seconds: 1, connections, cpu: 1 }); // Warm-up: JIT, pools, keep-alive connections.
  const before = server.pids().reduce((a, pid) => a + cpuSeconds(pid), 0);
  const result: LoadResult = await load({ url, host, seconds, connections, cpu: 1 });
  const cpu = server.pids().reduce((a, pid) => a + cpuSeconds(pid), 0) - before;
  const rss = server.pids().reduce((a, pid) => a + rssMb(pid), 0);
  return { name, rps: result.rps, p50Ms: result.p50Ms, p99Ms: result.p99Ms, cpuUsPerRequest: result.requests ? (cpu * 1e6) / result.requests : NaN, rssMb: rss, errors: result.errors };
}

export async function runProxyBench(options: { seconds?: number; connections?: number } = {}): Promise<ProxyCase[]> {
  const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 5);
  const connections = options.connections ?? 50;
  const upstream = await startServer([NODE, here('upstream.ts')], 1);
  const cases: ProxyCase[] = [];
  const run = async (name: string, start: () => Promise<Started>, host?: string, path = '/') => {
    const server = await start();
    try {
      cases.push(await measure(name, server, host, path, seconds, connections));
    } finally {
      await server.stop();
    }
  };
  try {
    await run('direct (upstream alone)', () => startServer([NODE, here('upstream.ts')], 0));
    await run('node:http + undici (bare)', () => startServer([NODE, here('bare-proxy.ts'), String(upstream.port)], 0));
    await run('http-proxy', () => startServer([NODE, here('http-proxy-lib.ts'), String(upstream.port)], 0));
    await run('@fastify/http-proxy', () => startServer([NODE, here('fastify-proxy-lib.ts'), String(upstream.port)], 0));
    await run('gatehouse, 1 route', () => startServer([NODE, here('gatehouse.ts'), String(upstream.port), '1'], 0), 'bench.localhost', '/r0/items');
    await run('gatehouse, 1,000 routes', () => startServer([NODE, here('gatehouse.ts'), String(upstream.port), '1000'], 0), 'bench.localhost', '/r500/items');
    if (hasNginx()) await run('nginx (1 worker, keepalive)', () => startNginx(upstream.port, 0));
  } finally {
    await upstream.stop();
  }
  return cases;
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function printProxyTable(cases: ProxyCase[]): string {
  const lines = ['| case | req/s | p50 ms | p99 ms | proxy CPU µs/req | RSS MB | errors |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const c of cases) lines.push(`| ${c.name} | ${fmt(c.rps)} | ${fmt(c.p50Ms, 2)} | ${fmt(c.p99Ms, 2)} | ${fmt(c.cpuUsPerRequest)} | ${fmt(c.rssMb)} | ${c.errors} |`);
  const by = (prefix: string) => cases.find((c) => c.name.startsWith(prefix));
  const gh = by('gatehouse, 1 route');
  const ratios: string[] = [];
  const ratio = (label: string, other: ProxyCase | undefined, base = gh) => {
    if (base && other) ratios.push(`- ${label}: ${(base.rps / other.rps).toFixed(2)}x`);
  };
  ratio('Gatehouse / direct', by('direct'));
  ratio('Gatehouse / bare node:http + undici (target ≥ 1.0)', by('node:http'));
  const libs = [by('http-proxy'), by('@fastify')].filter(Boolean) as ProxyCase[];
  const bestLib = libs.sort((a, b) => b.rps - a.rps)[0];
  ratio(`Gatehouse / best Node gateway library, ${bestLib?.name} (target ≥ 2.0)`, bestLib);
  ratio('Gatehouse / nginx (stretch ≥ 0.5)', by('nginx'));
  ratio('Gatehouse 1,000 routes / 1 route (target ≥ 0.95)', gh, by('gatehouse, 1,000'));
  lines.push('', `Load: ${hasWrk() ? 'wrk' : 'autocannon'} on CPU 1 with the upstream; proxy under test alone on CPU 0.`, ...ratios);
  return lines.join('\n');
}
