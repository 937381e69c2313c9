import type { Plugin, Route } from '@gatehouse/schema';
import { PLUGIN_HANDLERS, validatePluginConfig, type AnyPlugin } from '@gatehouse/plugins';
import { EMPTY_CONSUMER_INDEX, type ConsumerIndex } from '@gatehouse/plugins/consumers.ts';
import { DP_ERRORS, DataPlaneError } from '../errors.ts';

// Plugin chains, compiled once per snapshot: for each route, the one config per plugin name that
// Kong's scoping precedence selects, sorted by priority. Each phase keeps only the plugins that
// implement it. Consumer and consumer-group scoped configs make extra chains per route, looked up
// when an auth plugin sets the consumer (see `ConsumerScopes`). A plugin instance runs only on the
// request protocols in its `protocols`: when instances differ between the cleartext and the TLS
// protocol of a route, the route gets a second chain for TLS requests (`Chain.tls`).

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
  /** The chains to switch to once an auth plugin sets a consumer; null when no config is consumer-scoped. */
  consumerScopes: RouteConsumerScopes | null;
  /**
   * The chain for requests over TLS (https, or grpcs on a gRPC route) when some instance's
   * `protocols` differ between the route's cleartext and TLS protocol; null: this chain serves both.
   * Pick with `chainFor`.
   */
  tls: Chain | null;
}

/** The chain a request runs on: `chain` itself, or its TLS variant for a request over TLS. */
export const chainFor = (chain: Chain, isTls: boolean): Chain => (isTls && chain.tls !== null ? chain.tls : chain);

/** Where the chain continues after the auth plugin at `access[i]` set a consumer. */
export interface ConsumerSwitch {
  chain: Chain;
  /** Index of that auth plugin in `chain.access`: the run resumes after it. */
  resumeAt: number;
}

/**
 * Consumer-scoped chains of one route. A consumer maps to a key (its own id when it has configs of
 * its own, else its scoped groups), the key to one chain per auth plugin that may set it: plugins
 * before the auth plugin keep the configs chosen without a consumer, as in Kong, where each config
 * is resolved when its plugin is reached.
 */
export interface RouteConsumerScopes {
  keys: ReadonlyMap<string, string>;
  byKey: ReadonlyMap<string, ReadonlyMap<string, ConsumerSwitch>>;
}

export const EMPTY_CHAIN: Chain = { rewrite: [], access: [], headerFilter: [], bodyFilter: [], log: [], needsBody: false, size: 0, consumerScopes: null, tls: null };

interface Instance {
  entity: Plugin;
  entry: ChainEntry;
  needsBody: boolean;
}

/** Validates and compiles every enabled HTTP (or gRPC) plugin instance of a snapshot. */
export function compileInstances(plugins: Plugin[], gatewayId: string, consumers: ConsumerIndex = EMPTY_CONSUMER_INDEX): Instance[] {
  const out: Instance[] = [];
  for (const entity of plugins) {
    if (!entity.enabled) continue;
    if (!entity.protocols.some(isProxyProtocol)) continue;
    const plugin = PLUGIN_HANDLERS.get(entity.name);
    if (plugin === undefined) throw new DataPlaneError(DP_ERRORS.PLUGIN_UNKNOWN, `plugin ${entity.id}: '${entity.name}' is not available on this data plane`);
    const valid = validatePluginConfig(entity.name, entity.config);
    if (!valid.ok) throw new DataPlaneError(DP_ERRORS.PLUGIN_CONFIG_INVALID, `plugin ${entity.id} (${entity.name}): ${valid.errors.map((e) => `config.${e.field}: ${e.reason}`).join('; ')}`);
    const state = plugin.compile ? plugin.compile(valid.value, { gatewayId, consumers, instance: { id: entity.id, routeId: entity.route?.id ?? null, serviceId: entity.service?.id ?? null } }) : valid.value;
    out.push({ entity, entry: { plugin, state, instanceId: entity.id }, needsBody: plugin.needsBody?.(valid.value) ?? false });
  }
  return out;
}

const isProxyProtocol = (p: string): boolean => p === 'http' || p === 'https' || p === 'grpc' || p === 'grpcs';

/** Who a chain is built for: a consumer's id (when it has configs of its own) and its scoped groups. */
interface Principal {
  consumerId: string | null;
  /** Ids of the consumer's groups that have configs, sorted by group name. */
  groupIds: string[];
}

// Kong's precedence (reference §2.3, consumer groups as Konnect documents them); lower is more
// specific: consumer+route+service, group+route+service, consumer+route, consumer+service,
// group+route, group+service, route+service, consumer, group, route, service, global. Among groups
// of the same rank, the group whose name sorts first wins (the fraction).
function specificity(p: Plugin, routeId: string | null, serviceId: string | null, who: Principal | null): number {
  const r = p.route?.id ?? null;
  const s = p.service?.id ?? null;
  if ((r !== null && r !== routeId) || (s !== null && s !== serviceId)) return -1;
  const c = p.consumer?.id ?? null;
  const g = p.consumer_group?.id ?? null;
  if (c !== null && g !== null) return -1;
  if (c !== null) {
    if (who === null || c !== who.consumerId) return -1;
    return r !== null && s !== null ? 0 : r !== null ? 2 : s !== null ? 3 : 7;
  }
  if (g !== null) {
    const at = who === null ? -1 : who.groupIds.indexOf(g);
    if (at < 0) return -1;
    const fraction = at / (who!.groupIds.length + 1);
    return (r !== null && s !== null ? 1 : r !== null ? 4 : s !== null ? 5 : 8) + fraction;
  }
  return r !== null && s !== null ? 6 : r !== null ? 9 : s !== null ? 10 : 11;
}

