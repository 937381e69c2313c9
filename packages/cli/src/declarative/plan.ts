import { Value } from '@sinclair/typebox/value';
import { ENTITY_ORDER, REF_TYPES, TYPES, foreignKeysOf, isScoped, normalizePem, type EntityType, type RefField } from './types.ts';
import { labelOf, type DesiredEntity, type DesiredState } from './model.ts';
import type { LiveEntity, LiveState } from './live.ts';
import { fileError } from './source.ts';

// The plan: which entities to create, update or delete so the control plane matches the file.
// Entities match by id when the file gives one, else by their key (name, username); plugins by name
// and scope (service, route, consumer), which Kong keeps unique; credentials by consumer and key.

export interface FieldChange { field: string; from: unknown; to: unknown }
export interface Change {
  action: 'create' | 'update' | 'delete';
  type: EntityType;
  label: string;
  /** The live id (update, delete), or the file's id (create). */
  id?: string;
  desired?: DesiredEntity;
  live?: LiveEntity;
  changes: FieldChange[];
}

const SERVER_FIELDS = new Set(['id', 'created_at', 'updated_at']);

/** Every comparable field with Kong's defaults, as the API would store it. */
export function normalize(type: EntityType, fields: Record<string, unknown>): Record<string, unknown> {
  const { schema, neverCompared } = TYPES[type];
  const filled = Value.Default(schema, structuredClone(fields)) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    if (SERVER_FIELDS.has(key) || foreignKeysOf(type).includes(key) || neverCompared.includes(key)) continue;
    let value: unknown = filled[key] ?? null;
    if ((type === 'certificates' || type === 'ca_certificates') && ['cert', 'key', 'cert_alt', 'key_alt'].includes(key)) value = normalizePem(value);
    // Kong answers [] or null for "no tags"; both mean the same.
    if (key === 'tags' && Array.isArray(value)) value = value.length === 0 ? null : [...value].sort();
    out[key] = value;
  }
  return out;
}

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

// The file's plugin config is what the user wrote; the API adds the plugin schema's defaults. A
// key the file does not mention is left to the server, so only the written keys are compared.
function covered(desired: unknown, live: unknown): boolean {
  if (desired && typeof desired === 'object' && !Array.isArray(desired) && live && typeof live === 'object' && !Array.isArray(live)) {
    return Object.entries(desired).every(([k, v]) => covered(v, (live as Record<string, unknown>)[k]));
  }
  return equal(desired, live);
}

export function fieldChanges(type: EntityType, desired: Record<string, unknown>, live: LiveEntity): FieldChange[] {
  const want = normalize(type, desired);
  const have = normalize(type, live);
  const out: FieldChange[] = [];
  for (const key of Object.keys(want)) {
    if (TYPES[type].looseFields.includes(key) && desired[key] === undefined) continue;
    if (type === 'plugins' && key === 'config' ? covered(want[key], have[key]) : equal(want[key], have[key])) continue;
    out.push({ field: key, from: have[key], to: want[key] });
  }
  return out;
}

export const refId = (ref: unknown): string | null => (ref && typeof ref === 'object' ? ((ref as { id?: string }).id ?? null) : null);

