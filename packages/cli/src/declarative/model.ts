import { validate } from '@gatehouse/schema';
import { fileError, type Path, type Source } from './source.ts';
import { ENTITY_ORDER, FILE_TYPES, NEST_FIELD, REF_TYPES, TYPES, displayKey, foreignKeysOf, normalizePem, type EntityType, type RefField } from './types.ts';

// Kong's declarative format (reference/kong-dataplane.md §7) read into a flat desired state: every
// entity once, with its references resolved to the file's own entities. Everything wrong with the
// file is found here, before the API is called.

export { ENTITY_ORDER, TYPES, type EntityType } from './types.ts';

export interface DesiredEntity {
  type: EntityType;
  /** For messages: `route 'r1'`, `plugin 'cors' (global)`. */
  label: string;
  line: number | undefined;
  id?: string;
  /** The first of the type's key fields the file sets (name, username, key...). */
  key?: string;
  /** Wire fields without id, timestamps and references. */
  fields: Record<string, unknown>;
  refs: Partial<Record<RefField, DesiredEntity>>;
}

export type DesiredState = Record<EntityType, DesiredEntity[]> & {
  file: string;
  selectTags: string[];
  /** `_konnect.control_plane_name`, which decK uses to pick the control plane. */
  controlPlaneName?: string;
};

const META_KEYS = new Set(['_format_version', '_transform', '_comment', '_ignore', '_info', '_konnect', '_workspace', '_plugin_configs']);
const ENTITY_META = new Set(['_comment', '_ignore', 'created_at', 'updated_at']);
// Kong collections Gatehouse files do not carry yet.
const NOT_YET = ['vaults', 'keys', 'key_sets', 'oauth2_credentials', 'mtls_auth_credentials', 'partials', 'filter_chains'];
const FORMAT_VERSIONS = ['1.1', '2.1', '3.0'];
const NIL_UUID = '00000000-0000-4000-8000-000000000000';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `service 'a'`, `plugin 'cors' on route 'r' and consumer 'bob'`, `acl 'admins' of consumer 'bob'`. */
export function labelOf(type: EntityType, key: string | undefined, refs: DesiredEntity['refs'] | Record<string, string | undefined>): string {
  const refName = (field: RefField) => {
    const ref = refs[field];
    return typeof ref === 'string' ? ref : ref ? (ref.key !== undefined ? displayKey(ref.type, ref.key) : (ref.id ?? '?')) : undefined;
  };
  if (type === 'consumer_group_members') return `consumer '${refName('consumer') ?? '?'}' in consumer group '${refName('consumer_group') ?? '?'}'`;
  const scope = TYPES[type].refs.filter((f) => refName(f) !== undefined).map((f) => `${f.replace('_', ' ')} '${refName(f)}'`);
  const head = `${TYPES[type].singular} '${key === undefined ? '?' : displayKey(type, key)}'`;
  if (type === 'plugins') return `${head}${scope.length > 0 ? ` on ${scope.join(' and ')}` : ' (global)'}`;
  return scope.length > 0 ? `${head} ${type === 'routes' ? 'in' : 'of'} ${scope.join(' and ')}` : head;
}

