import type { PluginContext, PluginResponse } from '@gatehouse/plugins';
import type { Chain, ChainEntry, ConsumerSwitch, RouteConsumerScopes } from './chain.ts';

// Phase runners. Handlers may be sync or async; the runners stay synchronous until a handler
// actually returns a promise, so an all-sync chain costs no promise.

type PhaseName = 'rewrite' | 'access';
export type PhaseOutcome = PluginResponse | null;

/**
 * Runs `rewrite` or `access` handlers in chain order until one answers (returns a response).
 * Returns the response, null, or a promise of either; a throwing handler rejects.
 */
export function runPhase(entries: ChainEntry[], phase: PhaseName, ctx: PluginContext, from = 0): PhaseOutcome | Promise<PhaseOutcome> {
  for (let i = from; i < entries.length; i++) {
    const entry = entries[i];
    const result = entry.plugin[phase]!(ctx, entry.state);
    if (result instanceof Promise) return continueAsync(result, entries, phase, ctx, i + 1);
    if (result) return result;
  }
  return null;
}

async function continueAsync(pending: Promise<void | PluginResponse>, entries: ChainEntry[], phase: PhaseName, ctx: PluginContext, next: number): Promise<PhaseOutcome> {
  const result = await pending;
  if (result) return result;
  return runPhase(entries, phase, ctx, next);
}

/** Runs every `headerFilter` (synchronous, as Kong's header_filter). */
export function runHeaderFilter(entries: ChainEntry[], ctx: PluginContext): void {
  for (let i = 0; i < entries.length; i++) entries[i].plugin.headerFilter!(ctx, entries[i].state);
}

/** Runs every `bodyFilter` on a buffered response body, in chain order; returns the final body. */
export function runBodyFilter(entries: ChainEntry[], ctx: PluginContext, body: Buffer): Buffer {
  for (let i = 0; i < entries.length; i++) body = entries[i].plugin.bodyFilter!(ctx, entries[i].state, body);
  return body;
}

/** Runs every `log` handler after the response; failures go to `onError`, never to the client. */
export function runLog(entries: ChainEntry[], ctx: PluginContext, onError: (error: unknown, entry: ChainEntry) => void): void {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    try {
      const result = entry.plugin.log!(ctx, entry.state);
      if (result instanceof Promise) result.catch((error: unknown) => onError(error, entry));
    } catch (error) {
      onError(error, entry);
    }
  }
}

/** What holds the chain a request runs on (the exchange): switched when an auth plugin sets a consumer. */
export interface ChainHolder {
  activeChain: Chain | null;
}

/**
 * Runs `access` like `runPhase`, and after an auth plugin (`setsConsumer`) set a consumer with
 * scoped configs, continues on that consumer's chain (recorded in `holder` for the later phases).
 */
export function runAccess(holder: ChainHolder, chain: Chain, ctx: PluginContext, from = 0): PhaseOutcome | Promise<PhaseOutcome> {
  let entries = chain.access;
  for (let i = from; i < entries.length; i++) {
    const entry = entries[i];
    const result = entry.plugin.access!(ctx, entry.state);
    if (result instanceof Promise) return continueAccess(result, holder, chain, ctx, i);
    if (result) return result;
    if (entry.plugin.setsConsumer === true && chain.consumerScopes !== null && ctx.consumer !== null) {
      const next = consumerSwitch(chain.consumerScopes, ctx.consumer.id, entry.plugin.name);
      if (next !== null) {
        holder.activeChain = chain = next.chain;
        entries = chain.access;
        i = next.resumeAt;
      }
    }
  }
  return null;
}

async function continueAccess(pending: Promise<void | PluginResponse>, holder: ChainHolder, chain: Chain, ctx: PluginContext, at: number): Promise<PhaseOutcome> {
  const result = await pending;
  if (result) return result;
  const entry = chain.access[at];
  if (entry.plugin.setsConsumer === true && chain.consumerScopes !== null && ctx.consumer !== null) {
    const next = consumerSwitch(chain.consumerScopes, ctx.consumer.id, entry.plugin.name);
    if (next !== null) {
      holder.activeChain = next.chain;
      return runAccess(holder, next.chain, ctx, next.resumeAt + 1);
    }
  }
  return runAccess(holder, chain, ctx, at + 1);
}

function consumerSwitch(scopes: RouteConsumerScopes, consumerId: string, plugin: string): ConsumerSwitch | null {
  const key = scopes.keys.get(consumerId);
  if (key === undefined) return null;
  return scopes.byKey.get(key)?.get(plugin) ?? null;
}
