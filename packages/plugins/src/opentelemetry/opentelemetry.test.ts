import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../schemas.ts';
import { runPlugin } from '../testing.ts';
import handler from './handler.ts';
import { exportRequest, SPAN_KIND } from './otlp.ts';

const ENDPOINT = 'http://127.0.0.1:9/v1/traces';

describe('opentelemetry schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('opentelemetry', { traces_endpoint: ENDPOINT });
    assert.ok(r.ok);
    const v = r.value as Record<string, any>;
    assert.equal(v.header_type, 'preserve');
    assert.deepEqual(v.propagation, { default_format: 'w3c' });
    assert.equal(v.queue.max_batch_size, 200);
    assert.deepEqual([v.connect_timeout, v.send_timeout, v.read_timeout], [1000, 5000, 5000]);
    assert.equal(v.sampling_strategy, 'parent_drop_probability_fallback');
  });

  const rejects: Array<[string, unknown, string]> = [
    ['no endpoint', {}, 'traces_endpoint'],
    ['a logs endpoint', { traces_endpoint: ENDPOINT, logs_endpoint: ENDPOINT }, 'logs_endpoint'],
    ['b3 extraction', { traces_endpoint: ENDPOINT, propagation: { extract: ['b3'] } }, 'propagation.extract'],
    ['a templated resource attribute', { traces_endpoint: ENDPOINT, resource_attributes: { svc: '${kong.service.name}' } }, 'resource_attributes.svc'],
    ['a sampling rate above 1', { traces_endpoint: ENDPOINT, sampling_rate: 2 }, 'sampling_rate'],
  ];
  for (const [name, config, field] of rejects) {
    it(`rejects ${name}`, () => {
      const r = validatePluginConfig('opentelemetry', config);
      assert.ok(!r.ok);
      assert.deepEqual(r.errors.map((e) => e.field), [field]);
    });
  }

  it('accepts the deprecated endpoint', () => {
    assert.ok(validatePluginConfig('opentelemetry', { endpoint: ENDPOINT }).ok);
  });
});

describe('opentelemetry propagation', () => {
  const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('continues an incoming trace and injects the balancer span as parent', async () => {
    const { ctx } = await runPlugin(handler, { traces_endpoint: ENDPOINT }, { headers: { traceparent: parent } });
    assert.match(String(ctx.headers.traceparent), /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    assert.notEqual(String(ctx.headers.traceparent).split('-')[2], 'b7ad6b7169203331');
  });

  it('starts a new trace for a missing or invalid traceparent', async () => {
    for (const headers of [{}, { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' }, { traceparent: 'garbage' }]) {
      const { ctx } = await runPlugin(handler, { traces_endpoint: ENDPOINT }, { headers });
      assert.match(String(ctx.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      assert.doesNotMatch(String(ctx.headers.traceparent), /^00-0{32}/);
    }
  });

  it('follows an unsampled parent, and injects nothing with header_type ignore', async () => {
    const { ctx } = await runPlugin(handler, { traces_endpoint: ENDPOINT }, { headers: { traceparent: parent.replace(/01$/, '00') } });
    assert.match(String(ctx.headers.traceparent), /-00$/);
    const ignored = await runPlugin(handler, { traces_endpoint: ENDPOINT, header_type: 'ignore' }, { headers: {} });
    assert.equal(ignored.ctx.headers.traceparent, undefined);
  });

  it('returns the trace id in a response header when asked', async () => {
    const { ctx } = await runPlugin(handler, { traces_endpoint: ENDPOINT, http_response_header_for_traceid: 'X-Trace-Id' }, { headers: { traceparent: parent }, response: { status: 200 } });
    assert.equal(ctx.responseHeaders!['x-trace-id'], '0af7651916cd43dd8448eb211c80319c');
  });
});

describe('OTLP JSON', () => {
  it('encodes ids as hex, times as nanosecond strings and typed attributes', () => {
    const body = exportRequest({ 'service.name': 'kong' }, [
      { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), parentSpanId: '', name: 'kong', kind: SPAN_KIND.SERVER, startMs: 1700000000000, endMs: 1700000000005, statusCode: 0, attributes: { s: 'x', i: 200, b: true, d: 1.5 } },
    ]) as any;
    const span = body.resourceSpans[0].scopeSpans[0].spans[0];
    assert.equal(span.startTimeUnixNano, '1700000000000000000');
    assert.equal(span.endTimeUnixNano, '1700000000005000000');
    assert.equal(span.parentSpanId, undefined);
    assert.deepEqual(span.attributes, [
      { key: 's', value: { stringValue: 'x' } },
      { key: 'i', value: { intValue: '200' } },
      { key: 'b', value: { boolValue: true } },
      { key: 'd', value: { doubleValue: 1.5 } },
    ]);
    assert.deepEqual(body.resourceSpans[0].resource.attributes, [{ key: 'service.name', value: { stringValue: 'kong' } }]);
  });
});
