// OTLP/HTTP JSON encoding of spans (opentelemetry-proto, JSON mapping: ids are hex, 64-bit integers
// are strings, enums are numbers).

/** Span kinds of the OTLP enum. */
export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

type AttrValue = string | number | boolean;

/** A finished span, ready to queue. */
export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, AttrValue>;
  /** OTLP status code: 0 unset, 2 error (5xx). */
  statusCode: number;
}

function attributes(attrs: Record<string, AttrValue>): unknown[] {
  const out: unknown[] = [];
  for (const [key, v] of Object.entries(attrs)) {
    const value = typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
    out.push({ key, value });
  }
  return out;
}

const nanos = (ms: number): string => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/**
 * The ExportTraceServiceRequest body for a batch of spans.
 * @example JSON.stringify(exportRequest({ 'service.name': 'kong' }, spans))
 */
export function exportRequest(resource: Record<string, AttrValue>, spans: Span[]): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: attributes(resource) },
        scopeSpans: [
          {
            scope: { name: 'kong-internal', version: '0.1.0' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId === '' ? {} : { parentSpanId: s.parentSpanId }),
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: nanos(s.startMs),
              endTimeUnixNano: nanos(s.endMs),
              attributes: attributes(s.attributes),
              status: { code: s.statusCode },
            })),
          },
        ],
      },
    ],
  };
}
