// Router micro-benchmark: matches per second at 10, 1,000 and 10,000 routes, for host + prefix routes
// (the common case the index is built for) and a mixed set (wildcard hosts, method-only, regex,
// header routes), plus the build time. Plain performance.now loops, bounded in count and time; the
// best of a few runs is kept because the machine is shared.
// Run alone: `node bench/router.bench.ts`; `npm run bench` calls runRouterBench().
import { fileURLToPath } from 'node:url';
import { routeSchema, validate, type Route } from '@gatehouse/schema';
import { createRouter, type MatchInput } from '@gatehouse/data-plane/router/index.ts';

export interface RouterBenchFigure {
  case: 'host+prefix' | 'mixed';
  routes: number;
  /** Router entries after splitting. */
  entries: number;
  buildMs: number;
  matchesPerSec: number;
}

export interface RouterBenchOptions {
  sizes?: number[];
  /** Runs per case; the best is kept. */
  runs?: number;
  /** Time bound of one run. */
  runMs?: number;
}

const REQUESTS = 1024;
// Rates are per CPU second of this thread: on a shared machine wall time also counts the time other
// processes held the core.
const cpuMs = (): number => {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
};
const BATCH = 4096;
const MAX_MATCHES = 50_000_000;

let seq = 0;
function route(fields: Partial<Route>): Route {
  seq++;
  const id = `00000000-0000-4000-8000-${seq.toString(16).padStart(12, '0')}`;
  const r = validate(routeSchema, { id, created_at: 1_700_000_000 + seq, updated_at: 1_700_000_000 + seq, ...fields });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const input = (host: string, path: string, method = 'GET', headers: MatchInput['headers'] = {}): MatchInput => ({ method, host, port: 8000, path, headers });

/** n routes over n/10 hosts, ten prefixes each; requests go below a random route's prefix. */
function hostPrefix(n: number): { routes: Route[]; requests: MatchInput[] } {
  const routes: Route[] = [];
  for (let i = 0; i < n; i++) routes.push(route({ hosts: [`svc-${Math.floor(i / 10)}.example.com`], paths: [`/api/v${i % 10}/resource-${i}`] }));
  const requests: MatchInput[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const k = (i * 7919) % n;
    requests.push(input(`svc-${Math.floor(k / 10)}.example.com`, `/api/v${k % 10}/resource-${k}/items/42`));
  }
  return { routes, requests };
}

/** Exact host + prefix, wildcard host + prefix, method + prefix, regex and header routes in turn. */
function mixed(n: number): { routes: Route[]; requests: MatchInput[] } {
  const routes: Route[] = [];
  const requests: MatchInput[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 5) {
      case 0:
        routes.push(route({ hosts: [`exact-${i}.example.com`], paths: [`/a/${i}`] }));
        break;
      case 1:
        routes.push(route({ hosts: [`*.wild-${i}.example.com`], paths: [`/b/${i}`] }));
        break;
      case 2:
        routes.push(route({ methods: ['GET', 'POST'], paths: [`/c/${i}/`] }));
        break;
      case 3:
        routes.push(route({ paths: [`~/d/${i}/(?<id>\\d+)$`], regex_priority: i % 3 }));
        break;
      default:
        routes.push(route({ headers: { 'x-tenant': [`t-${i}`] }, paths: [`/e/${i}`] }));
    }
  }
  for (let i = 0; i < REQUESTS; i++) {
    const k = (i * 7919) % n;
    const requestsByKind = [
      () => input(`exact-${k}.example.com`, `/a/${k}/x`),
      () => input(`api.wild-${k}.example.com`, `/b/${k}/x`),
      () => input('any.test', `/c/${k}/x`, 'POST'),
      () => input('any.test', `/d/${k}/123`),
      () => input('any.test', `/e/${k}`, 'GET', { 'x-tenant': `t-${k}` }),
    ];
    requests.push(requestsByKind[k % 5]());
  }
  return { routes, requests };
}

function measure(kind: RouterBenchFigure['case'], n: number, runs: number, runMs: number): RouterBenchFigure {
  const { routes, requests } = kind === 'host+prefix' ? hostPrefix(n) : mixed(n);
  const targets = routes.map((r) => ({ route: r, payload: r.id }));
  let buildMs = Infinity;
  let router = createRouter(targets);
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    router = createRouter(targets);
    buildMs = Math.min(buildMs, performance.now() - t0);
  }
  // Every request must match: a benchmark of misses measures nothing.
  for (const r of requests) if (router.match(r) === null) throw new Error(`bench request ${r.host}${r.path} matched nothing`);

  let best = 0;
  let sink = 0;
  for (let run = 0; run < runs; run++) {
    let count = 0;
    const t0 = performance.now();
    const cpu0 = cpuMs();
    while (performance.now() - t0 < runMs && count < MAX_MATCHES) {
      for (let i = 0; i < BATCH; i++) if (router.match(requests[i & (REQUESTS - 1)]) !== null) sink++;
      count += BATCH;
    }
    best = Math.max(best, (count / (cpuMs() - cpu0)) * 1000);
  }
  if (sink === 0) throw new Error('unreachable');
  return { case: kind, routes: n, entries: router.size, buildMs: Math.round(buildMs * 100) / 100, matchesPerSec: Math.round(best) };
}

/**
 * Runs the router benchmark and returns its figures.
 * @example const figures = runRouterBench({ sizes: [10], runs: 1, runMs: 50 });
 */
export function runRouterBench(options: RouterBenchOptions = {}): RouterBenchFigure[] {
  const { sizes = [10, 1_000, 10_000], runs = 3, runMs = 400 } = options;
  const figures: RouterBenchFigure[] = [];
  for (const kind of ['host+prefix', 'mixed'] as const) for (const n of sizes) figures.push(measure(kind, n, runs, runMs));
  return figures;
}

/** The figures as a Markdown table. */
export function printRouterTable(figures: RouterBenchFigure[]): string {
  const rows = figures.map((f) => `| ${f.case} | ${f.routes.toLocaleString('en')} | ${f.entries.toLocaleString('en')} | ${f.matchesPerSec.toLocaleString('en')} | ${f.buildMs} |`);
  return ['| case | routes | entries | matches/s | build ms |', '|---|---:|---:|---:|---:|', ...rows].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(printRouterTable(runRouterBench()));
