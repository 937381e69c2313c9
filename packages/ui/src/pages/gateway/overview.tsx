import { useState } from 'preact/hooks';
import { api, coreBase, gatewayState, gatewayUrl, hostnameOf, loadGateway, optional } from '../../api.tsx';
import { loadAnalytics, type Analytics, type AnalyticsQuery } from '../../analytics.tsx';
import { formatNumber, formatTime, Link, useLoad, usePoll } from '../../lib.tsx';
import { BarList, LineChart } from '../../components/charts.tsx';
import { CopyLine, Empty, StateBadge, Status } from '../../components/widgets.tsx';

interface DataPlaneNode { id: string; hostname?: string; version?: string; config_hash?: string; last_ping?: number | string; type?: string }

const RANGES = { '1h': { minutes: 60, granularity: 'minute' }, '24h': { minutes: 1440, granularity: 'hour' } } as const;
type Range = keyof typeof RANGES;
const CLASS_COLORS: Record<string, string> = { '2xx': '#1a7f37', '3xx': '#0969da', '4xx': '#bf8700', '5xx': '#cf222e' };

async function loadOverview(id: string, range: Range) {
  const q = RANGES[range];
  const query = (extra: Partial<AnalyticsQuery>) => loadAnalytics(id, { ...q, ...extra }).catch(() => undefined);
  const names = (path: string) => api<{ data: { id: string; name?: string; username?: string }[] }>('GET', `${coreBase(id)}/${path}?size=1000`).then((b) => b.data).catch(() => []);
  const [gateway, nodes, byClass, overall, topRoutes, topConsumers, routes, consumers] = await Promise.all([
    loadGateway(id),
    optional<{ items?: DataPlaneNode[]; data?: DataPlaneNode[] }>('GET', `/v2/control-planes/${encodeURIComponent(id)}/nodes`).catch(() => undefined),
    query({ groupBy: 'status_class' }),
    query({}),
    query({ groupBy: 'route', top: 5 }),
    query({ groupBy: 'consumer', top: 5 }),
    names('routes'),
    names('consumers'),
  ]);
  const nameOf = new Map([...routes.map((r) => [r.id, r.name ?? r.id] as const), ...consumers.map((c) => [c.id, c.username ?? c.name ?? c.id] as const)]);
  return { gateway, nodes: nodes ? (nodes.items ?? nodes.data ?? []) : undefined, byClass, overall, topRoutes, topConsumers, nameOf };
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
                    <dt>URL</dt>
                    <dd><CopyLine text={gatewayUrl(data.gateway)!} label="URL" /></dd>
                    <dt>Try it</dt>
                    <dd><CopyLine text={`curl -i ${gatewayUrl(data.gateway)}/`} label="curl command" /></dd>
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
                <div class="table-wrap">
                  <table>
                    <thead><tr><th scope="col">Host</th><th scope="col">Version</th><th scope="col">Config hash</th><th scope="col">Last seen</th></tr></thead>
                    <tbody>
                      {data.nodes.map((n) => (
                        <tr key={n.id}><td>{n.hostname ?? n.id}</td><td>{n.version ?? '—'}</td><td><code>{n.config_hash?.slice(0, 12) ?? '—'}</code></td><td>{n.last_ping ? formatTime(typeof n.last_ping === 'number' && n.last_ping < 1e12 ? n.last_ping * 1000 : n.last_ping) : '—'}</td></tr>
                      ))}
                    </tbody>
                  </table>
                </div>
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

function Charts({ data }: { data: Awaited<ReturnType<typeof loadOverview>> }) {
  const byClass = data.byClass as Analytics;
  const overall = data.overall as Analytics;
  const start = Date.parse(byClass.meta.start);
  const end = Date.parse(byClass.meta.end);
  const seconds = byClass.meta.granularity === 'minute' ? 60 : 3600;
  const rps = byClass.series.slice().sort((a, b) => a.key.localeCompare(b.key)).map((s) => ({
    name: s.key, color: CLASS_COLORS[s.key] ?? '#6e7781', values: s.points.map((p) => ({ t: Date.parse(p.t), v: p.requests / seconds })),
  }));
  const points = overall.series[0]?.points ?? [];
  const latency = [
    { name: 'p50', color: '#0969da', values: points.filter((p) => p.requests > 0).map((p) => ({ t: Date.parse(p.t), v: p.latency.total.p50 })) },
    { name: 'p99', color: '#8250df', values: points.filter((p) => p.requests > 0).map((p) => ({ t: Date.parse(p.t), v: p.latency.total.p99 })) },
  ];
  const total = points.reduce((n, p) => n + p.requests, 0);
  const top = (a: Analytics | undefined) => (a?.top ?? a?.series.map((s) => ({ key: s.key, requests: s.points.reduce((n, p) => n + p.requests, 0) })) ?? [])
    .slice(0, 5).map((t) => ({ label: data.nameOf.get(t.key) ?? (t.key || '(none)'), value: t.requests }));
  const summary = rps.map((s) => `${s.name}: ${s.values.reduce((n, p) => n + p.v * seconds, 0)} requests`).join(', ') || 'no traffic';
  const ms = (v: number) => `${v >= 100 ? Math.round(v) : v.toFixed(1)} ms`;
  return (
    <>
      <p class="muted">{formatNumber(total)} requests in this range.</p>
      <div class="grid-2">
        <LineChart title="Requests per second by status class" series={rps} start={start} end={end} format={(v) => (v >= 10 ? v.toFixed(0) : v.toFixed(2))} summary={summary} />
        <LineChart title="Latency (p50, p99)" series={latency} start={start} end={end} format={ms} summary={`p99 up to ${ms(Math.max(0, ...latency[1].values.map((p) => p.v)))}`} />
        <BarList title="Top routes" items={top(data.topRoutes)} empty="No traffic on routes yet." />
        <BarList title="Top consumers" items={top(data.topConsumers)} empty="No identified consumers yet." />
      </div>
    </>
  );
}
