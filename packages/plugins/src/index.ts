export * from './kit.ts';
export * from './errors.ts';
export { PLUGIN_SCHEMAS, PLUGIN_REFINEMENTS, isKnownPlugin, validatePluginConfig } from './schemas.ts';
export { PLUGIN_HANDLERS } from './handlers.ts';
export { renderMetrics, type NodeStats, type TargetHealthSample } from './prometheus/registry.ts';
export { flushQueues, QUEUE_CHANNEL, type QueueEvent } from './http-log/queue.ts';
