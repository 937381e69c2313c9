import { useState } from 'preact/hooks';
import { api, fieldErrors, hostnameOf, loadGateway, optional, type FieldErrors } from '../../api.tsx';
import { useLoad, usePoll } from '../../lib.tsx';
import { ConfirmButton, CopyLine, Empty, StateBadge, Status } from '../../components/widgets.tsx';
import { TextField } from '../gateways/new.tsx';

// Custom domains (konnect-api.md §6.5): add a domain, show the CNAME to create at the user's DNS
// provider, follow its state (created → initializing → ready, or error with a reason), remove.

interface CustomDomain {
  id: string;
  control_plane_id: string;
  domain: string;
  state: string;
  state_metadata?: { reported_status?: string; reason?: string };
  /** Gatehouse's read-only extension: the hostname the CNAME must point at (Konnect shows it in its UI only). */
  cname_target?: string;
}

const DOMAINS = '/v3/cloud-gateways/custom-domains';
const isSettled = (d: CustomDomain) => d.state === 'ready' || d.state === 'error' || d.state === 'terminated';

async function loadDomains(id: string) {
  const [gateway, domains] = await Promise.all([
    loadGateway(id),
    optional<{ data: CustomDomain[] }>('GET', `${DOMAINS}?filter[control_plane_id][eq]=${encodeURIComponent(id)}&page[size]=100`),
  ]);
  return { gateway, domains: domains?.data.filter((d) => d.control_plane_id === id) };
}

export function Domains({ id }: { id: string }) {
  const { data, error, isLoading, reload } = useLoad(() => loadDomains(id), [id]);
  const [domain, setDomain] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({ fields: {}, form: [] });
  const [isBusy, setBusy] = useState(false);
  usePoll(reload, 2000, Boolean(data?.domains?.some((d) => !isSettled(d))));
  const edge = data ? hostnameOf(data.gateway) : undefined;

  const add = async (event: Event) => {
    event.preventDefault();
    if (!data) return;
    setBusy(true);
    setErrors({ fields: {}, form: [] });
    try {
      await api('POST', DOMAINS, {
        control_plane_id: id,
        control_plane_geo: data.gateway.configuration?.control_plane_geo ?? 'us',
        domain: domain.trim(),
        kind: data.gateway.cp.config.cluster_type === 'CLUSTER_TYPE_SERVERLESS_V1' ? 'serverless.v1' : undefined,
      });
      setDomain('');
      reload();
    } catch (e) {
      setErrors(fieldErrors(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Status isLoading={isLoading && !data} error={error}>
      {data && (
        <>
          <h2>Custom domains</h2>
          {data.domains === undefined ? (
            <Empty>
              <p>Custom domains are not available on this server yet.</p>
              {edge && <p class="muted">When they are, point your domain at <code>{edge}</code> with a CNAME record.</p>}
            </Empty>
          ) : (
            <>
              <form class="card" onSubmit={add} noValidate>
                <h3>Add a domain</h3>
                {errors.form.length > 0 && <div class="alert" role="alert">{errors.form.map((m) => <p key={m}>{m}</p>)}</div>}
                <TextField id="domain" label="Domain" placeholder="api.example.com" value={domain} onInput={setDomain} errors={errors.fields.domain} isRequired
                  hint="A hostname you control. Gatehouse gets its certificate from Let's Encrypt once the CNAME resolves; a CAA record, if any, must allow letsencrypt.org." />
                <div class="actions"><button type="submit" disabled={isBusy}>{isBusy ? 'Adding…' : 'Add domain'}</button></div>
              </form>
              {data.domains.length === 0 ? <Empty><p>No custom domains.</p></Empty> : (
                <ul class="domain-list">
                  {data.domains.map((d) => <DomainItem key={d.id} domain={d} edge={edge} reload={reload} />)}
                </ul>
              )}
            </>
          )}
        </>
      )}
    </Status>
  );
}

type Check = { cname: string; ssl: string } | 'unavailable' | string;

/** One domain: the record to create, its state and reason, a live DNS check, remove. */
function DomainItem({ domain: d, edge, reload }: { domain: CustomDomain; edge: string | undefined; reload: () => void }) {
  const [check, setCheck] = useState<Check | null>(null);
  const [isChecking, setChecking] = useState(false);
  const target = d.cname_target ?? edge;
  const runCheck = async () => {
    setChecking(true);
    try {
      const result = await optional<{ cname: string; ssl: string }>('GET', `${DOMAINS}/${d.id}/online-status`);
      setCheck(result ?? 'unavailable');
      reload();
    } catch (e) {
      setCheck(e instanceof Error ? e.message : String(e));
    } finally {
      setChecking(false);
    }
  };
  return (
    <li class="card" aria-labelledby={`domain-${d.id}`}>
      <div class="page-head">
        <h3 id={`domain-${d.id}`}>{d.domain} <StateBadge state={d.state} /></h3>
        <ConfirmButton label="Remove" title={`Remove ${d.domain}?`} confirmLabel="Remove" body={<p>The domain stops serving this gateway and its certificate is dropped.</p>}
          action={async () => { await api('DELETE', `${DOMAINS}/${d.id}`); reload(); }} />
      </div>
      {d.state_metadata?.reason && <p class={d.state === 'error' ? 'alert' : 'muted'} role={d.state === 'error' ? 'alert' : undefined} data-testid="domain-reason">{d.state_metadata.reason}</p>}
      {d.state === 'error' && !d.state_metadata?.reason && <p class="alert" role="alert">The domain could not be set up.</p>}
      <p>Create this DNS record at your DNS provider:</p>
      <dl class="facts">
        <dt>Type</dt>
        <dd>CNAME</dd>
        <dt>Name</dt>
        <dd><code>{d.domain}</code></dd>
        <dt>Target</dt>
        <dd>{target ? <CopyLine text={target} label={`CNAME target for ${d.domain}`} /> : '—'}</dd>
        <dt>Zone file</dt>
        <dd><CopyLine text={`${d.domain}. 300 IN CNAME ${target ?? '(the gateway hostname)'}.`} label={`CNAME record for ${d.domain}`} /></dd>
      </dl>
      <div class="actions">
        {check !== null && (
          <p class="small" role="status">
            {check === 'unavailable' ? 'This server cannot check domains live yet.'
              : typeof check === 'string' ? check
              : <>CNAME {check.cname === 'verified' ? 'found' : 'not found yet'} · certificate {check.ssl === 'verified' ? 'valid' : 'not issued yet'}</>}
          </p>
        )}
        <button type="button" class="secondary small" disabled={isChecking} onClick={runCheck}>{isChecking ? 'Checking…' : 'Check DNS now'}</button>
      </div>
    </li>
  );
}
