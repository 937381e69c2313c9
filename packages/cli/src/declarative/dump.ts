import { ENTITY_ORDER, FILE_TYPES, PARENT_PATH, REF_TYPES, TYPES, foreignKeysOf, type EntityType, type RefField } from './types.ts';
import { liveKey, normalize, refId } from './plan.ts';
import type { LiveEntity, LiveState } from './live.ts';

// The live state as a decK-style file: routes nested under their service, credentials under their
// consumer, single-scope plugins under their service, route or consumer, the rest at the top level
// with references by name. Fields equal to Kong's defaults are left out (apply fills them back in),
// so `apply` of a dump plans nothing. Basic-auth passwords are stored hashed and left out.


function compact(type: EntityType, e: LiveEntity, selectTags: string[]): Record<string, unknown> {
  const defaults = normalize(type, type === 'plugins' ? { name: e.name } : {});
  const full = normalize(type, e);
  const out: Record<string, unknown> = {};
  let tags: string[] | undefined;
  // Entities without a key field are matched by id, so the dump keeps it.
  if (type !== 'plugins' && !TYPES[type].keys.some((k) => typeof e[k] === 'string')) out.id = e.id;
  for (const [key, value] of Object.entries(full)) {
    if (foreignKeysOf(type).includes(key)) continue;
    if (key === 'tags' && Array.isArray(value)) {
      // select_tags are added back by apply; writing them again is harmless but noisy.
      const own = (e.tags as string[]).filter((t) => !selectTags.includes(t));
      if (own.length > 0) tags = own;
      continue;
    }
    if (value === null || (key !== 'name' && JSON.stringify(value) === JSON.stringify(defaults[key]))) continue;
    out[key] = value;
  }
  if (tags) out.tags = tags;
  return out;
}

export function toDeclarative(live: LiveState, options: { selectTags: string[]; controlPlaneName?: string }): Record<string, unknown> {
  const { selectTags } = options;
  const compacted = new Map<LiveEntity, Record<string, unknown>>();
  const byId = new Map<string, LiveEntity>();
  for (const type of ENTITY_ORDER) for (const e of live[type]) byId.set(`${type}:${e.id}`, e);
  const top: Record<EntityType, Record<string, unknown>[]> = Object.fromEntries(ENTITY_ORDER.map((t) => [t, []])) as unknown as Record<EntityType, Record<string, unknown>[]>;
  const nameOf = (field: RefField, id: string) => {
    const e = byId.get(`${REF_TYPES[field]}:${id}`);
    return e ? liveKey(REF_TYPES[field], e) : id;
  };

  for (const type of FILE_TYPES) {
    for (const e of live[type]) {
      const out = compact(type, e, selectTags);
      compacted.set(e, out);
      const set = TYPES[type].refs.filter((f) => refId(e[f]) !== null);
      // Nest under the one entity this one refers to, when that entity is in the dump too.
      const parentType = set.length === 1 ? REF_TYPES[set[0]] : undefined;
      const parentEntity = parentType && TYPES[parentType].nested.includes(type) ? byId.get(`${parentType}:${refId(e[set[0]])}`) : undefined;
      const parentOut = parentEntity ? compacted.get(parentEntity) : undefined;
      if (parentOut) {
        ((parentOut[type] ??= []) as Record<string, unknown>[]).push(out);
        continue;
      }
      for (const f of set) out[f] = nameOf(f, refId(e[f])!);
      if (PARENT_PATH[type] && set.length === 0) continue;
      top[type].push(out);
    }
  }
  // Memberships as decK writes them: `groups: [{name}]` on the consumer.
  for (const m of live.consumer_group_members) {
    const consumer = byId.get(`consumers:${refId(m.consumer)}`);
    const group = byId.get(`consumer_groups:${refId(m.consumer_group)}`);
    const out = consumer && compacted.get(consumer);
    if (out && group) ((out.groups ??= []) as Record<string, unknown>[]).push({ name: group.name });
  }
  const doc: Record<string, unknown> = { _format_version: '3.0' };
  if (options.controlPlaneName) doc._konnect = { control_plane_name: options.controlPlaneName };
  if (selectTags.length > 0) doc._info = { select_tags: selectTags };
  for (const type of FILE_TYPES) if (top[type].length > 0) doc[type] = top[type];
  return doc;
}
