import { fileURLToPath } from 'node:url';
import { hasWrk, load } from './proxy/load.ts';
import { cpuSeconds, startServer } from './proxy/processes.ts';

// The plugin-chain benchmark (issue 5): the same route with no plugins, with key-auth, and with
// key-auth + rate-limiting (local) + cors + request-transformer, each as a ratio to the no-plugin case
// of the same run (target: the four-plugin chain keeps ≥ 0.85). Same processes as bench/proxy/:
// the data plane alone on CPU 0, load and upstream on CPU 1. The key travels in the query (the load
// generator sends no custom headers), so key-auth also rewrites the query (hide_credentials).

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const NODE = process.execPath;

interface PluginCase {
  name: string;
  rps: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  errors: number;
}

const CASES: Array<[name: string, chain: string, path: string]> = [
  ['no plugins', 'none', '/r0/items'],
  ['key-auth', 'key-auth', '/r0/items?apikey=bench-key'],
  ['key-auth + rate-limiting (local) + cors + request-transformer', 'four', '/r0/items?apikey=bench-key'],
];

export async function runPluginsBench(options: { seconds?: number; connections?: number } = {}): Promise<string> {
  const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 5);
  const connections = options.connections ?? 50;
  const upstream = await startServer([NODE, here('proxy/upstream.ts')], 1);
  const cases: PluginCase[] = [];
  try {
    for (const [name, chain, path] of CASES) {
      const server = await startServer([NODE, here('plugins-server.ts'), String(upstream.port), chain], 0);
      try {
        const url = `http://127.0.0.1:${server.port}${path}`;
        await load({ url, host: 'bench.localhost', seconds: 1, connections, cpu: 1 }); // Warm-up.
        const before = cpuSeconds(server.child.pid!);
        const r = await load({ url, host: 'bench.localhost', seconds, connections, cpu: 1 });
        const cpu = cpuSeconds(server.child.pid!) - before;
        cases.push({ name, rps: r.rps, p99Ms: r.p99Ms, cpuUsPerRequest: r.requests ? (cpu * 1e6) / r.requests : NaN, errors: r.errors });
      } finally {
        await server.stop();
      }
    }
  } finally {
    await upstream.stop();
  }
  return printPluginsTable(cases);
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function printPluginsTable(cases: PluginCase[]): string {
  const base = cases[0]?.rps ?? NaN;
  const lines = ['| chain | req/s | vs no plugins | p99 ms | proxy CPU µs/req | errors |', '| --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const c of cases) lines.push(`| ${c.name} | ${fmt(c.rps)} | ${fmt(c.rps / base, 2)} | ${fmt(c.p99Ms, 2)} | ${fmt(c.cpuUsPerRequest)} | ${c.errors} |`);
  const four = cases[2];
  if (four) lines.push('', `Four-plugin chain / no plugins: ${fmt(four.rps / base, 2)} (target ≥ 0.85).`);
  lines.push(`Load: ${hasWrk() ? 'wrk' : 'autocannon'} on CPU 1 with the upstream; data plane alone on CPU 0.`);
  return lines.join('\n');
}
