import { Value } from '@sinclair/typebox/value';
import { ENTITY_ORDER, FOREIGN_KEYS, SCHEMAS, SINGULAR, type DesiredEntity, type DesiredState, type EntityType } from './model.ts';
import type { LiveEntity, LiveState } from './live.ts';

// The plan: which entities to create, update or delete so the control plane matches the file.
// Entities match by id when the file gives one, else by name; plugins by their name and scope
// (service, route), which Kong keeps unique.

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

/** Every non-reference field with Kong's defaults, as the API would store it. */
export function normalize(type: EntityType, fields: Record<string, unknown>): Record<string, unknown> {
  const schema = SCHEMAS[type];
  const filled = Value.Default(schema, structuredClone(fields)) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(schema.properties)) {
    if (SERVER_FIELDS.has(key) || FOREIGN_KEYS[type].includes(key)) continue;
    let value = filled[key] ?? null;
    // Kong answers [] or null for "no tags"; both mean the same.
    if (key === 'tags' && Array.isArray(value)) value = value.length === 0 ? null : [...value].sort();
    out[key] = value;
  }
  return out;
}

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

// The file's plugin config is what the user wrote; the API adds the plugin schema's defaults. A
// key the file does not mention is left to the server, so only the written keys are compared.
function configCovered(desired: unknown, live: unknown): boolean {
  if (desired && typeof desired === 'object' && !Array.isArray(desired) && live && typeof live === 'object' && !Array.isArray(live)) {
    return Object.entries(desired).every(([k, v]) => configCovered(v, (live as Record<string, unknown>)[k]));
  }
  return equal(desired, live);
}

export function fieldChanges(type: EntityType, desired: Record<string, unknown>, live: LiveEntity): FieldChange[] {
  const want = normalize(type, desired);
  const have = normalize(type, live);
  const out: FieldChange[] = [];
  for (const key of Object.keys(want)) {
    if (type === 'plugins' && key === 'config' ? configCovered(want[key], have[key]) : equal(want[key], have[key])) continue;
    out.push({ field: key, from: have[key], to: want[key] });
  }
  return out;
}

const refId = (ref: unknown): string | null => (ref && typeof ref === 'object' ? ((ref as { id?: string }).id ?? null) : null);

/** Matches the file against the live state; fills each desired entity's live id into `ids`. */
export function computePlan(desired: DesiredState, live: LiveState): { changes: Change[]; ids: Map<DesiredEntity, string> } {
  const ids = new Map<DesiredEntity, string>();
  const matched = new Set<LiveEntity>();
  const changes: Change[] = [];
  const target = (e: DesiredEntity | undefined): string | null => (e ? (ids.get(e) ?? `new:${e.label}`) : null);

  for (const type of ENTITY_ORDER) {
    for (const entity of desired[type]) {
      let found: LiveEntity | undefined;
      if (entity.id) found = live[type].find((l) => l.id === entity.id);
      else if (type === 'plugins') {
        found = live.plugins.find(
          (l) => !matched.has(l) && l.name === entity.fields.name && refId(l.service) === target(entity.service) && refId(l.route) === target(entity.route) && refId(l.consumer) === null,
        );
      } else if (entity.name) found = live[type].find((l) => l.name === entity.name);
      if (!found) {
        changes.push({ action: 'create', type, label: entity.label, id: entity.id, desired: entity, changes: [] });
        continue;
      }
      matched.add(found);
      ids.set(entity, found.id);
      const diff = fieldChanges(type, entity.fields, found);
      if (type === 'routes' && refId(found.service) !== target(entity.service)) diff.push({ field: 'service', from: refId(found.service), to: entity.service ? (entity.service.name ?? target(entity.service)) : null });
      if (type === 'plugins' && entity.id) {
        for (const fk of ['service', 'route'] as const) {
          if (refId(found[fk]) !== target(entity[fk])) diff.push({ field: fk, from: refId(found[fk]), to: entity[fk] ? (entity[fk]!.name ?? target(entity[fk])) : null });
        }
      }
      if (diff.length > 0) changes.push({ action: 'update', type, label: entity.label, id: found.id, desired: entity, live: found, changes: diff });
    }
  }
  // Deletes go last and in reverse dependency order: plugins, then routes, then services.
  for (const type of [...ENTITY_ORDER].reverse()) {
    for (const l of live[type]) {
      if (matched.has(l)) continue;
      changes.push({ action: 'delete', type, label: liveLabel(type, l, live), id: l.id, live: l, changes: [] });
    }
  }
  return { changes, ids };
}

export function liveLabel(type: EntityType, l: LiveEntity, live: LiveState): string {
  if (type !== 'plugins') return `${SINGULAR[type]} '${l.name ?? l.id}'`;
  const name = (t: 'services' | 'routes', id: string | null) => (id ? (live[t].find((x) => x.id === id)?.name ?? id) : null);
  const svc = name('services', refId(l.service));
  const route = name('routes', refId(l.route));
  const scope = [svc && `service '${svc}'`, route && `route '${route}'`].filter(Boolean).join(' and ');
  return `plugin '${l.name}'${scope ? ` on ${scope}` : ' (global)'}`;
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
  changes: changes.map((c) => ({ action: c.action, type: SINGULAR[c.type], label: c.label, id: c.id ?? null, changes: c.changes })),
});
