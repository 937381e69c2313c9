import { useState } from 'preact/hooks';
import { api, coreBase, gatewayState, gatewayUrl, gatewayUrls, hostnameOf, loadGateway, optional } from '../../api.tsx';
import { loadAnalytics, type Analytics, type AnalyticsQuery } from '../../analytics.tsx';
import { formatNumber, formatTime, Link, useLoad, usePoll } from '../../lib.tsx';
import { BarList, LineChart } from '../../components/charts.tsx';
import { CopyLine, Empty, StateBadge, Status, UrlFacts } from '../../components/widgets.tsx';

interface DataPlaneNode { id: string; hostname?: string; version?: string; config_hash?: string; last_ping?: number | string; type?: string; sync_status?: string }

const RANGES = { '1h': { minutes: 60, granularity: 'minute' }, '24h': { minutes: 1440, granularity: 'hour' } } as const;
type Range = keyof typeof RANGES;
const CLASS_COLORS: Record<string, string> = { '2xx': '#1a7f37', '3xx': '#0969da', '4xx': '#bf8700', '5xx': '#cf222e' };

async function loadOverview(id: string, range: Range) {
  const q = RANGES[range];
  const query = (extra: Partial<AnalyticsQuery>) => loadAnalytics(id, { ...q, ...extra }).catch(() => undefined);
  const names = (path: string) => api<{ data: { id: string; name?: string; username?: string }[] }>('GET', `${coreBase(id)}/${path}?size=1000`).then((b) => b.data).catch(() => []);
  const cp = `/v2/control-planes/${encodeURIComponent(id)}`;
  const [gateway, nodes, expected, byClass, overall, topRoutes, topConsumers, routes, consumers] = await Promise.all([
    loadGateway(id),
    optional<{ items?: DataPlaneNode[]; data?: DataPlaneNode[] }>('GET', `${cp}/nodes?page[size]=100`).catch(() => undefined),
    optional<{ expected_hash: string }>('GET', `${cp}/expected-config-hash`).catch(() => undefined),
    query({ groupBy: 'status_class' }),
    query({}),
    query({ groupBy: 'route', top: 5 }),
    query({ groupBy: 'consumer', top: 5 }),
    names('routes'),
    names('consumers'),
  ]);
  const nameOf = new Map([...routes.map((r) => [r.id, r.name ?? r.id] as const), ...consumers.map((c) => [c.id, c.username ?? c.name ?? c.id] as const)]);
  return { gateway, nodes: nodes ? (nodes.items ?? nodes.data ?? []) : undefined, expectedHash: expected?.expected_hash, byClass, overall, topRoutes, topConsumers, nameOf };
}

export function Overview({ id }: { id: string }) {
  const [range, setRange] = useState<Range>('1h');
  const { data, error, isLoading, reload } = useLoad(() => loadOverview(id, range), [id, range]);
  const isSettling = data ? gatewayState(data.gateway) !== 'ready' : false;
  usePoll(reload, isSettling ? 1000 : 30_000, Boolean(data));

  return (
    <Status isLoading={isLoading && !data} error={error}>
      {data && (
        <>
          <div class="grid-2">
            <section class="card" aria-labelledby="connect-h">
              <h2 id="connect-h">Connect</h2>
              <dl class="facts">
                <dt>State</dt>
                <dd><StateBadge state={gatewayState(data.gateway)} />{data.gateway.configuration?.dataplane_groups[0]?.state_metadata?.reason && <span class="muted"> {data.gateway.configuration.dataplane_groups[0].state_metadata.reason}</span>}</dd>
                {hostnameOf(data.gateway) && (
                  <>
                    <dt>Public Edge DNS</dt>
                    <dd><CopyLine text={hostnameOf(data.gateway)!} label="Public Edge DNS" /><p class="hint">Point custom domains here with a CNAME record.</p></dd>
                    <UrlFacts urls={gatewayUrls(data.gateway)} />
                    <dt>Try it</dt>
                    <dd>
                      <CopyLine text={`curl -i ${gatewayUrl(data.gateway)}/`} label="curl command" />
                      {gatewayUrls(data.gateway).https && <p class="hint">Where the platform signs its own certificates (its local CA), add <code>--cacert</code> with its <code>tls/ca.crt</code>, or use the HTTP URL.</p>}
                    </dd>
                  </>
                )}
                <dt>Region</dt>
                <dd>{data.gateway.configuration?.control_plane_geo?.toUpperCase() ?? '—'}</dd>
                <dt>Control plane ID</dt>
                <dd><code>{data.gateway.cp.id}</code></dd>
              </dl>
            </section>
            <section class="card" aria-labelledby="nodes-h">
              <h2 id="nodes-h">Data-plane nodes</h2>
              {data.nodes === undefined ? (
                <p class="muted">This server does not list data-plane nodes yet. Serverless gateways run on the shared fleet.</p>
              ) : data.nodes.length === 0 ? (
                <p class="muted">No nodes have connected.</p>
              ) : (
                <NodeTable nodes={data.nodes} expectedHash={data.expectedHash} />
              )}
            </section>
          </div>
          <section aria-labelledby="traffic-h">
            <div class="page-head">
              <h2 id="traffic-h">Traffic</h2>
              <label class="inline">Range{' '}
                <select value={range} onChange={(e) => setRange(e.currentTarget.value as Range)}>
                  <option value="1h">Last hour</option>
                  <option value="24h">Last 24 hours</option>
                </select>
              </label>
            </div>
            {data.byClass && data.overall ? <Charts data={data} /> : (
              <Empty>
                <p>Traffic analytics are not available on this server yet.</p>
                <p class="muted">Requests still flow; the data plane's Prometheus endpoint can be scraped meanwhile. <Link href={`/gateways/${encodeURIComponent(id)}/routes`}>Manage routes</Link></p>
              </Empty>
            )}
          </section>
        </>
      )}
    </Status>
  );
}

