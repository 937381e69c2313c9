// Issue 6: who may connect to the cluster port, and what happens to peers that misbehave. One control
// plane process; most peers are raw WebSocket clients speaking the protocol, one is a real data plane.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createSelfSigned, issueCertificate, type CertPair } from '../../packages/control-plane/src/clustering/certs.ts';
import { decodeMessage, encodeMessage } from '../../packages/data-plane/src/sync/protocol.ts';
import { startControlPlane, startDataPlane, until, type ControlPlaneProc } from './harness.ts';

type Outcome = { refused: number; message: string } | { ws: WebSocket; messages: any[]; closed: Promise<{ code: number; reason: string }> };

const loopback = (_h: string, o: { all?: boolean }, cb: (...a: any[]) => void) => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));

describe('cluster authentication and protocol hygiene (issue 6)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-hybrid-auth-'));
  let cp: ControlPlaneProc;
  let ca: string;
  const planes: Record<'pinned' | 'pki' | 'serverless', { id: string; endpoint: string }> = {} as never;
  let pinnedCert: CertPair;

  function connect(endpoint: string, creds: Partial<CertPair>, version = '0.1.0'): Promise<Outcome> {
    const url = `${endpoint.replace('https:', 'wss:')}/v1/outlet?node_id=n-${Math.random().toString(16).slice(2)}&node_hostname=test&node_version=${version}`;
    const ws = new WebSocket(url, { cert: creds.cert, key: creds.key, ca, lookup: loopback as never, perMessageDeflate: false });
    const messages: any[] = [];
    return new Promise((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ refused: res.statusCode!, message: JSON.parse(body).message }));
      });
      ws.on('error', reject);
      const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
      ws.on('message', async (data, isBinary) => messages.push(await decodeMessage(data as Buffer, isBinary)));
      ws.on('open', () => resolve({ ws, messages, closed }));
    });
  }
  const refusal = (o: Outcome) => ('refused' in o ? o : assert.fail('expected the connection to be refused'));
  const opened = (o: Outcome) => ('ws' in o ? o : assert.fail(`expected the connection to open, got ${o.refused} ${o.message}`));

  before(async () => {
    cp = await startControlPlane({ dataDir: join(dir, 'cp'), apiPort: 0, clusterPort: 0 });
    ca = readFileSync(cp.caFile, 'utf8');
    for (const [key, body] of [
      ['pinned', { name: 'pinned', cluster_type: 'CLUSTER_TYPE_CONTROL_PLANE', auth_type: 'pinned_client_certs' }],
      ['pki', { name: 'pki', cluster_type: 'CLUSTER_TYPE_CONTROL_PLANE', auth_type: 'pki_client_certs' }],
      ['serverless', { name: 'serverless', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true }],
    ] as const) {
      const res = await cp.api('POST', '/v2/control-planes', body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      planes[key] = { id: res.body.id, endpoint: res.body.config.control_plane_endpoint };
    }
    pinnedCert = await createSelfSigned({ commonName: 'pinned-dp' });
    assert.equal((await cp.api('POST', `/v2/control-planes/${planes.pinned.id}/dp-client-certificates`, { cert: pinnedCert.cert })).status, 201);
  });
  after(async () => {
    await cp?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates DP client certificates on the API (400 for a non-certificate, 404 for an unknown control plane)', async () => {
    const bad = await cp.api('POST', `/v2/control-planes/${planes.pinned.id}/dp-client-certificates`, { cert: 'hello' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /PEM certificate/);
    const missing = await cp.api('GET', '/v2/control-planes/00000000-0000-4000-8000-000000000000/dp-client-certificates');
    assert.equal(missing.status, 404);
    const list = await cp.api('GET', `/v2/control-planes/${planes.pinned.id}/dp-client-certificates`);
    assert.equal(list.body.page.total_count, 1, 'the refused certificate was not stored');
  });

  it('accepts the pinned certificate and refuses none, an unregistered or an expired one', async () => {
    const ok = opened(await connect(planes.pinned.endpoint, pinnedCert));
    ok.ws.close();
    assert.equal(refusal(await connect(planes.pinned.endpoint, {})).refused, 401);
    const other = await createSelfSigned({ commonName: 'stranger' });
    assert.match(refusal(await connect(planes.pinned.endpoint, other)).message, /not registered/);
    const expired = await createSelfSigned({ commonName: 'old', notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    await cp.api('POST', `/v2/control-planes/${planes.pinned.id}/dp-client-certificates`, { cert: expired.cert });
    assert.match(refusal(await connect(planes.pinned.endpoint, expired)).message, /not valid now/);
    // The refusal is logged by the control plane process: its output reaches the test a moment later.
    await until('the refusal in the control plane log', async () => (/data plane refused/.test(cp.output()) ? true : undefined));
  });

  it('a real data plane with an unregistered certificate is refused and logs why', async () => {
    const other = await createSelfSigned({ commonName: 'stranger-2' });
    writeFileSync(join(dir, 'x.crt'), other.cert);
    writeFileSync(join(dir, 'x.key'), other.key);
    const dp = await startDataPlane({ controlPlane: planes.pinned.endpoint, certFile: join(dir, 'x.crt'), keyFile: join(dir, 'x.key'), caFile: cp.caFile, dataDir: join(dir, 'dp-x') });
    try {
      await until('the refusal in the data plane log', async () => (/control plane refused this data plane[\s\S]*not registered/.test(dp.output()) ? true : undefined));
    } finally {
      await dp.kill();
    }
  });

  it('pki_client_certs: accepts a certificate signed by the registered CA with the expected subject only', async () => {
    const authority = await createSelfSigned({ commonName: 'Customer CA', isCa: true });
    await cp.api('POST', `/v2/control-planes/${planes.pki.id}/dp-client-certificates`, { cert: authority.cert });
    opened(await connect(planes.pki.endpoint, await issueCertificate(authority, { commonName: planes.pki.id }))).ws.close();
    assert.match(refusal(await connect(planes.pki.endpoint, await issueCertificate(authority, { commonName: 'someone-else' }))).message, /subject CN/);
    const rogue = await createSelfSigned({ commonName: 'Rogue CA', isCa: true });
    assert.match(refusal(await connect(planes.pki.endpoint, await issueCertificate(rogue, { commonName: planes.pki.id }))).message, /not signed by a CA registered/);
  });

  it('a serverless control plane refuses self-managed nodes', async () => {
    const outcome = refusal(await connect(planes.serverless.endpoint, pinnedCert));
    assert.equal(outcome.refused, 403);
    assert.match(outcome.message, /serverless/);
  });

  it('refuses a data plane newer than the control plane, with the reason', async () => {
    const peer = opened(await connect(planes.pinned.endpoint, pinnedCert, '0.99.0'));
    const { code, reason } = await peer.closed;
    assert.equal(code, 4001);
    assert.match(reason, /newer than the control plane/);
  });

  it('tells a node missing a plugin why it does not get the configuration', async () => {
    const base = `/v2/control-planes/${planes.pinned.id}/core-entities`;
    const service = await cp.api('POST', `${base}/services`, { name: 's', url: 'http://127.0.0.1:9' });
    assert.equal((await cp.api('POST', `${base}/services/${service.body.id}/plugins`, { name: 'request-transformer', config: { add: { headers: ['x:y'] } } })).status, 201);
    const peer = opened(await connect(planes.pinned.endpoint, pinnedCert));
    peer.ws.send(await encodeMessage({ type: 'basic_info', plugins: [], hashes: {} }));
    const error = await until('the error message', async () => peer.messages.find((m) => m.type === 'error'));
    assert.equal(error.code, 'plugin_set_incompatible');
    assert.match(error.message, /request-transformer/);
    assert.equal(peer.messages.filter((m) => m.type === 'snapshot').length, 0, 'no snapshot was sent');
    const nodes = await cp.api('GET', `/v2/control-planes/${planes.pinned.id}/nodes`);
    assert.ok(nodes.body.items.some((n: any) => n.sync_status === 'plugin_set_incompatible'));
    peer.ws.close();
  });

  it('closes peers that send malformed or oversized messages, and keeps serving others', async () => {
    for (const [frame, isBinary] of [['hello', false], [Buffer.from('not gzip'), true], [await encodeMessage({ type: 'nonsense' } as never), true]] as const) {
      const peer = opened(await connect(planes.pinned.endpoint, pinnedCert));
      peer.ws.send(frame, { binary: isBinary });
      assert.equal((await peer.closed).code, 1007, `closed for ${String(frame).slice(0, 20)}`);
    }
    const big = opened(await connect(planes.pinned.endpoint, pinnedCert));
    big.ws.send(Buffer.alloc(16 * 1024 * 1024 + 1));
    assert.equal((await big.closed).code, 1009);
    const fine = opened(await connect(planes.pinned.endpoint, pinnedCert));
    fine.ws.send(await encodeMessage({ type: 'basic_info', plugins: [{ name: 'request-transformer', version: '0.1.0' }], hashes: {} }));
    await until('a snapshot for the well-behaved peer', async () => fine.messages.find((m) => m.type === 'snapshot'));
    fine.ws.close();
  });
});
