import { gatewayState, hostnameOf, KIND_LABELS, loadGateways, type Gateway } from '../../api.tsx';
import { loadRequestsLastHour } from '../../analytics.tsx';
import { formatNumber, Link, usePageTitle, useLoad } from '../../lib.tsx';
import { Empty, StateBadge, Status } from '../../components/widgets.tsx';

/**
 * The gateways and their requests in the last hour: one round of calls (control planes, configurations
 * and the requests summary, together). `requests` is undefined where the server has no analytics.
 */
async function loadList(): Promise<{ gateways: Gateway[]; requests: Record<string, number> | undefined }> {
  const [gateways, summary] = await Promise.all([loadGateways(), loadRequestsLastHour().catch(() => undefined)]);
  return { gateways, requests: summary?.data };
}

export function GatewayList() {
  usePageTitle('Gateways');
  const { data: list, error, isLoading } = useLoad(loadList, []);
  const data = list?.gateways;
  const requests = list?.requests;
  const hasAnalytics = requests !== undefined;

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
                    {hasAnalytics && <td data-label="Requests (1 h)" class="num">{formatNumber(requests[g.cp.id] ?? 0)}</td>}
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
