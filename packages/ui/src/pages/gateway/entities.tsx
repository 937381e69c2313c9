import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, coreBase, listAll } from '../../api.tsx';
import { Link, useLoad } from '../../lib.tsx';
import { SchemaForm, type JsonSchema, type RefOptions } from '../../components/schema-form.tsx';
import { ConfirmButton, Empty, Status } from '../../components/widgets.tsx';
import { availablePlugins, entitySchema, pluginSchema, READ_ONLY, type EntityType } from '../../schemas.tsx';

type Entity = Record<string, any> & { id: string };

const SINGULAR: Record<EntityType, string> = { services: 'service', routes: 'route', plugins: 'plugin', consumers: 'consumer', upstreams: 'upstream' };
const PRIMARY: Record<EntityType, string[]> = {
  services: ['name', 'url'],
  routes: ['name', 'service', 'paths', 'hosts', 'methods'],
  plugins: ['config', 'service', 'route', 'consumer'],
  consumers: ['username', 'custom_id'],
  upstreams: ['name', 'algorithm'],
};
const HIDDEN: Record<EntityType, string[]> = { services: READ_ONLY, routes: READ_ONLY, plugins: [...READ_ONLY, 'name', 'consumer_group', 'ordering'], consumers: READ_ONLY, upstreams: READ_ONLY };

const nameOf = (e: Entity | undefined): string => (e ? e.name ?? e.username ?? e.custom_id ?? e.id : '');

/** Everything the page shows, in one round: the list, the lists its references name, the schema. */
async function loadPage(cpId: string, type: EntityType) {
  const base = coreBase(cpId);
  const needs = { services: type === 'routes' || type === 'plugins', routes: type === 'plugins', consumers: type === 'plugins' };
  const [items, services, routes, consumers, schema, plugins] = await Promise.all([
    // A 404 on the list: this server does not have this entity yet.
    listAll<Entity>(`${base}/${type}`).catch((e) => { if (e instanceof ApiError && e.status === 404) return null; throw e; }),
    needs.services ? listAll<Entity>(`${base}/services`) : [],
    needs.routes ? listAll<Entity>(`${base}/routes`) : [],
    needs.consumers ? listAll<Entity>(`${base}/consumers`).catch(() => []) : [],
    entitySchema(cpId, type),
    type === 'plugins' ? availablePlugins(cpId) : [],
  ]);
  return { items, refs: { service: services, route: routes, consumer: consumers } as Record<'service' | 'route' | 'consumer', Entity[]>, schema, plugins };
}

function columns(type: EntityType, refs: Record<'service' | 'route' | 'consumer', Entity[]>, cpId: string): [string, (e: Entity) => unknown][] {
  const ref = (kind: 'service' | 'route' | 'consumer', e: Entity) => (e[kind]?.id ? nameOf(refs[kind].find((x) => x.id === e[kind].id)) || e[kind].id : null);
  switch (type) {
    case 'services':
      return [['Upstream', (e) => <code>{`${e.protocol}://${e.host}${e.port ? `:${e.port}` : ''}${e.path ?? ''}`}</code>], ['Enabled', (e) => (e.enabled === false ? 'No' : 'Yes')]];
    case 'routes':
      return [['Paths', (e) => (e.paths ?? []).join(', ') || '—'], ['Hosts', (e) => (e.hosts ?? []).join(', ') || '—'], ['Methods', (e) => (e.methods ?? []).join(', ') || 'any'], ['Service', (e) => ref('service', e) ?? '—']];
    case 'plugins':
      return [['Applies to', (e) => [['service', ref('service', e)], ['route', ref('route', e)], ['consumer', ref('consumer', e)]].filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join(', ') || 'every request (global)'], ['Enabled', (e) => (e.enabled === false ? 'No' : 'Yes')]];
    case 'upstreams':
      return [['Algorithm', (e) => e.algorithm ?? 'round-robin'], ['Targets', (e) => <Link href={`/gateways/${encodeURIComponent(cpId)}/upstreams/${encodeURIComponent(e.id)}`}>Targets<span class="sr-only"> of {nameOf(e)}</span></Link>]];
    case 'consumers':
      return [['Custom ID', (e) => e.custom_id ?? '—'], ['Credentials', (e) => <Link href={`/gateways/${encodeURIComponent(cpId)}/consumers/${encodeURIComponent(e.id)}`}>Credentials<span class="sr-only"> of {nameOf(e)}</span></Link>]];
  }
}