const isZeroHash = (hash: string | undefined): boolean => !hash || /^0+$/.test(hash);

/** Whether a node runs the configuration the control plane expects, in words. */
function syncLabel(node: DataPlaneNode, expectedHash: string | undefined): { text: string; tone: 'ok' | 'busy' | 'bad' } {
  if (isZeroHash(node.config_hash)) return { text: 'no configuration yet', tone: 'busy' };
  if (expectedHash && !isZeroHash(expectedHash)) return node.config_hash === expectedHash ? { text: 'up to date', tone: 'ok' } : { text: 'out of date', tone: 'busy' };
  const status = node.sync_status?.replace(/_/g, ' ');
  return { text: status ?? 'unknown', tone: node.sync_status === 'normal' ? 'ok' : 'busy' };
}

const lastSeen = (ping: number | string | undefined): string => (ping ? formatTime(typeof ping === 'number' && ping < 1e12 ? ping * 1000 : ping) : '—');

function NodeTable({ nodes, expectedHash }: { nodes: DataPlaneNode[]; expectedHash: string | undefined }) {
  return (
    <>
      {expectedHash && !isZeroHash(expectedHash) && <p class="small muted">Expected config hash <code aria-label="Expected config hash">{expectedHash.slice(0, 12)}</code></p>}
      <div class="table-wrap">
        <table class="stack">
          <caption class="sr-only">Data-plane nodes</caption>
          <thead><tr><th scope="col">Host</th><th scope="col">Version</th><th scope="col">Config hash</th><th scope="col">Sync</th><th scope="col">Last seen</th></tr></thead>
          <tbody>
            {nodes.map((n) => {
              const sync = syncLabel(n, expectedHash);
              return (
                <tr key={n.id}>
                  <th scope="row">{n.hostname ?? n.id}</th>
                  <td data-label="Version">{n.version ?? '—'}</td>
                  <td data-label="Config hash"><code title={n.config_hash}>{n.config_hash?.slice(0, 12) ?? '—'}</code></td>
                  <td data-label="Sync"><span class={`badge badge-${sync.tone}`}>{sync.text}</span></td>
                  <td data-label="Last seen">{lastSeen(n.last_ping)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

const sum = (points: { requests: number }[]): number => points.reduce((n, p) => n + p.requests, 0);

function Charts({ data }: { data: Awaited<ReturnType<typeof loadOverview>> }) {
  const byClass = data.byClass as Analytics;
  const overall = data.overall as Analytics;
  const start = Date.parse(byClass.meta.start);
  const end = Date.parse(byClass.meta.end);
  const seconds = byClass.meta.granularity === 'minute' ? 60 : 3600;
  const classes = byClass.series.slice().sort((a, b) => String(a.key).localeCompare(String(b.key)));
  const rps = classes.map((s) => ({
    name: String(s.key), detail: `${formatNumber(sum(s.points))} requests`, color: CLASS_COLORS[String(s.key)] ?? '#6e7781', values: s.points.map((p) => ({ t: Date.parse(p.t), v: p.requests / seconds })),
  }));
  const points = (overall.series[0]?.points ?? []).filter((p) => p.requests > 0);
  const ms = (v: number) => `${v >= 100 ? Math.round(v) : v.toFixed(1)} ms`;
  const peak = (pick: (p: Analytics['series'][number]['points'][number]) => number | null) => Math.max(0, ...points.map((p) => pick(p) ?? 0));
  const latency = [
    { name: 'p50', detail: `up to ${ms(peak((p) => p.latency.total.p50))}`, color: '#0969da', values: points.map((p) => ({ t: Date.parse(p.t), v: p.latency.total.p50 ?? 0 })) },
    { name: 'p99', detail: `up to ${ms(peak((p) => p.latency.total.p99))}`, color: '#8250df', values: points.map((p) => ({ t: Date.parse(p.t), v: p.latency.total.p99 ?? 0 })) },
  ];
  const total = sum(overall.series[0]?.points ?? []);
  // A `null` key is traffic without that dimension: no route matched, or no consumer identified.
  const top = (a: Analytics | undefined, none: string | null) => (a?.top ?? a?.series.map((s) => ({ key: s.key, requests: sum(s.points) })) ?? [])
    .filter((t) => t.requests > 0 && (t.key !== null || none !== null))
    .slice(0, 5)
    .map((t) => ({ label: t.key === null ? none! : data.nameOf.get(t.key) ?? t.key, value: t.requests }));
  const summary = rps.map((s) => `${s.name}: ${s.detail}`).join(', ') || 'no traffic';
  return (
    <>
      <p class="muted" data-testid="traffic-total">{formatNumber(total)} requests in this range.</p>
      <div class="grid-2">
        <LineChart title="Requests per second by status class" series={rps} start={start} end={end} format={(v) => (v >= 10 ? v.toFixed(0) : v.toFixed(2))} summary={summary} />
        <LineChart title="Latency (p50, p99)" series={latency} start={start} end={end} format={ms} summary={latency.map((l) => `${l.name} ${l.detail}`).join(', ')} />
        <BarList title="Top routes" items={top(data.topRoutes, '(no route matched)')} empty="No traffic on routes yet." />
        <BarList title="Top consumers" items={top(data.topConsumers, null)} empty="No identified consumers yet." />
      </div>
    </>
  );
}
