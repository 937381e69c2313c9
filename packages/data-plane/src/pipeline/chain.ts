import type { Plugin, Route } from '@gatehouse/schema';
import { PLUGIN_HANDLERS, validatePluginConfig, type AnyPlugin } from '@gatehouse/plugins';
import { DP_ERRORS, DataPlaneError } from '../errors.ts';

// Plugin chains, compiled once per snapshot: for each route, the one config per plugin name that
// Kong's scoping precedence selects (route+service > route > service > global; consumer scopes
// come with consumers), sorted by priority. Each phase keeps only the plugins that implement it.

export interface ChainEntry {
  plugin: AnyPlugin;
  /** What `compile` returned (or the validated config). */
  state: unknown;
  instanceId: string;
}

export interface Chain {
  rewrite: ChainEntry[];
  access: ChainEntry[];
  headerFilter: ChainEntry[];
  bodyFilter: ChainEntry[];
  log: ChainEntry[];
  /** Whether a plugin needs `ctx.body` buffered before `access`. */
  needsBody: boolean;
  /** Chain length: the size of `ctx.slots`. */
  size: number;
}

export const EMPTY_CHAIN: Chain = { rewrite: [], access: [], headerFilter: [], bodyFilter: [], log: [], needsBody: false, size: 0 };

interface Instance {
  entity: Plugin;
  entry: ChainEntry;
  needsBody: boolean;
}

/** Validates and compiles every enabled HTTP plugin instance of a snapshot. */
export function compileInstances(plugins: Plugin[], gatewayId: string): Instance[] {
  const out: Instance[] = [];
  for (const entity of plugins) {
    if (!entity.enabled) continue;
    if (!entity.protocols.includes('http') && !entity.protocols.includes('https')) continue;
    // Consumer and consumer-group scoped instances wait for consumers (auth plugins).
    if (entity.consumer !== null || entity.consumer_group !== null) continue;
    const plugin = PLUGIN_HANDLERS.get(entity.name);
    if (plugin === undefined) throw new DataPlaneError(DP_ERRORS.PLUGIN_UNKNOWN, `plugin ${entity.id}: '${entity.name}' is not available on this data plane`);
    const valid = validatePluginConfig(entity.name, entity.config);
    if (!valid.ok) throw new DataPlaneError(DP_ERRORS.PLUGIN_CONFIG_INVALID, `plugin ${entity.id} (${entity.name}): ${valid.errors.map((e) => `config.${e.field}: ${e.reason}`).join('; ')}`);
    const state = plugin.compile ? plugin.compile(valid.value, { gatewayId }) : valid.value;
    out.push({ entity, entry: { plugin, state, instanceId: entity.id }, needsBody: plugin.needsBody?.(valid.value) ?? false });
  }
  return out;
}

// Lower is more specific: route+service, route, service, global.
function specificity(p: Plugin, routeId: string | null, serviceId: string | null): number {
  const r = p.route?.id ?? null;
  const s = p.service?.id ?? null;
  if (r !== null && s !== null) return r === routeId && s === serviceId ? 0 : -1;
  if (r !== null) return r === routeId ? 1 : -1;
  if (s !== null) return s === serviceId ? 2 : -1;
  return 3;
}

/** The chain for one route (or, with `route` null, the global chain used before routing). */
export function buildChain(instances: Instance[], route: Route | null): Chain {
  const routeId = route?.id ?? null;
  const serviceId = route?.service?.id ?? null;
  const chosen = new Map<string, { rank: number; instance: Instance }>();
  for (const instance of instances) {
    const rank = specificity(instance.entity, routeId, serviceId);
    if (rank < 0) continue;
    const prev = chosen.get(instance.entity.name);
    if (prev === undefined || rank < prev.rank) chosen.set(instance.entity.name, { rank, instance });
  }
  if (chosen.size === 0) return EMPTY_CHAIN;
  const picked = [...chosen.values()].map((c) => c.instance);
  // Kong: higher priority first; equal priorities by name so the order is deterministic.
  picked.sort((a, b) => b.entry.plugin.priority - a.entry.plugin.priority || (a.entity.name < b.entity.name ? -1 : 1));
  const entries = picked.map((i) => i.entry);
  return {
    rewrite: entries.filter((e) => e.plugin.rewrite),
    access: orderAccess(picked).filter((e) => e.plugin.access),
    headerFilter: entries.filter((e) => e.plugin.headerFilter),
    bodyFilter: entries.filter((e) => e.plugin.bodyFilter),
    log: entries.filter((e) => e.plugin.log),
    needsBody: picked.some((i) => i.needsBody),
    size: entries.length,
  };
}

/**
 * Kong's dynamic ordering (`ordering.before.access` / `ordering.after.access`, access phase only),
 * sorted like Kong EE's `topsort_plugins`: a depth-first sort over the priority order that emits a
 * plugin's required predecessors just before it. Names not in the chain are ignored. A cycle has no
 * valid order: the snapshot is refused.
 * @example priorities a 1000, b 500, c 10; c `before: ['a']` -> access runs c, a, b.
 */
function orderAccess(picked: Instance[]): ChainEntry[] {
  if (!picked.some((i) => i.entity.ordering !== null)) return picked.map((i) => i.entry);
  const index = new Map<string, number>();
  picked.forEach((instance, i) => index.set(instance.entity.name, i));
  // preds[i]: the positions that must run before position i.
  const preds: number[][] = picked.map(() => []);
  picked.forEach((instance, i) => {
    const ordering = instance.entity.ordering;
    for (const name of ordering?.before?.access ?? []) {
      const to = index.get(name);
      if (to !== undefined && to !== i) preds[to].push(i);
    }
    for (const name of ordering?.after?.access ?? []) {
      const from = index.get(name);
      if (from !== undefined && from !== i) preds[i].push(from);
    }
  });
  for (const p of preds) p.sort((a, b) => a - b);
  const out: ChainEntry[] = [];
  // 0 unvisited, 1 on the current path, 2 emitted.
  const mark: number[] = picked.map(() => 0);
  const visit = (i: number): void => {
    if (mark[i] === 2) return;
    if (mark[i] === 1) throw new DataPlaneError(DP_ERRORS.PLUGIN_CONFIG_INVALID, `plugin ordering has a cycle through '${picked[i].entity.name}'`);
    mark[i] = 1;
    for (const p of preds[i]) visit(p);
    mark[i] = 2;
    out.push(picked[i].entry);
  };
  for (let i = 0; i < picked.length; i++) visit(i);
  return out;
}
