import { pluginSchema, routeSchema, serviceSchema, validate, type TSchema } from '@gatehouse/schema';
import { fileError, type Path, type Source } from './source.ts';

// Kong's declarative format (reference/kong-dataplane.md §7) read into a flat desired state: every
// service, route and plugin once, with its references resolved to the file's own entities. Everything
// wrong with the file is found here, before the API is called.

export type EntityType = 'services' | 'routes' | 'plugins';
export const ENTITY_ORDER: EntityType[] = ['services', 'routes', 'plugins'];
export const SINGULAR: Record<EntityType, string> = { services: 'service', routes: 'route', plugins: 'plugin' };
export const SCHEMAS: Record<EntityType, TSchema & { properties: Record<string, TSchema> }> = { services: serviceSchema, routes: routeSchema, plugins: pluginSchema };

/** Foreign-key fields per type; they are references, not plain fields. */
export const FOREIGN_KEYS: Record<EntityType, string[]> = { services: ['client_certificate'], routes: ['service'], plugins: ['service', 'route', 'consumer', 'consumer_group'] };

export interface DesiredEntity {
  type: EntityType;
  /** For messages: `route 'r1'`, `plugin 'cors' (global)`. */
  label: string;
  line: number | undefined;
  id?: string;
  name?: string;
  /** Wire fields without id, timestamps and foreign keys. */
  fields: Record<string, unknown>;
  service?: DesiredEntity;
  route?: DesiredEntity;
}

export interface DesiredState {
  services: DesiredEntity[];
  routes: DesiredEntity[];
  plugins: DesiredEntity[];
  selectTags: string[];
  /** `_konnect.control_plane_name`, which decK uses to pick the control plane. */
  controlPlaneName?: string;
}

