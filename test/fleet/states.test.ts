// Issue 7: a configuration's dataplane groups go through Konnect's states in order — created (PUT),
// initializing (compiled and handed to the fleet), ready (a node reports the hash), terminating (the
// control plane is deleted while a node still serves the gateway), terminated (no node serves it) —
// with state_metadata when a node cannot serve the gateway and the serving nodes' version.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Snapshot } from '@gatehouse/schema';
import { startTestApi, type TestApi } from '@gatehouse/control-plane/testing.ts';
import { createProvisioner, type SnapshotSink } from '@gatehouse/control-plane/provisioner.ts';

/** A sink standing in for the hub: the test decides what the nodes serve and report. */
function fakeFleet() {
  const served = new Map<string, string>();
  const versions = new Map<string, string>();
  const published = new Map<string, Snapshot>();
  const listeners = { served: [] as ((id: string, hash: string) => void)[], unserved: [] as ((id: string) => void)[], issue: [] as ((id: string, i: { code: string; description: string }) => void)[] };
  const sink: Required<SnapshotSink> = {
    publish: async (snapshot) => void published.set(snapshot.gatewayId, snapshot),
    remove: async (id) => void published.delete(id),
    onServed: (l) => void listeners.served.push(l),
    isServed: (id, hash) => served.get(id) === hash,
    servesAny: (id) => served.has(id),
    onUnserved: (l) => void listeners.unserved.push(l),
    onIssue: (l) => void listeners.issue.push(l),
  };
  return {
    sink,
    published,
    servingVersions: (id: string) => (served.has(id) ? [versions.get(id) ?? '0.0.0'] : []),
    serve(id: string, version: string) {
      const hash = published.get(id)!.hash;
      served.set(id, hash);
      versions.set(id, version);
      for (const l of listeners.served) l(id, hash);
    },
    drop(id: string) {
      served.delete(id);
      for (const l of listeners.unserved) l(id);
    },
    report(id: string, code: string, description: string) {
      for (const l of listeners.issue) l(id, { code, description });
    },
  };
}

async function setup(t: TestContext) {
  const api: TestApi = await startTestApi();
  t.after(() => api.close());
  const fleet = fakeFleet();
  Object.assign(api.ctx, { cluster: { hub: { servingVersions: fleet.servingVersions } } });
  const provisioner = createProvisioner(api.ctx, fleet.sink);
  return { api, fleet, provisioner };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  // Bounded: 200 tries of 10 ms.
  for (let i = 0; i < 200; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('configuration states (issue 7)', () => {
  it('go created -> initializing -> ready -> terminating -> terminated, then 404 after retention', async (t) => {
    const { api, fleet, provisioner } = await setup(t);
    const cp = await api.request('POST', '/v2/control-planes', { name: 'states', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true });
    const put = await api.request('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: cp.body.id, control_plane_geo: 'us', kind: 'serverless.v1', dataplane_groups: [{ provider: 'aws', region: 'us' }] });
    assert.equal(put.status, 201);
    const group = async () => (await api.request('GET', `/v3/cloud-gateways/configurations/${put.body.id}`)).body.dataplane_groups[0];
    const seen: string[] = [put.body.dataplane_groups[0].state];

    await provisioner.idle();
    assert.ok(fleet.published.has(cp.body.id), 'the snapshot went to the fleet');
    seen.push((await group()).state);

    fleet.serve(cp.body.id, '3.10.1');
    const ready = await eventually('ready', async () => ((await group()).state === 'ready' ? group() : undefined));
    seen.push(ready.state);
    assert.equal(ready.version, '3.10.1', 'the serving data plane\'s version');

    assert.equal((await api.request('DELETE', `/v2/control-planes/${cp.body.id}`)).status, 204);
    await provisioner.idle();
    assert.ok(!fleet.published.has(cp.body.id), 'removed from the fleet');
    const terminating = await group();
    seen.push(terminating.state);
    assert.equal(terminating.hostnames[0], put.body.dataplane_groups[0].hostnames[0]);

    fleet.drop(cp.body.id);
    seen.push((await eventually('terminated', async () => ((await group()).state === 'terminated' ? group() : undefined))).state);
    assert.deepEqual(seen, ['created', 'initializing', 'ready', 'terminating', 'terminated']);
    assert.equal((await api.request('GET', `/v3/cloud-gateways/configurations?filter[control_plane_id]=${cp.body.id}`)).body.data.length, 0, 'a retired configuration is not listed');

    // A day later (the retention), the next deletion prunes it.
    assert.equal(await api.ctx.store.retiredConfigurations.prune(Date.now() + 1), 1);
    assert.equal((await api.request('GET', `/v3/cloud-gateways/configurations/${put.body.id}`)).status, 404);
  });

  it('goes straight to terminated when no node serves the deleted gateway', async (t) => {
    const { api, provisioner } = await setup(t);
    const cp = await api.request('POST', '/v2/control-planes', { name: 'unserved', cluster_type: 'CLUSTER_TYPE_SERVERLESS', cloud_gateway: false });
    const put = await api.request('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: cp.body.id, control_plane_geo: 'us', kind: 'serverless.v0', dataplane_groups: [{ region: 'na' }] });
    await provisioner.idle();
    assert.equal((await api.request('DELETE', `/v2/control-planes/${cp.body.id}`)).status, 204);
    await provisioner.idle();
    const res = await api.request('GET', `/v3/cloud-gateways/configurations/${put.body.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.dataplane_groups[0].state, 'terminated');
    assert.equal(res.body.dataplane_groups[0].version, undefined);
  });

  it('shows state_metadata when a node cannot serve the gateway, cleared once it is ready', async (t) => {
    const { api, fleet, provisioner } = await setup(t);
    const cp = await api.request('POST', '/v2/control-planes', { name: 'issue', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true });
    const put = await api.request('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: cp.body.id, control_plane_geo: 'us', kind: 'serverless.v1', dataplane_groups: [{ provider: 'aws', region: 'us' }] });
    await provisioner.idle();
    const reason = `the configuration of gateway ${cp.body.id} uses plugins this node does not have: custom-thing`;
    fleet.report(cp.body.id, 'plugin_set_incompatible', reason);
    const group = async () => (await api.request('GET', `/v3/cloud-gateways/configurations/${put.body.id}`)).body.dataplane_groups[0];
    const failing = await eventually('state_metadata', async () => ((await group()).state_metadata ? group() : undefined));
    assert.equal(failing.state, 'initializing');
    assert.deepEqual(failing.state_metadata, { reported_status: 'PLUGIN_SET_INCOMPATIBLE', reason });

    fleet.serve(cp.body.id, '3.10.1');
    const ready = await eventually('ready', async () => ((await group()).state === 'ready' ? group() : undefined));
    assert.equal(ready.state_metadata, undefined);
  });
});
