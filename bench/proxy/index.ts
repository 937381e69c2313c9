import { fileURLToPath } from 'node:url';
import { hasWrk } from './load.ts';
import { startServer } from './processes.ts';
import { hasNginx, startNginx } from './nginx.ts';
import { fmt, fmtRatio, pairedRatio, runRounds, type Contestant, type ContestantResult } from './rounds.ts';

// The proxy benchmark (issue 4): one run, loopback, bounded. Every case proxies to the same upstream;
// the proxy under test gets CPU 0 to itself, the load generator and the upstream share CPU 1. All
// cases stay up for the whole run and are loaded in interleaved rounds (rounds.ts): BENCH_ROUNDS
// rounds (10) of BENCH_SECONDS (2) per case. Ratios are paired within a round; medians are reported.
// BENCH_BUN=<path to a bun binary> adds Gatehouse's same data plane run by Bun (gatehouse-bun.ts), as
// a measured alternative to node:http for the stretch target; unset, the run is Node and nginx only.

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const NODE = process.execPath;

export interface ProxyBenchResult { cases: ContestantResult[]; rounds: number; seconds: number }

export async function runProxyBench(options: { seconds?: number; rounds?: number; connections?: number } = {}): Promise<ProxyBenchResult> {
  const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 2);
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 10);
  const connections = options.connections ?? 50;
  const upstream = await startServer([NODE, here('upstream.ts')], 1);
  const port = String(upstream.port);
  const contestants: Contestant[] = [
    { name: 'direct (upstream alone)', start: () => startServer([NODE, here('upstream.ts')], 0) },
    { name: 'node:http + undici (bare)', start: () => startServer([NODE, here('bare-proxy.ts'), port], 0) },
    { name: 'node:http + undici dispatch (floor)', start: () => startServer([NODE, here('dispatch-floor.ts'), port], 0) },
    { name: 'http-proxy', start: () => startServer([NODE, here('http-proxy-lib.ts'), port], 0) },
    { name: '@fastify/http-proxy', start: () => startServer([NODE, here('fastify-proxy-lib.ts'), port], 0) },
    { name: 'gatehouse, 1 route', start: () => startServer([NODE, here('gatehouse.ts'), port, '1'], 0), host: 'bench.localhost', path: '/r0/items' },
    { name: 'gatehouse, 1,000 routes', start: () => startServer([NODE, here('gatehouse.ts'), port, '1000'], 0), host: 'bench.localhost', path: '/r500/items' },
  ];
  const bun = process.env.BENCH_BUN;
  if (bun) contestants.push({ name: 'gatehouse on Bun, 1 route', start: () => startServer([bun, here('gatehouse-bun.ts'), port, '1'], 0), host: 'bench.localhost', path: '/r0/items' });
  if (hasNginx()) contestants.push({ name: 'nginx (1 worker, keepalive)', start: () => startNginx(upstream.port, 0) });
  try {
    const cases = await runRounds(contestants, { rounds, seconds, connections, loadCpu: 1, log: (line) => process.stderr.write(`proxy ${line}\n`) });
    return { cases, rounds, seconds };
  } finally {
    await upstream.stop();
  }
}

export function printProxyTable(result: ProxyBenchResult): string {
  const { cases } = result;
  const lines = [
    '| case | req/s (median) | req/s range | p50 ms | p99 ms | proxy CPU µs/req | RSS MB | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of cases) lines.push(`| ${c.name} | ${fmt(c.rps)} | ${fmt(c.rpsMin)}–${fmt(c.rpsMax)} | ${fmt(c.p50Ms, 2)} | ${fmt(c.p99Ms, 2)} | ${fmt(c.cpuUsPerRequest)} | ${fmt(c.rssMb)} | ${c.errors} |`);
  const by = (prefix: string) => cases.find((c) => c.name.startsWith(prefix));
  const gh = by('gatehouse, 1 route');
  const ratios: string[] = [];
  const ratio = (label: string, a: ContestantResult | undefined, b: ContestantResult | undefined) => {
    if (a && b) ratios.push(`- ${label}: ${fmtRatio(pairedRatio(a, b))}; CPU per request ${fmt(b.cpuUsPerRequest / a.cpuUsPerRequest, 2)}x`);
  };
  ratio('Gatehouse / direct', gh, by('direct'));
  ratio('Gatehouse / bare node:http + undici (target ≥ 1.0)', gh, by('node:http + undici (bare)'));
  ratio('Gatehouse / node:http + undici dispatch floor (no routing, no headers work)', gh, by('node:http + undici dispatch'));
  const libs = [by('http-proxy'), by('@fastify')].filter(Boolean) as ContestantResult[];
  const bestLib = libs.sort((a, b) => b.rps - a.rps)[0];
  ratio(`Gatehouse / best Node gateway library, ${bestLib?.name} (target ≥ 2.0)`, gh, bestLib);
  ratio('Gatehouse / nginx (stretch ≥ 0.5)', gh, by('nginx'));
  ratio('Gatehouse 1,000 routes / 1 route (target ≥ 0.95)', by('gatehouse, 1,000'), gh);
  ratio('Gatehouse on Bun / on Node', by('gatehouse on Bun'), gh);
  ratio('Gatehouse on Bun / nginx', by('gatehouse on Bun'), by('nginx'));
  lines.push(
    '',
    `Load: ${hasWrk() ? 'wrk' : 'autocannon'} on CPU 1 with the upstream; proxy under test alone on CPU 0. ${result.rounds} interleaved rounds of ${result.seconds} s per case;`,
    'req/s, latencies and CPU are medians over rounds; ratios are taken within each round (median, and the range over rounds).',
    'The CPU figure is the other side\'s CPU per request over Gatehouse\'s (above 1 means Gatehouse spends less).',
    ...ratios,
  );
  return lines.join('\n');
}