/** Matches the file against the live state; fills each desired entity's live id into `ids`. */
export function computePlan(desired: DesiredState, live: LiveState): { changes: Change[]; ids: Map<DesiredEntity, string> } {
  const ids = new Map<DesiredEntity, string>();
  const matched = new Set<LiveEntity>();
  const changes: Change[] = [];
  const target = (e: DesiredEntity | undefined): string | null => (e ? (ids.get(e) ?? `new:${e.label}`) : null);
  const sameScope = (e: DesiredEntity, l: LiveEntity) => TYPES[e.type].refs.every((f) => refId(l[f]) === target(e.refs[f]));

  for (const type of ENTITY_ORDER) {
    const info = TYPES[type];
    for (const entity of desired[type]) {
      const pool = live[type].filter((l) => !matched.has(l));
      let found: LiveEntity | undefined;
      if (entity.id) found = pool.find((l) => l.id === entity.id);
      else if (type === 'plugins') found = pool.find((l) => l.name === entity.fields.name && sameScope(entity, l));
      else if (isScoped(type)) {
        // A credential without its key (Kong generates one) matches the consumer's first unmatched one;
        // memberships have no key and match by their consumer and group alone.
        const k = info.keys[0];
        found = pool.find((l) => sameScope(entity, l) && (k === undefined || entity.fields[k] === undefined || l[k] === entity.fields[k]));
      } else if (entity.key !== undefined) found = pool.find((l) => info.keys.some((k) => normalizePem(l[k]) === entity.key));
      if (!found) {
        if (type === 'basicauth_credentials' && entity.fields.password === undefined) {
          throw fileError(desired.file, entity.line, `${entity.label}: password is required to create it (a dump leaves passwords out, as they are stored hashed)`);
        }
        changes.push({ action: 'create', type, label: entity.label, id: entity.id, desired: entity, changes: [] });
        continue;
      }
      matched.add(found);
      ids.set(entity, found.id);
      const diff = fieldChanges(type, entity.fields, found);
      // Plugins and credentials match by scope, so only id-matched ones can have moved.
      if (type === 'routes' || type === 'snis' || entity.id) {
        for (const f of info.refs) {
          if (refId(found[f]) !== target(entity.refs[f])) diff.push({ field: f, from: refId(found[f]), to: entity.refs[f] ? (entity.refs[f]!.key ?? target(entity.refs[f])) : null });
        }
      }
      if (diff.length > 0) changes.push({ action: 'update', type, label: entity.label, id: found.id, desired: entity, live: found, changes: diff });
    }
  }
  // Deletes go last and in reverse dependency order: credentials and plugins, then consumers, routes, services.
  for (const type of [...ENTITY_ORDER].reverse()) {
    for (const l of live[type]) {
      if (matched.has(l)) continue;
      changes.push({ action: 'delete', type, label: liveLabel(type, l, live), id: l.id, live: l, changes: [] });
    }
  }
  return { changes, ids };
}

/** The key by which people know a live entity: name, username, custom_id, key, group, or id. */
export function liveKey(type: EntityType, l: LiveEntity): string {
  if (type === 'plugins') return l.name;
  for (const k of TYPES[type].keys) if (typeof l[k] === 'string') return l[k];
  return l.id;
}

export function liveLabel(type: EntityType, l: LiveEntity, live: LiveState): string {
  const refs: Record<string, string | undefined> = {};
  for (const f of TYPES[type].refs) {
    const id = refId(l[f]);
    if (id) {
      const refType = REF_TYPES[f as RefField];
      const found = live[refType].find((x) => x.id === id);
      refs[f] = found ? liveKey(refType, found) : id;
    }
  }
  return labelOf(type, liveKey(type, l), refs);
}

export function summarize(changes: Change[]) {
  const count = (a: Change['action']) => changes.filter((c) => c.action === a).length;
  return { create: count('create'), update: count('update'), delete: count('delete') };
}

const show = (v: unknown): string => JSON.stringify(v);

/** The plan for people: one line per change, the changed fields under updates. */
export function formatPlan(changes: Change[], what: string): string {
  if (changes.length === 0) return `No changes: ${what} already matches.`;
  const marks = { create: '+', update: '~', delete: '-' };
  const lines = changes.map((c) => {
    const head = `  ${marks[c.action]} ${c.action} ${c.label}`;
    const fields = c.changes.map((f) => `      ${f.field}: ${show(f.from)} -> ${show(f.to)}`);
    return [head, ...fields].join('\n');
  });
  const s = summarize(changes);
  return [...lines, `${changes.length} change${changes.length === 1 ? '' : 's'}: ${s.create} to create, ${s.update} to update, ${s.delete} to delete.`].join('\n');
}

/** The plan for scripts. */
export const planJson = (changes: Change[]) => ({
  summary: summarize(changes),
  changes: changes.map((c) => ({ action: c.action, type: TYPES[c.type].singular, label: c.label, id: c.id ?? null, changes: c.changes })),
});
