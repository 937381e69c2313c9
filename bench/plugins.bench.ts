import { fileURLToPath } from 'node:url';
import { hasWrk } from './proxy/load.ts';
import { startServer } from './proxy/processes.ts';
import { fmt, fmtRatio, pairedRatio, runRounds, type ContestantResult } from './proxy/rounds.ts';

// The plugin-chain benchmark (issue 5): the same route with no plugins, with key-auth, and with
// key-auth + rate-limiting (local) + cors + request-transformer, each as a ratio to the no-plugin case
// of the same round (target: the four-plugin chain keeps ≥ 0.85). Same processes and rounds as
// bench/proxy/: the data plane alone on CPU 0, load and upstream on CPU 1, every case up for the whole
// run and loaded in interleaved rounds (BENCH_ROUNDS, BENCH_SECONDS). The key travels in the query (the
// load generator sends no custom headers), so key-auth also rewrites the query (hide_credentials).

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const NODE = process.execPath;

const CASES: Array<[name: string, chain: string, path: string]> = [
  ['no plugins', 'none', '/r0/items'],
  ['key-auth', 'key-auth', '/r0/items?apikey=bench-key'],
  ['key-auth + rate-limiting (local) + cors + request-transformer', 'four', '/r0/items?apikey=bench-key'],
];

export async function runPluginsBench(options: { seconds?: number; rounds?: number; connections?: number } = {}): Promise<string> {
  const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 2);
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 10);
  const connections = options.connections ?? 50;
  const upstream = await startServer([NODE, here('proxy/upstream.ts')], 1);
  try {
    const cases = await runRounds(
      CASES.map(([name, chain, path]) => ({ name, host: 'bench.localhost', path, start: () => startServer([NODE, here('plugins-server.ts'), String(upstream.port), chain], 0) })),
      { rounds, seconds, connections, loadCpu: 1, log: (line) => process.stderr.write(`plugins ${line}\n`) },
    );
    return printPluginsTable(cases, rounds, seconds);
  } finally {
    await upstream.stop();
  }
}

export function printPluginsTable(cases: ContestantResult[], rounds: number, seconds: number): string {
  const base = cases[0]!;
  const lines = ['| chain | req/s (median) | vs no plugins (paired) | p99 ms | proxy CPU µs/req | errors |', '| --- | ---: | ---: | ---: | ---: | ---: |'];
  for (const c of cases) lines.push(`| ${c.name} | ${fmt(c.rps)} | ${c === base ? '1.00' : fmtRatio(pairedRatio(c, base))} | ${fmt(c.p99Ms, 2)} | ${fmt(c.cpuUsPerRequest)} | ${c.errors} |`);
  const four = cases[2];
  if (four) {
    lines.push('', `Four-plugin chain / no plugins: ${fmtRatio(pairedRatio(four, base))} (target ≥ 0.85); by CPU per request ${fmt(base.cpuUsPerRequest / four.cpuUsPerRequest, 2)}.`);
  }
  lines.push(`Load: ${hasWrk() ? 'wrk' : 'autocannon'} on CPU 1 with the upstream; data plane alone on CPU 0. ${rounds} interleaved rounds of ${seconds} s per case; medians over rounds.`);
  return lines.join('\n');
}