// Kong: higher priority first; equal priorities by name so the order is deterministic.
const byPriority = (a: Instance, b: Instance): number => b.entry.plugin.priority - a.entry.plugin.priority || (a.entity.name < b.entity.name ? -1 : 1);

function pick(instances: Instance[], routeId: string | null, serviceId: string | null, who: Principal | null): Instance[] {
  const chosen = new Map<string, { rank: number; instance: Instance }>();
  for (const instance of instances) {
    const rank = specificity(instance.entity, routeId, serviceId, who);
    if (rank < 0) continue;
    const prev = chosen.get(instance.entity.name);
    if (prev === undefined || rank < prev.rank) chosen.set(instance.entity.name, { rank, instance });
  }
  return [...chosen.values()].map((c) => c.instance).sort(byPriority);
}

/**
 * The chain for one route (or, with `route` null, the global chain used before routing). With
 * `consumers`, the route's consumer-scoped chains are built too. Instances run only on the request
 * protocols in their `protocols` (Kong): a gRPC route's requests are grpc/grpcs, others (and the
 * pre-routing chain) http/https. When the TLS protocol selects other instances than the cleartext
 * one, the chain gets its `tls` variant.
 */
export function buildChain(instances: Instance[], route: Route | null, consumers: ConsumerIndex = EMPTY_CONSUMER_INDEX): Chain {
  const isGrpc = route !== null && route.protocols.some((p) => p === 'grpc' || p === 'grpcs');
  const plain = instances.filter((i) => i.entity.protocols.includes(isGrpc ? 'grpc' : 'http'));
  const secure = instances.filter((i) => i.entity.protocols.includes(isGrpc ? 'grpcs' : 'https'));
  const chain = buildFor(plain, route, consumers);
  if (plain.length === secure.length && plain.every((p, i) => p === secure[i])) return chain;
  const tls = buildFor(secure, route, consumers);
  if (chain === EMPTY_CHAIN && tls === EMPTY_CHAIN) return EMPTY_CHAIN;
  // EMPTY_CHAIN is shared: a route with plugins on TLS only gets its own empty cleartext chain.
  return { ...chain, tls };
}

function buildFor(instances: Instance[], route: Route | null, consumers: ConsumerIndex): Chain {
  const routeId = route?.id ?? null;
  const serviceId = route?.service?.id ?? null;
  const picked = pick(instances, routeId, serviceId, null);
  const scopes = route === null ? null : buildConsumerScopes(instances, routeId, serviceId, picked, consumers);
  if (picked.length === 0 && scopes === null) return EMPTY_CHAIN;
  const chain = assemble(picked, scopes);
  // The body is read before access, when the consumer is not known yet.
  for (const switches of scopes?.byKey.values() ?? []) for (const s of switches.values()) chain.needsBody ||= s.chain.needsBody;
  return chain;
}

function buildConsumerScopes(instances: Instance[], routeId: string | null, serviceId: string | null, base: Instance[], consumers: ConsumerIndex): RouteConsumerScopes | null {
  const scopedConsumers = new Set<string>();
  const scopedGroups = new Set<string>();
  for (const i of instances) {
    if (i.entity.consumer !== null) scopedConsumers.add(i.entity.consumer.id);
    else if (i.entity.consumer_group !== null) scopedGroups.add(i.entity.consumer_group.id);
  }
  if (scopedConsumers.size === 0 && scopedGroups.size === 0) return null;
  const keys = new Map<string, string>();
  const byKey = new Map<string, Map<string, ConsumerSwitch>>();
  for (const consumerId of consumers.byId.keys()) {
    const groupIds = (consumers.consumerGroups.get(consumerId) ?? []).map((g) => g.id).filter((id) => scopedGroups.has(id));
    const isOwn = scopedConsumers.has(consumerId);
    if (!isOwn && groupIds.length === 0) continue;
    const key = isOwn ? `c:${consumerId}` : `g:${groupIds.join(',')}`;
    if (!byKey.has(key)) {
      const scoped = pick(instances, routeId, serviceId, { consumerId: isOwn ? consumerId : null, groupIds });
      const switches = switchesFor(base, scoped);
      if (switches === null) continue;
      byKey.set(key, switches);
    }
    keys.set(consumerId, key);
  }
  return byKey.size === 0 ? null : { keys, byKey };
}

/** For each auth plugin of the base chain: base configs up to it, then the consumer's. */
function switchesFor(base: Instance[], scoped: Instance[]): Map<string, ConsumerSwitch> | null {
  if (base.length === scoped.length && base.every((b, i) => b === scoped[i])) return null;
  const switches = new Map<string, ConsumerSwitch>();
  for (let at = 0; at < base.length; at++) {
    const auth = base[at];
    if (auth.entry.plugin.setsConsumer !== true) continue;
    const before = base.slice(0, at + 1);
    const names = new Set(before.map((i) => i.entity.name));
    const merged = [...before, ...scoped.filter((i) => !names.has(i.entity.name) && byPriority(i, auth) > 0)].sort(byPriority);
    const chain = assemble(merged, null);
    switches.set(auth.entity.name, { chain, resumeAt: chain.access.indexOf(auth.entry) });
  }
  return switches.size === 0 ? null : switches;
}

function assemble(picked: Instance[], consumerScopes: RouteConsumerScopes | null): Chain {
  const entries = picked.map((i) => i.entry);
  return {
    rewrite: entries.filter((e) => e.plugin.rewrite),
    access: orderAccess(picked).filter((e) => e.plugin.access),
    headerFilter: entries.filter((e) => e.plugin.headerFilter),
    bodyFilter: entries.filter((e) => e.plugin.bodyFilter),
    log: entries.filter((e) => e.plugin.log),
    needsBody: picked.some((i) => i.needsBody),
    size: entries.length,
    consumerScopes,
    tls: null,
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
