import { useEffect, useRef, useState } from 'preact/hooks';
import { api, fieldErrors, gatewayUrl, gatewayUrls, hostnameOf, optional, type ControlPlane, type Configuration, type FieldErrors, type Gateway } from '../../api.tsx';
import { Link, usePageTitle } from '../../lib.tsx';
import { CopyLine, StateBadge, UrlFacts } from '../../components/widgets.tsx';

// Konnect's steps (konnect-api.md §8.1): API Gateway → New → Serverless → name, description → Create,
// which makes a CLUSTER_TYPE_SERVERLESS_V1 control plane and PUTs its serverless.v1 configuration.

interface Availability { serverless_v1_providers?: { provider: string; regions: { region: string }[] }[] }
type Step = 'type' | 'details' | 'progress';

const POLL_MS = 500;
const POLL_LIMIT = 240;

export function NewGateway() {
  usePageTitle('New gateway');
  const [step, setStep] = useState<Step>('type');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [region, setRegion] = useState('us');
  const [regions, setRegions] = useState<{ provider: string; region: string }[]>([{ provider: 'aws', region: 'us' }]);
  const [errors, setErrors] = useState<FieldErrors>({ fields: {}, form: [] });
  const [isBusy, setBusy] = useState(false);
  const [gateway, setGateway] = useState<Gateway>();
  const [progress, setProgress] = useState<{ cp: boolean; configuration: boolean; isReady: boolean; state?: string; reason?: string }>({ cp: false, configuration: false, isReady: false });
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    void optional<Availability>('GET', '/v3/cloud-gateways/availability.json').then((a) => {
      const list = a?.serverless_v1_providers?.flatMap((p) => p.regions.map((r) => ({ provider: p.provider, region: r.region }))) ?? [];
      if (list.length) setRegions(list);
    }).catch(() => undefined);
  }, []);
  useEffect(() => heading.current?.focus(), [step]);

  const create = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setErrors({ fields: {}, form: [] });
    let cp: ControlPlane;
    try {
      cp = await api<ControlPlane>('POST', '/v2/control-planes', { name: name.trim(), description, cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true, auth_type: 'pinned_client_certs' });
    } catch (e) {
      setErrors(fieldErrors(e));
      setBusy(false);
      return;
    }
    setStep('progress');
    setProgress({ cp: true, configuration: false, isReady: false });
    const provider = regions.find((r) => r.region === region)?.provider ?? 'aws';
    try {
      let configuration = await api<Configuration>('PUT', '/v3/cloud-gateways/configurations', {
        control_plane_id: cp.id, control_plane_geo: region, dataplane_groups: [{ provider, region }], kind: 'serverless.v1',
      });
      setProgress({ cp: true, configuration: true, isReady: false, state: configuration.dataplane_groups[0]?.state });
      for (let i = 0; i < POLL_LIMIT && !configuration.dataplane_groups.every((g) => g.state === 'ready'); i++) {
        const group = configuration.dataplane_groups.find((g) => g.state === 'error');
        if (group) throw new Error(group.state_metadata?.reason ?? 'The data plane could not be deployed.');
        await new Promise((r) => setTimeout(r, POLL_MS));
        configuration = await api<Configuration>('GET', `/v3/cloud-gateways/configurations/${configuration.id}`);
        setProgress({ cp: true, configuration: true, isReady: false, state: configuration.dataplane_groups[0]?.state });
      }
      const isReady = configuration.dataplane_groups.every((g) => g.state === 'ready');
      // The control plane's proxy_urls carry the hostname once the data plane exists.
      const fresh = await api<ControlPlane>('GET', `/v2/control-planes/${cp.id}`);
      setGateway({ cp: fresh, configuration });
      setProgress({ cp: true, configuration: true, isReady, state: configuration.dataplane_groups[0]?.state, reason: isReady ? undefined : 'Still deploying; the gateway page shows its state.' });
    } catch (e) {
      setGateway({ cp });
      setProgress((p) => ({ ...p, state: 'error', reason: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" tabIndex={-1} class="narrow">
      <p class="crumbs"><Link href="/">Gateways</Link> / New gateway</p>
      {step === 'type' && (
        <form onSubmit={(e) => { e.preventDefault(); setStep('details'); }}>
          <h1 ref={heading} tabIndex={-1}>New gateway</h1>
          <fieldset class="choices">
            <legend>Gateway type</legend>
            <label class="choice">
              <input type="radio" name="type" value="serverless" checked />
              <span>
                <strong>Serverless</strong>
                <span class="muted">Gatehouse runs the data plane for you: the gateway gets a hostname and serves traffic within seconds.</span>
              </span>
            </label>
            <label class="choice is-disabled">
              <input type="radio" name="type" value="hybrid" disabled />
              <span>
                <strong>Self-managed hybrid</strong>
                <span class="muted">Run data-plane nodes yourself. Not available in this version.</span>
              </span>
            </label>
          </fieldset>
          <div class="actions"><Link href="/" class="button secondary">Cancel</Link><button type="submit">Next</button></div>
        </form>
      )}
      {step === 'details' && (
        <form onSubmit={create} noValidate>
          <h1 ref={heading} tabIndex={-1}>New serverless gateway</h1>
          {errors.form.length > 0 && <div class="alert" role="alert">{errors.form.map((m) => <p key={m}>{m}</p>)}</div>}
          <TextField id="gw-name" label="Name" value={name} onInput={setName} errors={errors.fields.name} isRequired />
          <TextField id="gw-description" label="Description" value={description} onInput={setDescription} errors={errors.fields.description} multiline />
          <div class="field">
            <label for="gw-region">Region</label>
            <select id="gw-region" value={region} onChange={(e) => setRegion(e.currentTarget.value)}>
              {regions.map((r) => <option key={r.region} value={r.region}>{r.region.toUpperCase()}</option>)}
            </select>
          </div>
          <div class="actions">
            <button type="button" class="secondary" onClick={() => setStep('type')}>Back</button>
            <button type="submit" disabled={isBusy}>{isBusy ? 'Creating…' : 'Create'}</button>
          </div>
        </form>
      )}
      {step === 'progress' && (
        <section aria-labelledby="progress-h">
          <h1 id="progress-h" ref={heading} tabIndex={-1}>{progress.isReady ? 'Your gateway is ready' : `Creating ${name}`}</h1>
          <ol class="steps" aria-live="polite">
            <li class={progress.cp ? 'done' : 'busy'}>Control plane created</li>
            <li class={progress.configuration ? 'done' : 'busy'}>Serverless data plane requested</li>
            <li class={progress.isReady ? 'done' : progress.state === 'error' ? 'failed' : 'busy'}>
              Data plane {progress.state ? <StateBadge state={progress.state} /> : 'starting'}
            </li>
          </ol>
          {progress.reason && <p class={progress.state === 'error' ? 'alert' : 'notice'} role="status">{progress.reason}</p>}
          {progress.isReady && gateway && <Ready gateway={gateway} />}
          {gateway && <p><Link href={`/gateways/${gateway.cp.id}`} class="button">Open gateway</Link></p>}
        </section>
      )}
    </main>
  );
}

function Ready({ gateway }: { gateway: Gateway }) {
  const host = hostnameOf(gateway) ?? '';
  const url = gatewayUrl(gateway) ?? `https://${host}`;
  const urls = gatewayUrls(gateway);
  return (
    <dl class="facts card">
      <dt>Hostname</dt>
      <dd><CopyLine text={host} label="Hostname" /></dd>
      <UrlFacts urls={urls} />
      <dt>Try it</dt>
      <dd><CopyLine text={`curl -i ${url}/`} label="curl command" /><p class="hint">No route yet, so the gateway answers 404 “no Route matched”. Add a service and a route next.</p></dd>
    </dl>
  );
}

export function TextField(props: { id: string; label: string; value: string; onInput: (v: string) => void; errors?: string[]; isRequired?: boolean; multiline?: boolean; hint?: string; placeholder?: string }) {
  const describedBy = [props.hint && `${props.id}-hint`, props.errors && `${props.id}-err`].filter(Boolean).join(' ') || undefined;
  const common = { id: props.id, name: props.id, value: props.value, placeholder: props.placeholder, 'aria-invalid': props.errors ? true : undefined, 'aria-describedby': describedBy, 'aria-required': props.isRequired || undefined };
  return (
    <div class="field" data-field={props.id}>
      <label for={props.id}>{props.label}</label>{props.isRequired && <span class="req" aria-hidden="true"> *</span>}
      {props.multiline
        ? <textarea {...common} rows={2} onInput={(e) => props.onInput(e.currentTarget.value)} />
        : <input type="text" {...common} autoComplete="off" onInput={(e) => props.onInput(e.currentTarget.value)} />}
      {props.hint && <p class="hint" id={`${props.id}-hint`}>{props.hint}</p>}
      {props.errors && <ul class="field-error" id={`${props.id}-err`}>{props.errors.map((m) => <li key={m}>{m}</li>)}</ul>}
    </div>
  );
}
