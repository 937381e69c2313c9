import { useState } from 'preact/hooks';
import { api, coreBase, optional } from '../../api.tsx';
import { Link, useLoad } from '../../lib.tsx';
import { SchemaForm } from '../../components/schema-form.tsx';
import { ConfirmButton, Status } from '../../components/widgets.tsx';
import { credentialSchema, READ_ONLY, type CredentialType, type LoadedSchema } from '../../schemas.tsx';

type Credential = Record<string, any> & { id: string };
const TYPES: { type: CredentialType; title: string; show: (c: Credential) => string }[] = [
  { type: 'key-auth', title: 'API keys', show: (c) => maskKey(c.key) },
  { type: 'basic-auth', title: 'Basic auth', show: (c) => c.username },
  { type: 'jwt', title: 'JWT', show: (c) => `${c.key} (${c.algorithm ?? 'HS256'})` },
  { type: 'hmac-auth', title: 'HMAC auth', show: (c) => c.username },
  { type: 'acls', title: 'ACL groups', show: (c) => c.group },
];

// Keys are secrets: show their ends only; the full key is in the create answer and the API.
const maskKey = (key: unknown): string => (typeof key === 'string' && key.length > 8 ? `${key.slice(0, 4)}…${key.slice(-4)}` : String(key ?? '—'));

async function loadCredentials(cpId: string, consumerId: string) {
  const base = `${coreBase(cpId)}/consumers/${encodeURIComponent(consumerId)}`;
  const [consumer, ...rest] = await Promise.all([
    api<Credential>('GET', base),
    ...TYPES.map((t) => optional<{ data: Credential[] }>('GET', `${base}/${t.type}?size=1000`)),
    ...TYPES.map((t) => credentialSchema(cpId, t.type)),
  ]);
  const lists = rest.slice(0, TYPES.length) as ({ data: Credential[] } | undefined)[];
  const schemas = rest.slice(TYPES.length) as LoadedSchema[];
  return { consumer, sections: TYPES.map((t, i) => ({ ...t, items: lists[i]?.data, schema: schemas[i] })) };
}

/** A consumer's credentials, one section per kind; kinds this server lacks say so. */
export function Credentials({ cpId, consumerId }: { cpId: string; consumerId: string }) {
  const { data, error, isLoading, reload } = useLoad(() => loadCredentials(cpId, consumerId), [cpId, consumerId]);
  const [adding, setAdding] = useState<CredentialType | null>(null);
  const base = `${coreBase(cpId)}/consumers/${encodeURIComponent(consumerId)}`;
  return (
    <Status isLoading={isLoading && !data} error={error}>
      {data && (
        <>
          <p class="crumbs"><Link href={`/gateways/${encodeURIComponent(cpId)}/consumers`}>Consumers</Link> / {data.consumer.username ?? data.consumer.custom_id}</p>
          <h2>Credentials of {data.consumer.username ?? data.consumer.custom_id}</h2>
          {data.sections.map((s) => (
            <section key={s.type} class="card" aria-labelledby={`cred-${s.type}`}>
              <div class="page-head">
                <h3 id={`cred-${s.type}`}>{s.title}</h3>
                {s.items && adding !== s.type && <button type="button" class="small" onClick={() => setAdding(s.type)}>Add<span class="sr-only"> {s.title}</span></button>}
              </div>
              {!s.items ? <p class="muted">Not available on this server yet.</p> : (
                <>
                  {adding === s.type && (
                    <SchemaForm idPrefix={s.type} schema={s.schema.schema} hidden={[...READ_ONLY, 'consumer']} submitLabel="Add" onCancel={() => setAdding(null)}
                      onSubmit={async (body) => { await api('POST', `${base}/${s.type}`, body); setAdding(null); reload(); }} />
                  )}
                  {s.items.length === 0 ? <p class="muted">None.</p> : (
                    <ul class="plain-list">
                      {s.items.map((c) => (
                        <li key={c.id}>
                          <code>{s.show(c)}</code>
                          <ConfirmButton label="Delete" title={`Delete this ${s.title} credential?`} body={<p>Clients using it are refused from now on.</p>}
                            action={async () => { await api('DELETE', `${base}/${s.type}/${c.id}`); reload(); }} />
                        </li>
                      ))}
                    </ul>
                  )}
                </>
              )}
            </section>
          ))}
        </>
      )}
    </Status>
  );
}
