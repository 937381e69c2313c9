import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { ENTITY_TYPES, newId } from '@gatehouse/schema';
import { assertMatchesSpec } from '@gatehouse/test-kit/openapi.ts';
import { startTestApi } from '../testing.ts';

// Shared set-up of the core-entity API tests: a control plane, a counter of announced gateway
// changes, and `refused()`, which checks a bad request's status, Kong error body and field, and that
// nothing was stored or announced.

const SPEC_BASE = '/control-planes/{controlPlaneId}/core-entities';

export async function setupCoreEntities(t: TestContext, clusterType = 'CLUSTER_TYPE_SERVERLESS') {
  const api = await startTestApi();
  t.after(() => api.close());
  const cp = newId();
  await api.ctx.store.controlPlanes.insert({
    id: cp, name: `cp-${cp.slice(0, 8)}`, description: '', labels: {}, cluster_type: clusterType, auth_type: 'pinned_client_certs',
    cloud_gateway: clusterType === 'CLUSTER_TYPE_SERVERLESS_V1', proxy_urls: [], dns_prefix: cp.replaceAll('-', '').slice(0, 10), created_at: Date.now(), updated_at: Date.now(),
  });
  let changes = 0;
  api.ctx.events.on('gatewayChanged', (id) => void (id === cp && changes++));
  const base = `/v2/control-planes/${cp}/core-entities`;
  const state = () => Promise.all(ENTITY_TYPES.map((type) => api.ctx.store.entities.all(cp, type)));
  async function refused(method: string, url: string, body: unknown, status: number, field?: string) {
    const before = await state();
    const changesBefore = changes;
    const res = await api.request(method, url, body);
    assert.equal(res.status, status, `${method} ${url}: ${res.raw}`);
    assert.equal(typeof res.body?.message, 'string', res.raw);
    assert.equal(typeof res.body.code, 'number', res.raw);
    assert.ok(Array.isArray(res.body.details), res.raw);
    if (field !== undefined) assert.ok(res.body.details.some((d: any) => d.field === field), `a detail names ${field}: ${res.raw}`);
    assert.deepEqual(await state(), before, 'nothing stored');
    assert.equal(changes, changesBefore, 'no gateway change announced');
    return res.body;
  }
  /** Sends a request that must answer `status`, and returns its body. */
  async function ok(method: string, url: string, body: unknown, status: number) {
    const res = await api.request(method, url, body);
    assert.equal(res.status, status, `${method} ${url}: ${res.raw}`);
    return res.body;
  }
  return { api, cp, base, refused, ok, changes: () => changes };
}

/** Checks a response body against control-planes-config-v2 (`next: null` as the spec's description allows). */
export function spec(method: string, path: string, status: number, body: any): void {
  const checked = body && 'next' in body && body.next === null ? { ...body, next: undefined } : body;
  assertMatchesSpec('control-planes-config-v2', method, `${SPEC_BASE}${path}`, status, JSON.parse(JSON.stringify(checked)));
}
