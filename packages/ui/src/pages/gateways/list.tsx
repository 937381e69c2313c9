import { useEffect, useState } from 'preact/hooks';
import { gatewayState, hostnameOf, KIND_LABELS, loadGateways, type Gateway } from '../../api.tsx';
import { loadAnalytics, totalRequests } from '../../analytics.tsx';
import { formatNumber, Link, usePageTitle, useLoad } from '../../lib.tsx';
import { Empty, StateBadge, Status } from '../../components/widgets.tsx';

/** Requests in the last hour per gateway; undefined while loading or where there are no analytics. */
function useRequestsLastHour(gateways: Gateway[] | undefined): Record<string, number | undefined> {
  const [counts, setCounts] = useState<Record<string, number | undefined>>({});
  useEffect(() => {
    if (!gateways?.length) return;
    let isCurrent = true;
    void Promise.all(
      gateways.map(async (g) => {
        const a = await loadAnalytics(g.cp.id, { minutes: 60, granularity: 'minute' }).catch(() => undefined);
        return [g.cp.id, a ? totalRequests(a) : undefined] as const;
      }),
    ).then((entries) => isCurrent && setCounts(Object.fromEntries(entries)));
    return () => void (isCurrent = false);
  }, [gateways]);
  return counts;
}

export function GatewayList() {
  usePageTitle('Gateways');
  const { data, error, isLoading } = useLoad(loadGateways, []);
  const requests = useRequestsLastHour(data);
  const hasAnalytics = Object.values(requests).some((n) => n !== undefined);

  return (
    <main id="main" tabIndex={-1}>
      <div class="page-head">
        <h1>Gateways</h1>
        <Link href="/gateways/new" class="button">New gateway</Link>
      </div>
      <Status isLoading={isLoading} error={error}>
        {data && data.length === 0 ? (
          <Empty>
            <p>No gateways yet.</p>
            <p><Link href="/gateways/new" class="button">Create your first gateway</Link></p>
          </Empty>
        ) : (
          <div class="table-wrap">
            <table class="stack">
              <caption class="sr-only">Gateways</caption>
              <thead>
                <tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">Hostname</th>{hasAnalytics && <th scope="col" class="num">Requests (1 h)</th>}</tr>
              </thead>
              <tbody>
                {data?.map((g) => (
                  <tr key={g.cp.id}>
                    <th scope="row"><Link href={`/gateways/${g.cp.id}`}>{g.cp.name}</Link>{g.cp.description && <div class="muted small">{g.cp.description}</div>}</th>
                    <td data-label="Kind">{KIND_LABELS[g.cp.config.cluster_type] ?? g.cp.config.cluster_type}</td>
                    <td data-label="State"><StateBadge state={gatewayState(g)} /></td>
                    <td data-label="Hostname"><code>{hostnameOf(g) ?? '—'}</code></td>
                    {hasAnalytics && <td data-label="Requests (1 h)" class="num">{requests[g.cp.id] === undefined ? '—' : formatNumber(requests[g.cp.id]!)}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Status>
    </main>
  );
}
