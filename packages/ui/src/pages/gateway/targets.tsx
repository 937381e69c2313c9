import { useState } from 'preact/hooks';
import { api, coreBase, optional } from '../../api.tsx';
import { Link, useLoad } from '../../lib.tsx';
import { SchemaForm } from '../../components/schema-form.tsx';
import { ConfirmButton, Empty, Status } from '../../components/widgets.tsx';
import { READ_ONLY, targetSchema } from '../../schemas.tsx';

type Target = { id: string; target: string; weight?: number; tags?: string[] | null };

async function loadTargets(cpId: string, upstreamId: string) {
  const base = `${coreBase(cpId)}/upstreams/${encodeURIComponent(upstreamId)}`;
  const [upstream, targets, schema] = await Promise.all([
    api<{ id: string; name: string; algorithm?: string }>('GET', base),
    optional<{ data: Target[] }>('GET', `${base}/targets?size=1000`),
    targetSchema(cpId),
  ]);
  return { upstream, targets: targets?.data, schema };
}

/** An upstream's targets: list, add, delete (Kong replaces a target by adding it again). */
export function Targets({ cpId, upstreamId }: { cpId: string; upstreamId: string }) {
  const { data, error, isLoading, reload } = useLoad(() => loadTargets(cpId, upstreamId), [cpId, upstreamId]);
  const [isAdding, setAdding] = useState(false);
  const base = `${coreBase(cpId)}/upstreams/${encodeURIComponent(upstreamId)}/targets`;
  return (
    <Status isLoading={isLoading && !data} error={error}>
      {data && (
        <>
          <p class="crumbs"><Link href={`/gateways/${encodeURIComponent(cpId)}/upstreams`}>Upstreams</Link> / {data.upstream.name}</p>
          <div class="page-head">
            <h2>Targets of {data.upstream.name}</h2>
            {data.targets && !isAdding && <button type="button" onClick={() => setAdding(true)}>New target</button>}
          </div>
          <p class="muted small">Services with host <code>{data.upstream.name}</code> are balanced over these targets ({data.upstream.algorithm ?? 'round-robin'}).</p>
          {isAdding && (
            <div class="card">
              <h3>New target</h3>
              <SchemaForm idPrefix="target" schema={data.schema.schema} primary={['target', 'weight']} hidden={[...READ_ONLY, 'upstream']} submitLabel="Add target" onCancel={() => setAdding(false)}
                onSubmit={async (body) => { await api('POST', base, body); setAdding(false); reload(); }} />
            </div>
          )}
          {!data.targets ? <Empty><p>This server does not support targets yet.</p></Empty> : data.targets.length === 0 ? (
            !isAdding && <Empty><p>No targets yet: requests to this upstream fail until one is added.</p></Empty>
          ) : (
            <div class="table-wrap">
              <table class="stack">
                <caption class="sr-only">Targets</caption>
                <thead><tr><th scope="col">Target</th><th scope="col" class="num">Weight</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
                <tbody>
                  {data.targets.map((t) => (
                    <tr key={t.id}>
                      <th scope="row"><code>{t.target}</code></th>
                      <td class="num" data-label="Weight">{t.weight ?? 100}</td>
                      <td class="row-actions">
                        <ConfirmButton label="Delete" title={`Delete target ${t.target}?`} body={<p>The upstream stops sending requests to it at once.</p>}
                          action={async () => { await api('DELETE', `${base}/${t.id}`); reload(); }} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </Status>
  );
}