/** Reads a parsed declarative file into the desired state, or throws naming the line and entity. */
export function readDesired(source: Source, extraSelectTags: string[] = []): DesiredState {
  const { file, data } = source;
  const fail = (path: Path, message: string, key = false): never => {
    throw fileError(file, source.lineOf(path, key), message);
  };
  if (!isObject(data)) fail([], 'expected a mapping with _format_version: "3.0" and services, routes, plugins');
  const top = data as Record<string, unknown>;
  if (top._format_version === undefined) fail([], '_format_version is required (use "3.0")');
  if (!FORMAT_VERSIONS.includes(String(top._format_version))) fail(['_format_version'], `_format_version must be one of ${FORMAT_VERSIONS.join(', ')}, got '${top._format_version}'`);
  for (const key of Object.keys(top)) {
    if (META_KEYS.has(key) || (FILE_TYPES as string[]).includes(key)) continue;
    if (NOT_YET.includes(key)) {
      if (Array.isArray(top[key]) && (top[key] as unknown[]).length === 0) continue;
      fail([key], `${key} are not supported in Gatehouse files yet`, true);
    }
    fail([key], `unknown field '${key}' at the top level`, true);
  }
  const info = isObject(top._info) ? top._info : {};
  const fileTags = Array.isArray(info.select_tags) ? info.select_tags.map(String) : [];
  const selectTags = [...new Set([...fileTags, ...extraSelectTags])];
  const state = { file, selectTags, controlPlaneName: isObject(top._konnect) ? (top._konnect.control_plane_name as string | undefined) : undefined } as DesiredState;
  for (const type of ENTITY_ORDER) state[type] = [];
  const pending: { entity: DesiredEntity; field: RefField; ref: string; path: Path }[] = [];

  const readEntity = (type: EntityType, value: unknown, path: Path, parent?: { field: RefField; entity: DesiredEntity }): void => {
    // Kong's shorthand for SNIs nested under a certificate: a list of names.
    if (type === 'snis' && typeof value === 'string') value = { name: value };
    if (!isObject(value)) return void fail(path, `each entry of ${String(path.at(-2))} must be a mapping`);
    const v = value as Record<string, unknown>;
    if (v._ignore === true) return;
    const info = TYPES[type];
    const keyField = info.keys.find((k) => typeof v[k] === 'string');
    const key = type === 'plugins' ? (v.name as string | undefined) : keyField ? (v[keyField] as string) : (v.id as string | undefined) ?? `#${path.at(-1)}`;
    const parentRefs = parent ? { [parent.field]: parent.entity } : {};
    const label = labelOf(type, key, parentRefs);
    const fields: Record<string, unknown> = {};
    const refs: { field: RefField; ref: string }[] = [];
    for (const [name, field] of Object.entries(v)) {
      if (ENTITY_META.has(name) || (info.nested as string[]).includes(name) || name === 'id' || (type === 'services' && name === 'url')) continue;
      if ((type === 'consumers' && name === 'groups') || (type === 'consumer_groups' && name === 'consumers')) continue;
      if (foreignKeysOf(type).includes(name)) {
        if (parent) fail([...path, name], `${label}: '${name}' must not be set on an entity nested under a ${parent.field} (write it at the top level instead)`, true);
        if (info.unsupportedRefs.includes(name)) fail([...path, name], `${label}: ${name} references are not supported in Gatehouse files yet`, true);
        const ref = typeof field === 'string' ? field : isObject(field) ? ((field.id ?? field.name ?? field.username) as string | undefined) : undefined;
        if (typeof ref !== 'string' || ref === '') fail([...path, name], `${label}: ${name} must be the name or id of a ${name} in this file`);
        refs.push({ field: name as RefField, ref: ref! });
        continue;
      }
      if (!(name in info.schema.properties)) fail([...path, name], `${label}: unknown field '${name}'`, true);
      fields[name] = field;
    }
    if (type === 'services' && v.url !== undefined) {
      const expanded = expandUrl(v.url, fields);
      if (typeof expanded === 'string') fail([...path, 'url'], `${label}: ${expanded}`);
      Object.assign(fields, expanded);
    }
    if (v.id !== undefined && typeof v.id !== 'string') fail([...path, 'id'], `${label}: id must be a UUID string`);
    // Type and value checks with the entity schema, with placeholders for what the server sets or
    // generates (keys and secrets) and for references.
    const candidate: Record<string, unknown> = { ...fields, id: v.id ?? NIL_UUID };
    for (const f of ['created_at', 'updated_at']) if (f in info.schema.properties) candidate[f] = 0;
    if (type !== 'plugins') for (const f of info.refs) candidate[f] = { id: NIL_UUID };
    if ('created_at' in info.schema.properties) candidate.created_at = 0;
    for (const f of [...info.looseFields, ...info.neverCompared]) {
      if (candidate[f] === undefined && !('default' in (info.schema.properties[f] ?? {}))) candidate[f] = f === 'ttl' || f === 'snis' ? null : f === 'cert_digest' ? '0'.repeat(64) : 'x';
    }
    if (type === 'consumers' && v.username === undefined && v.custom_id === undefined) fail(path, `${label}: a consumer needs a username or a custom_id`);
    const checked = validate(info.schema, candidate);
    if (!checked.ok) {
      const first = checked.errors[0];
      fail([...path, first.field.split('.')[0]], `${label}: ${first.reason}`);
    }
    if (selectTags.length > 0) fields.tags = [...new Set([...((fields.tags as string[] | null | undefined) ?? []), ...selectTags])];
    for (const f of ['cert', 'key', 'cert_alt', 'key_alt']) if (typeof fields[f] === 'string' && (type === 'certificates' || type === 'ca_certificates')) fields[f] = normalizePem(fields[f]);
    const rawKey = type === 'plugins' ? undefined : keyField ? (v[keyField] as string) : undefined;
    const entity: DesiredEntity = { type, label, line: source.lineOf(path), id: v.id as string | undefined, key: rawKey === undefined ? undefined : (normalizePem(rawKey) as string), fields, refs: parentRefs };
    state[type].push(entity);
    for (const r of refs) pending.push({ entity, field: r.field, ref: r.ref, path: [...path, r.field] });
    // Group memberships: decK writes them on the consumer (`groups: [{name}]`); older files list a group's `consumers`.
    const members = type === 'consumers' ? v.groups : type === 'consumer_groups' ? v.consumers : undefined;
    if (members !== undefined && members !== null) {
      const field = type === 'consumers' ? 'groups' : 'consumers';
      if (!Array.isArray(members)) fail([...path, field], `${label}: ${field} must be a list`);
      (members as unknown[]).forEach((m, i) => {
        const ref = typeof m === 'string' ? m : isObject(m) ? ((m.name ?? m.username ?? m.custom_id ?? m.id) as string | undefined) : undefined;
        if (typeof ref !== 'string' || ref === '') fail([...path, field, i], `${label}: each of ${field} must name a ${type === 'consumers' ? 'consumer group' : 'consumer'}`);
        const own: RefField = type === 'consumers' ? 'consumer' : 'consumer_group';
        const member: DesiredEntity = { type: 'consumer_group_members', label, line: source.lineOf([...path, field, i]), fields: {}, refs: { [own]: entity } };
        state.consumer_group_members.push(member);
        pending.push({ entity: member, field: type === 'consumers' ? 'consumer_group' : 'consumer', ref: ref!, path: [...path, field, i] });
      });
    }
    const childField = NEST_FIELD[type];
    for (const child of info.nested) {
      const list = v[child];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) fail([...path, child], `${label}: ${child} must be a list`);
      (list as unknown[]).forEach((item, i) => readEntity(child, item, [...path, child, i], { field: childField!, entity }));
    }
  };

  for (const type of FILE_TYPES) {
    const list = top[type];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) fail([type], `${type} must be a list`);
    (list as unknown[]).forEach((item, i) => readEntity(type, item, [type, i]));
  }

  // Ids, and names of services, routes and consumers, are unique per type, as in Kong.
  for (const type of ENTITY_ORDER) {
    const seen = new Map<string, DesiredEntity>();
    for (const e of state[type]) {
      for (const k of [e.id, ['services', 'routes', 'consumers', 'upstreams', 'consumer_groups', 'snis', 'certificates', 'ca_certificates'].includes(type) ? e.key : undefined]) {
        if (k === undefined) continue;
        const other = seen.get(k);
        if (other) throw fileError(file, e.line, `${e.label} is defined twice (also at line ${other.line})`);
        seen.set(k, e);
      }
    }
  }
  for (const p of pending) {
    const pool = state[REF_TYPES[p.field]];
    const target = pool.find((e) => e.id === p.ref || e.key === p.ref || (p.field === 'consumer' && (e.fields.username === p.ref || e.fields.custom_id === p.ref)));
    if (!target) fail(p.path, `${p.entity.label.replace(/ \(global\)$/, '')} references ${p.field.replace('_', ' ')} '${p.ref}', which is not in this file`);
    p.entity.refs[p.field] = target;
  }
  // Two memberships of the same pair (written on both sides) are one.
  state.consumer_group_members = state.consumer_group_members.filter((m, i, all) => all.findIndex((o) => o.refs.consumer === m.refs.consumer && o.refs.consumer_group === m.refs.consumer_group) === i);
  for (const type of ENTITY_ORDER) {
    for (const e of state[type]) e.label = labelOf(type, type === 'plugins' ? (e.fields.name as string) : (e.key ?? e.id ?? e.label.split("'")[1]), e.refs);
  }
  return state;
}

const SCHEME_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443, grpc: 80, grpcs: 443 };

/** Kong's `url` shorthand: 'http://a.test:8080/v1' → protocol http, host a.test, port 8080, path /v1. */
export function expandUrl(url: unknown, fields: Record<string, unknown>): Record<string, unknown> | string {
  if (typeof url !== 'string') return 'url must be a string';
  const clash = ['protocol', 'host', 'port', 'path'].filter((f) => f in fields);
  if (clash.length > 0) return `url cannot be combined with ${clash.join(', ')}`;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[^\]]+\]|[^/?#:[]+)(?::(\d+))?([^?#]*)$/.exec(url);
  if (!m) return `url must look like http://host:port/path, got '${url}'`;
  const protocol = m[1].toLowerCase();
  return { protocol, host: m[2], port: m[3] ? Number(m[3]) : (SCHEME_PORTS[protocol] ?? 80), path: m[4] ? m[4] : null };
}
