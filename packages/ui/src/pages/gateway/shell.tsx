import { api, gatewayState, hostnameOf, KIND_LABELS, loadGateway } from '../../api.tsx';
import { Link, navigate, useLoad, usePageTitle } from '../../lib.tsx';
import { ConfirmButton, StateBadge } from '../../components/widgets.tsx';
import { Overview } from './overview.tsx';
import { EntityPage } from './entities.tsx';
import { Credentials } from './credentials.tsx';
import { Domains } from './domains.tsx';
import { Targets } from './targets.tsx';

const TABS = [
  ['overview', 'Overview'],
  ['services', 'Services'],
  ['routes', 'Routes'],
  ['plugins', 'Plugins'],
  ['consumers', 'Consumers'],
  ['upstreams', 'Upstreams'],
  ['domains', 'Custom domains'],
] as const;

/**
 * A gateway: its header and tabs. The header and the tab load at the same time (each tab fetches
 * what it shows), so a page still renders from one round of API calls.
 */
export function GatewayPage({ id, tab, sub }: { id: string; tab: string; sub?: string }) {
  const { data: gateway, error } = useLoad(() => loadGateway(id), [id]);
  const tabLabel = TABS.find(([key]) => key === tab)?.[1] ?? 'Gateway';
  usePageTitle(`${gateway?.cp.name ?? 'Gateway'} · ${tabLabel}`);
  const base = `/gateways/${encodeURIComponent(id)}`;

  return (
    <main id="main" tabIndex={-1}>
      <p class="crumbs"><Link href="/">Gateways</Link> / {gateway?.cp.name ?? '…'}</p>
      <div class="page-head">
        <div>
          <h1>{gateway?.cp.name ?? (error ? 'Gateway' : '…')}</h1>
          {gateway && (
            <p class="muted head-facts">
              {KIND_LABELS[gateway.cp.config.cluster_type] ?? gateway.cp.config.cluster_type} · <StateBadge state={gatewayState(gateway)} />
              {hostnameOf(gateway) && <> · <code>{hostnameOf(gateway)}</code></>}
            </p>
          )}
        </div>
        {gateway && (
          <ConfirmButton label="Delete gateway" title={`Delete ${gateway.cp.name}?`} confirmLabel="Delete gateway"
            body={<p>The gateway, its data plane and all its services, routes, plugins and consumers are deleted. Its hostname stops answering. This cannot be undone.</p>}
            action={async () => {
              await api('DELETE', `/v2/control-planes/${encodeURIComponent(id)}`);
              navigate('/');
            }} />
        )}
      </div>
      {error ? <p class="alert" role="alert">Could not load this gateway: {error instanceof Error ? error.message : String(error)}</p> : null}
      <nav class="tabs" aria-label="Gateway sections">
        {TABS.map(([key, text]) => (
          <Link key={key} href={key === 'overview' ? base : `${base}/${key}`} aria-current={tab === key ? 'page' : undefined}>{text}</Link>
        ))}
      </nav>
      <section class="tab-body" aria-label={tabLabel}>
        {tab === 'overview' && <Overview id={id} />}
        {(tab === 'services' || tab === 'routes' || tab === 'plugins') && <EntityPage key={tab} cpId={id} type={tab} />}
        {tab === 'consumers' && (sub ? <Credentials cpId={id} consumerId={sub} /> : <EntityPage key={tab} cpId={id} type="consumers" />)}
        {tab === 'upstreams' && (sub ? <Targets cpId={id} upstreamId={sub} /> : <EntityPage key={tab} cpId={id} type="upstreams" />)}
        {tab === 'domains' && <Domains id={id} />}
        {!TABS.some(([key]) => key === tab) && <p>Unknown section. <Link href={base}>Overview</Link></p>}
      </section>
    </main>
  );
}
