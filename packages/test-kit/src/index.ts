export { startUpstream, type EchoedRequest, type RunningUpstream } from './upstream.ts';
export { snapshot, snapshotHash, SnapshotBuilder, type PluginScope } from './snapshot.ts';
export { redisOrSkip } from './services.ts';
export { send, type Reply, type SendOptions } from './send.ts';
export { until } from './until.ts';
