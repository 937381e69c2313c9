export { createDataPlane, type DataPlane, type DataPlaneOptions, type GatewayHealth } from './server/data-plane.ts';
export type { HealthState, TargetHealth, UpstreamHealth } from './upstream/balancer.ts';
export { DP_ERRORS, DataPlaneError, type DataPlaneErrorCode } from './errors.ts';
export * from './telemetry/index.ts';