const META_KEYS = new Set(['_format_version', '_transform', '_comment', '_ignore', '_info', '_konnect', '_workspace', '_plugin_configs']);
const ENTITY_META = new Set(['_comment', '_ignore', 'created_at', 'updated_at']);
// Kong entity collections this control plane does not serve yet; consumers and credentials are next.
const NOT_YET = ['consumers', 'upstreams', 'targets', 'certificates', 'ca_certificates', 'snis', 'consumer_groups', 'vaults', 'keys', 'key_sets', 'keyauth_credentials', 'basicauth_credentials', 'jwt_secrets', 'hmacauth_credentials', 'acls', 'oauth2_credentials', 'mtls_auth_credentials', 'partials', 'filter_chains'];
const FORMAT_VERSIONS = ['1.1', '2.1', '3.0'];
const NIL_UUID = '00000000-0000-4000-8000-000000000000';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

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
    if (META_KEYS.has(key) || ENTITY_ORDER.includes(key as EntityType)) continue;
    if (NOT_YET.includes(key)) {
      if (Array.isArray(top[key]) && (top[key] as unknown[]).length === 0) continue;
      fail([key], `${key} are not supported by this control plane yet (services, routes and plugins are)`, true);
    }
    fail([key], `unknown field '${key}' at the top level`, true);
  }
  const info = isObject(top._info) ? top._info : {};
  const fileTags = Array.isArray(info.select_tags) ? info.select_tags.map(String) : [];
  const selectTags = [...new Set([...fileTags, ...extraSelectTags])];
  const state: DesiredState = { services: [], routes: [], plugins: [], selectTags, controlPlaneName: isObject(top._konnect) ? (top._konnect.control_plane_name as string | undefined) : undefined };
  // References found while walking; resolved once every entity is known.
  const pending: { entity: DesiredEntity; field: 'service' | 'route'; ref: string; path: Path }[] = [];

  const readEntity = (type: EntityType, value: unknown, path: Path, parent: { service?: DesiredEntity; route?: DesiredEntity }): DesiredEntity | undefined => {
    if (!isObject(value)) return fail(path, `each entry of ${String(path.at(-2))} must be a mapping`);
    const v = value as Record<string, unknown>;
    if (v._ignore === true) return undefined;
    const properties = SCHEMAS[type].properties;
    const nested: Record<EntityType, EntityType[]> = { services: ['routes', 'plugins'], routes: ['plugins'], plugins: [] };
    const fields: Record<string, unknown> = {};
    const refs: { field: 'service' | 'route'; ref: string; key: string }[] = [];
    const nameOf = type === 'plugins' ? v.name : v.name ?? v.id;
    const where = parent.route ? ` in ${parent.route.label}` : parent.service ? ` in ${parent.service.label}` : '';
    const label = `${SINGULAR[type]} '${nameOf ?? `#${path.at(-1)}`}'${where}`;
    for (const [key, field] of Object.entries(v)) {
      if (ENTITY_META.has(key) || (nested[type] as string[]).includes(key) || key === 'id') continue;
      if (type === 'services' && key === 'url') continue;
      if (FOREIGN_KEYS[type].includes(key)) {
        const parentField = parent.route ? 'route' : parent.service ? 'service' : undefined;
        if (parentField !== undefined) fail([...path, key], `${label}: '${key}' must not be set on an entity nested under a ${parentField} (write it at the top level instead)`, true);
        if (key === 'consumer' || key === 'consumer_group' || key === 'client_certificate') fail([...path, key], `${label}: ${key} references are not supported by this control plane yet`, true);
        const ref = typeof field === 'string' ? field : isObject(field) ? ((field.id ?? field.name) as string | undefined) : undefined;
        if (typeof ref !== 'string' || ref === '') fail([...path, key], `${label}: ${key} must be the name or id of a ${key} in this file`);
        refs.push({ field: key as 'service' | 'route', ref: ref!, key });
        continue;
      }
      if (!(key in properties)) fail([...path, key], `${label}: unknown field '${key}'`, true);
      fields[key] = field;
    }
    if (type === 'services' && v.url !== undefined) {
      const expanded = expandUrl(v.url, fields);
      if (typeof expanded === 'string') fail([...path, 'url'], `${label}: ${expanded}`);
      Object.assign(fields, expanded);
    }
    if (v.id !== undefined && typeof v.id !== 'string') fail([...path, 'id'], `${label}: id must be a UUID string`);
    // Type and value checks with the entity schema, with placeholders for what the server sets.
    const candidate: Record<string, unknown> = { ...fields, id: v.id ?? NIL_UUID, created_at: 0, updated_at: 0 };
    const checked = validate(SCHEMAS[type], candidate);
    if (!checked.ok) {
      const first = checked.errors[0];
      fail([...path, first.field.split('.')[0]], `${label}: ${first.reason}`);
    }
    if (selectTags.length > 0) fields.tags = [...new Set([...((fields.tags as string[] | null | undefined) ?? []), ...selectTags])];
    const entity: DesiredEntity = { type, label, line: source.lineOf(path), id: v.id as string | undefined, name: typeof v.name === 'string' ? v.name : undefined, fields, ...parent };
    state[type].push(entity);
    for (const r of refs) pending.push({ entity, field: r.field, ref: r.ref, path: [...path, r.key] });
    for (const child of nested[type]) {
      const list = v[child];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) fail([...path, child], `${label}: ${child} must be a list`);
      const childParent = type === 'services' ? { service: entity } : { route: entity };
      (list as unknown[]).forEach((item, i) => readEntity(child, item, [...path, child, i], childParent));
    }
    return entity;
  };

  for (const type of ENTITY_ORDER) {
    const list = top[type];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) fail([type], `${type} must be a list`);
    (list as unknown[]).forEach((item, i) => readEntity(type, item, [type, i], {}));
  }

  // Names and ids are unique per type, as in Kong.
  for (const type of ENTITY_ORDER) {
    const seen = new Map<string, DesiredEntity>();
    for (const e of state[type]) {
      for (const key of [e.id, type === 'plugins' ? undefined : e.name]) {
        if (key === undefined) continue;
        const other = seen.get(key);
        if (other) throw fileError(file, e.line, `${e.label} is defined twice (also at line ${other.line})`);
        seen.set(key, e);
      }
    }
  }
  for (const p of pending) {
    const pool = state[p.field === 'service' ? 'services' : 'routes'];
    const target = pool.find((e) => e.id === p.ref || e.name === p.ref);
    if (!target) fail(p.path, `${p.entity.label} references ${p.field} '${p.ref}', which is not in this file`);
    p.entity[p.field] = target;
    if (p.entity.type === 'plugins') p.entity.label = pluginLabel(p.entity);
  }
  for (const plugin of state.plugins) plugin.label = pluginLabel(plugin);
  return state;
}

const keyOf = (e: DesiredEntity): string => e.name ?? e.id ?? '?';

export function pluginLabel(p: { fields: Record<string, unknown>; service?: DesiredEntity; route?: DesiredEntity }): string {
  const scope = [p.service && `service '${keyOf(p.service)}'`, p.route && `route '${keyOf(p.route)}'`].filter(Boolean).join(' and ');
  return `plugin '${p.fields.name}'${scope ? ` on ${scope}` : ' (global)'}`;
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
