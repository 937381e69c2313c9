export { HISTOGRAM_BUCKET_COUNT, HISTOGRAM_MAX_US, HISTOGRAM_RELATIVE_ERROR, HISTOGRAM_SCHEME, LatencyHistogram, bucketBounds, bucketIndex } from './histogram.ts';
export { TELEMETRY_BATCH_VERSION, type TelemetryBatch, type TelemetryReporter, type TelemetrySeries } from './batch.ts';
export { createTelemetryRecorder, type TelemetryOptions, type TelemetryRecorder } from './recorder.ts';
export { TELEMETRY_BATCH_PATH, createHttpReporter, type HttpReporterOptions } from './reporter.ts';