/** List, create, edit and delete one kind of core entity, with forms from the API's JSON Schemas. */
export function EntityPage({ cpId, type }: { cpId: string; type: EntityType }) {
  const { data, error, isLoading, reload } = useLoad(() => loadPage(cpId, type), [cpId, type]);
  const [editing, setEditing] = useState<Entity | 'new' | null>(null);
  const formTop = useRef<HTMLDivElement>(null);
  const base = coreBase(cpId);
  const one = SINGULAR[type];

  useEffect(() => {
    if (editing) formTop.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, [editing]);

  const refs: RefOptions = data ? { service: data.refs.service, route: data.refs.route, consumer: data.refs.consumer } : {};
  const save = async (body: Record<string, unknown>, entity?: Entity, pluginName?: string) => {
    if (entity) await api('PATCH', `${base}/${type}/${entity.id}`, body);
    else await api('POST', `${base}/${type}`, pluginName ? { name: pluginName, ...body } : body);
    setEditing(null);
    reload();
  };

  return (
    <Status isLoading={isLoading && !data} error={error}>
      {data && (
        <>
          <div class="page-head">
            <h2>{type[0].toUpperCase() + type.slice(1)}</h2>
            {!editing && data.items !== null && <button type="button" onClick={() => setEditing('new')}>New {one}</button>}
          </div>
          {!data.schema.isServed && editing && type !== 'plugins' && <p class="notice small">This server does not publish its {one} schema yet; the form shows the common fields and the API checks them.</p>}
          {editing && (
            <div class="card" ref={formTop}>
              <h3>{editing === 'new' ? `New ${one}` : `Edit ${nameOf(editing)}`}</h3>
              {type === 'plugins' ? (
                <PluginForm cpId={cpId} names={data.plugins} fallback={data.schema.schema} entity={editing === 'new' ? undefined : editing} refs={refs} onCancel={() => setEditing(null)} onSave={(body, name) => save(body, editing === 'new' ? undefined : editing, name)} />
              ) : (
                <SchemaForm idPrefix={one} schema={data.schema.schema} primary={PRIMARY[type]} hidden={HIDDEN[type]} refs={refs} initial={editing === 'new' ? undefined : editing}
                  submitLabel={editing === 'new' ? `Create ${one}` : 'Save'} onCancel={() => setEditing(null)} onSubmit={(body) => save(body, editing === 'new' ? undefined : editing)} />
              )}
            </div>
          )}
          {data.items === null ? (
            <Empty><p>This server does not support {type} yet.</p></Empty>
          ) : data.items.length === 0 ? (
            !editing && <Empty><p>No {type} yet.</p></Empty>
          ) : (
            <div class="table-wrap">
              <table class="stack">
                <caption class="sr-only">{type}</caption>
                <thead><tr><th scope="col">{type === 'consumers' ? 'Username' : 'Name'}</th>{columns(type, data.refs, cpId).map(([h]) => <th scope="col" key={h}>{h}</th>)}<th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
                <tbody>
                  {data.items.map((e) => (
                    <tr key={e.id}>
                      <th scope="row">{nameOf(e)}</th>
                      {columns(type, data.refs, cpId).map(([h, cell]) => <td key={h} data-label={h}>{cell(e) as any}</td>)}
                      <td class="row-actions">
                        <button type="button" class="secondary small" onClick={() => setEditing(e)}>Edit<span class="sr-only"> {nameOf(e)}</span></button>
                        <ConfirmButton label="Delete" title={`Delete ${one} ${nameOf(e)}?`} body={<p>This takes effect on the gateway at once.</p>}
                          action={async () => { await api('DELETE', `${base}/${type}/${e.id}`); reload(); }} />
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

/** A plugin: its name first, then a form from that plugin's own schema (or config as JSON). */
function PluginForm({ cpId, names, fallback, entity, refs, onSave, onCancel }: { cpId: string; names: string[]; fallback: JsonSchema; entity?: Entity; refs: RefOptions; onSave: (body: Record<string, unknown>, name: string) => Promise<void>; onCancel: () => void }) {
  const [name, setName] = useState<string>(entity?.name ?? '');
  const [chosen, setChosen] = useState<string | null>(entity?.name ?? null);
  const [schema, setSchema] = useState<{ schema: JsonSchema; isServed: boolean } | null>(null);

  useEffect(() => {
    if (!chosen) return;
    let isCurrent = true;
    setSchema(null);
    void pluginSchema(cpId, chosen).then((s) => isCurrent && setSchema(s ? { schema: s, isServed: true } : { schema: fallback, isServed: false }));
    return () => void (isCurrent = false);
  }, [chosen, cpId, fallback]);

  if (!chosen) {
    return (
      <form onSubmit={(e) => { e.preventDefault(); if (name.trim()) setChosen(name.trim()); }}>
        <div class="field">
          <label for="plugin-name">Plugin</label>
          <input id="plugin-name" list="plugin-names" value={name} autoComplete="off" onInput={(e) => setName(e.currentTarget.value)} />
          <datalist id="plugin-names">{names.map((p) => <option key={p} value={p} />)}</datalist>
          <p class="hint" id="plugin-name-hint">For example request-transformer, key-auth or rate-limiting.</p>
        </div>
        <div class="actions"><button type="button" class="secondary" onClick={onCancel}>Cancel</button><button type="submit">Next</button></div>
      </form>
    );
  }
  if (!schema) return <p class="muted" aria-busy="true">Loading the {chosen} schema…</p>;
  return (
    <>
      <p><strong>{chosen}</strong>{!entity && <> · <button type="button" class="link" onClick={() => setChosen(null)}>choose another plugin</button></>}</p>
      {!schema.isServed && <p class="notice small">This server does not publish the {chosen} schema yet: enter its configuration as JSON.</p>}
      <SchemaForm key={chosen} idPrefix="plugin" schema={schema.schema} primary={PRIMARY.plugins} hidden={HIDDEN.plugins} refs={refs} initial={entity}
        submitLabel={entity ? 'Save' : 'Add plugin'} onCancel={onCancel} onSubmit={(body) => onSave(body, chosen)} />
    </>
  );
}
