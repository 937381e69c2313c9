import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { snapshot } from '@gatehouse/test-kit';
import { HOST, echoed, setup } from './harness.ts';
import { startSink, type Received } from './sink.ts';

const FAST_QUEUE = { max_coalescing_delay: 0.01, initial_retry_delay: 0.01, max_retry_delay: 0.05 };

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

const spansOf = (received: Received[]): OtlpSpan[] => received.flatMap((r) => JSON.parse(r.body).resourceSpans[0].scopeSpans[0].spans);
const attr = (span: OtlpSpan, key: string): unknown => Object.values(span.attributes.find((a) => a.key === key)?.value ?? {})[0];

describe('opentelemetry through the data plane', () => {
  it('exports a root span and phase spans, and propagates traceparent to the upstream', async (t) => {
    const collector = await startSink(t);
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .service({ url, name: 'echo' })
        .route({ paths: ['/'], name: 'all' })
        .plugin('opentelemetry', { traces_endpoint: `${collector.url}/v1/traces`, headers: { 'x-api-key': 'k' }, resource_attributes: { 'deployment.environment': 'test' }, queue: { ...FAST_QUEUE, max_batch_size: 4 } }),
    );
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const reply = await h.send('/orders?x=1', { headers: { traceparent: incoming } });
    assert.equal(reply.status, 200);
    const upstreamParent = String(echoed(reply).headers.traceparent);
    assert.match(upstreamParent, /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);

    const received = await collector.waitFor(1);
    assert.equal(received[0].url, '/v1/traces');
    assert.equal(received[0].headers['content-type'], 'application/json');
    assert.equal(received[0].headers['x-api-key'], 'k');
    const resource = JSON.parse(received[0].body).resourceSpans[0].resource.attributes;
    assert.deepEqual(resource.find((a: { key: string }) => a.key === 'deployment.environment'), { key: 'deployment.environment', value: { stringValue: 'test' } });
    const spans = spansOf(received);
    assert.deepEqual(spans.map((s) => s.name).sort(), ['kong', 'kong.access', 'kong.balancer', 'kong.response']);
    const root = spans.find((s) => s.name === 'kong')!;
    assert.equal(root.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(root.parentSpanId, 'b7ad6b7169203331');
    assert.equal(root.kind, 2);
    assert.equal(attr(root, 'http.method'), 'GET');
    assert.equal(attr(root, 'http.status_code'), '200');
    assert.equal(attr(root, 'kong.service.name'), 'echo');
    assert.equal(attr(root, 'kong.request.id'), reply.headers['x-kong-request-id']);
    for (const child of spans.filter((s) => s !== root)) {
      assert.equal(child.traceId, root.traceId);
      assert.equal(child.parentSpanId, root.spanId);
    }
    // The upstream's parent is the balancer span.
    const balancer = spans.find((s) => s.name === 'kong.balancer')!;
    assert.equal(upstreamParent.split('-')[2], balancer.spanId);
    assert.equal(balancer.kind, 3);
  });

  it('traces requests answered before its access phase, with the status in the root span', async (t) => {
    const collector = await startSink(t);
    const h = await setup(t, (url) =>
      snapshot({ hostnames: [HOST] })
        .service({ url })
        .route({ paths: ['/'] })
        .plugin('key-auth')
        .plugin('opentelemetry', { traces_endpoint: collector.url, queue: { ...FAST_QUEUE, max_batch_size: 2 } }),
    );
    assert.equal((await h.send('/x')).status, 401);
    const spans = spansOf(await collector.waitFor(1));
    assert.deepEqual(spans.map((s) => s.name).sort(), ['kong', 'kong.access']);
    assert.equal(attr(spans.find((s) => s.name === 'kong')!, 'http.status_code'), '401');
    assert.equal(h.upstream.requests.length, 0);
  });

  it('exports nothing for an unsampled parent', async (t) => {
    const collector = await startSink(t);
    const h = await setup(t, (url) => snapshot({ hostnames: [HOST] }).service({ url }).route({ paths: ['/'] }).plugin('opentelemetry', { traces_endpoint: collector.url, queue: FAST_QUEUE }));
    const reply = await h.send('/', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00' } });
    assert.match(String(echoed(reply).headers.traceparent), /-00$/);
    // A sampled request after it is exported: only its spans arrive.
    await h.send('/sampled');
    const spans = spansOf(await collector.waitFor(1));
    assert.ok(spans.every((s) => s.traceId !== '0af7651916cd43dd8448eb211c80319c'));
  });
});
