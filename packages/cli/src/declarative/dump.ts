import { ENTITY_ORDER, FOREIGN_KEYS, type EntityType } from './model.ts';
import { normalize } from './plan.ts';
import type { LiveEntity, LiveState } from './live.ts';

// The live state as a decK-style file: routes nested under their service, single-scope plugins under
// their service or route, the rest at the top level with references by name. Fields equal to Kong's
// defaults are left out (apply fills them back in), so `apply` of a dump plans nothing.

const refId = (ref: unknown): string | null => (ref && typeof ref === 'object' ? ((ref as { id?: string }).id ?? null) : null);

function compact(type: EntityType, e: LiveEntity, selectTags: string[]): Record<string, unknown> {
  const defaults = normalize(type, type === 'plugins' ? { name: e.name } : {});
  const full = normalize(type, e);
  const out: Record<string, unknown> = {};
  let tags: string[] | undefined;
  // Unnamed services and routes (and every plugin with an id the file gave) are matched by id.
  if (type !== 'plugins' && !e.name) out.id = e.id;
  if (e.name !== undefined && e.name !== null) out.name = e.name;
  for (const [key, value] of Object.entries(full)) {
    if (key === 'name' || FOREIGN_KEYS[type].includes(key)) continue;
    if (key === 'tags' && Array.isArray(value)) {
      // select_tags are added back by apply; writing them again is harmless but noisy.
      const own = (e.tags as string[]).filter((t) => !selectTags.includes(t));
      if (own.length > 0) tags = own;
      continue;
    }
    if (value === null || JSON.stringify(value) === JSON.stringify(defaults[key])) continue;
    out[key] = value;
  }
  if (tags) out.tags = tags;
  return out;
}

export function toDeclarative(live: LiveState, options: { selectTags: string[]; controlPlaneName?: string }): Record<string, unknown> {
  const { selectTags } = options;
  const serviceName = (id: string) => live.services.find((s) => s.id === id)?.name ?? id;
  const routeName = (id: string) => live.routes.find((r) => r.id === id)?.name ?? id;
  const services = new Map(live.services.map((s) => [s.id, compact('services', s, selectTags)]));
  const routes = new Map(live.routes.map((r) => [r.id, compact('routes', r, selectTags)]));
  const topRoutes: Record<string, unknown>[] = [];
  const topPlugins: Record<string, unknown>[] = [];
  const push = (parent: Record<string, unknown>, key: string, child: Record<string, unknown>) => ((parent[key] ??= []) as Record<string, unknown>[]).push(child);

  for (const r of live.routes) {
    const out = routes.get(r.id)!;
    const svc = refId(r.service);
    if (svc && services.has(svc)) push(services.get(svc)!, 'routes', out);
    else topRoutes.push(svc ? { ...out, service: serviceName(svc) } : out);
  }
  for (const p of live.plugins) {
    const out = compact('plugins', p, selectTags);
    const svc = refId(p.service);
    const route = refId(p.route);
    if (svc && !route && services.has(svc)) push(services.get(svc)!, 'plugins', out);
    else if (route && !svc && routes.has(route)) push(routes.get(route)!, 'plugins', out);
    else topPlugins.push({ ...out, ...(svc ? { service: serviceName(svc) } : {}), ...(route ? { route: routeName(route) } : {}) });
  }
  const doc: Record<string, unknown> = { _format_version: '3.0' };
  if (options.controlPlaneName) doc._konnect = { control_plane_name: options.controlPlaneName };
  if (selectTags.length > 0) doc._info = { select_tags: selectTags };
  const lists: Record<EntityType, Record<string, unknown>[]> = { services: [...services.values()], routes: topRoutes, plugins: topPlugins };
  for (const type of ENTITY_ORDER) if (lists[type].length > 0) doc[type] = lists[type];
  return doc;
}
