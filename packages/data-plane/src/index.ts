export { createDataPlane, type DataPlane, type DataPlaneOptions } from './server/data-plane.ts';
export { DP_ERRORS, DataPlaneError, type DataPlaneErrorCode } from './errors.ts';
export * from './telemetry/index.ts';
