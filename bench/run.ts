// `npm run bench`: every benchmark in one run, printed as Markdown tables (copied into the README).
// Sections whose module is not there yet are skipped. BENCH_ONLY=proxy,router limits the run.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hasNginx } from './proxy/nginx.ts';
import { hasWrk } from './proxy/load.ts';
import { printProxyTable, runProxyBench } from './proxy/index.ts';

const only = process.env.BENCH_ONLY?.split(',');
const wanted = (name: string) => !only || only.includes(name);
const out = (text: string) => process.stdout.write(text + '\n');

out(`# Gatehouse benchmarks (${new Date().toISOString()}, Node ${process.version}, ${(await import('node:os')).cpus().length} CPUs)\n`);
if (!hasWrk()) out('wrk not found: using autocannon, which shares the load generator core with its own JS (install: apt-get install wrk).');
if (!hasNginx()) out('nginx not found: the nginx reference is skipped (install: apt-get install nginx-light).');

if (wanted('proxy')) {
  out('## Proxy throughput\n');
  out(printProxyTable(await runProxyBench()));
}

// Sections contributed by other benchmarks, each exporting run<Name>Bench() returning printable text.
const sections: [name: string, file: string, fn: string][] = [
  ['router', './router.bench.ts', 'runRouterBench'],
  ['plugins', './plugins.bench.ts', 'runPluginsBench'],
  ['propagation', './propagation.bench.ts', 'runPropagationBench'],
  ['fleet', './fleet.bench.ts', 'runFleetBench'],
];
for (const [name, file, fn] of sections) {
  if (!wanted(name)) continue;
  if (!existsSync(fileURLToPath(new URL(file, import.meta.url)))) {
    out(`\n## ${name}: not present yet`);
    continue;
  }
  const mod = await import(file);
  out(`\n## ${name}\n`);
  const result = await mod[fn]();
  // A section may ship its own printer (print<Name>Table) for the figures it returns.
  const printer = Object.entries(mod).find(([key, value]) => /^print.*Table$/.test(key) && typeof value === 'function')?.[1] as ((r: unknown) => string) | undefined;
  if (typeof result === 'string') out(result);
  else if (printer) out(printer(result));
  else if (result !== undefined) out('```\n' + JSON.stringify(result, null, 2) + '\n```');
}
