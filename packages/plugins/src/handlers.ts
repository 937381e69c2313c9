import type { AnyPlugin } from './kit.ts';
import requestTransformer from './request-transformer/handler.ts';

// Registry of plugin handlers: what the data plane runs. Kong priorities decide the order, not this list.

/** Every plugin handler Gatehouse ships, by plugin name. */
export const PLUGIN_HANDLERS: ReadonlyMap<string, AnyPlugin> = new Map<string, AnyPlugin>([[requestTransformer.name, requestTransformer]]);
