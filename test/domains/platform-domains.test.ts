import assert from 'node:assert/strict';
import type { X509Certificate } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { startUpstream, type RunningUpstream } from '@gatehouse/test-kit';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { freePort, rigMissing, startRig, type Rig } from './rig.ts';

// Custom domains on the real platform (`npm start` as a child process), against Debian's Pebble and
// pebble-challtestsrv: the control plane's domain worker orders the certificate, the clustering hub
// forwards the HTTP-01 answers to the fleet's data-plane workers, which answer Pebble on the proxy's
// HTTP port; the certificate + SNI reach the workers in the gateway's snapshot, and they serve HTTPS
// for the domain by SNI on the proxy's TLS port.

const BASE = 'gw.test';
const DOMAIN = 'shop.example.test';
const missing = await rigMissing();

describe('custom domains on the platform', { skip: missing ?? false }, () => {
  let rig: Rig;
  let platform: RunningPlatform;
  let upstream: RunningUpstream;
  let gateway: { id: string; hostname: string };

  function httpsGet(domain: string, path: string): Promise<{ status: number; body: string; peer: X509Certificate }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port: platform.proxyTlsPort, path, servername: domain, headers: { host: domain }, ca: rig.rootPem, agent: false },
        (res) => {
          let body = '';
          const peer = (res.socket as TLSSocket).getPeerX509Certificate() as X509Certificate;
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** Polls `fn` (bounded: 60 s, 300 tries) until it returns a value; what it throws ends the wait. */
  async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 60_000;
    for (let i = 0; i < 300 && Date.now() < deadline; i++) {
      const value = await fn();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${what} did not happen within 60 s; the platform said:\n${platform.output().slice(-4000)}`);
  }

  before(async () => {
    // Pebble must know the proxy's HTTP port before it starts and the platform Pebble's directory:
    // the proxy gets a free port chosen here.
    const proxyPort = await freePort();
    rig = await startRig(proxyPort);
    upstream = await startUpstream();
    platform = await startPlatform({
      env: {
        GATEHOUSE_PROXY_PORT: String(proxyPort),
        GATEHOUSE_BASE_DOMAIN: BASE,
        GATEHOUSE_ACME_DIRECTORY: rig.directoryUrl,
        GATEHOUSE_ACME_CA_FILE: rig.listenerCaFile,
        GATEHOUSE_DNS_SERVERS: rig.dnsServer,
        GATEHOUSE_ACME_CAA_IDENTITY: 'pebble.letsencrypt.org',
      },
    });
    assert.equal(platform.proxyPort, proxyPort);
    assert.ok(platform.proxyTlsPort > 0, 'the banner shows the HTTPS port');

    const cp = await platform.api('POST', '/v2/control-planes', { name: 'shop', cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true });
    assert.equal(cp.status, 201, JSON.stringify(cp.body));
    const conf = await platform.api('PUT', '/v3/cloud-gateways/configurations', {
      control_plane_id: cp.body.id, control_plane_geo: 'us', kind: 'serverless.v1', dataplane_groups: [{ provider: 'aws', region: 'us' }],
    });
    assert.equal(conf.status, 201, JSON.stringify(conf.body));
    gateway = { id: cp.body.id, hostname: conf.body.dataplane_groups[0].hostnames[0] };
    const svc = await platform.api('POST', `/v2/control-planes/${gateway.id}/core-entities/services`, { name: 'shop', url: upstream.url });
    assert.equal(svc.status, 201, JSON.stringify(svc.body));
    const route = await platform.api('POST', `/v2/control-planes/${gateway.id}/core-entities/services/${svc.body.id}/routes`, { name: 'all', paths: ['/'] });
    assert.equal(route.status, 201, JSON.stringify(route.body));
  });

  after(async () => {
    await platform?.destroy();
    await upstream?.close();
    await rig?.stop();
  });

  it('validates over the fleet, serves the domain by SNI with Pebble\'s certificate, and stops when deleted', async () => {
    const created = await platform.api('POST', '/v3/cloud-gateways/custom-domains', { control_plane_id: gateway.id, control_plane_geo: 'us', domain: DOMAIN });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.cname_target, gateway.hostname);

    // The user creates the records the response asked for, then checks again (online-status retries
    // a domain whose first check found no CNAME).
    await rig.dns.a(gateway.hostname, '127.0.0.1');
    await rig.dns.cname(DOMAIN, gateway.hostname);
    const ready = await until(`${DOMAIN} ready`, async () => {
      const { body } = await platform.api('GET', `/v3/cloud-gateways/custom-domains/${created.body.id}`);
      if (body.state === 'ready') return body;
      if (body.state === 'error') {
        assert.equal(body.state_metadata.reported_status, 'CNAME_MISSING', body.state_metadata.reason);
        await platform.api('GET', `/v3/cloud-gateways/custom-domains/${created.body.id}/online-status`);
      }
      return undefined;
    });
    assert.match(ready.certificate_id, /^[0-9a-f-]{36}$/);

    // The certificate and SNI travel to the workers in the gateway's snapshot.
    const served = await until(`${DOMAIN} over HTTPS`, async () => {
      const got = await httpsGet(DOMAIN, '/checkout?cart=7').catch(() => undefined);
      return got?.status === 200 ? got : undefined;
    });
    assert.ok(served.peer.checkHost(DOMAIN), `certificate for ${served.peer.subjectAltName}`);
    assert.equal(served.peer.issuer.includes('Pebble'), true, served.peer.issuer);
    assert.equal(upstream.requests.at(-1)?.url, '/checkout?cart=7');
    assert.deepEqual((await platform.api('GET', `/v3/cloud-gateways/custom-domains/${created.body.id}/online-status`)).body, { cname: 'verified', ssl: 'verified' });

    // Deleted: the certificate leaves the workers, so the TLS handshake for the domain fails (or at
    // least the request no longer reaches the upstream).
    assert.equal((await platform.api('DELETE', `/v3/cloud-gateways/custom-domains/${created.body.id}`)).status, 204);
    await until(`${DOMAIN} no longer served over HTTPS`, () => httpsGet(DOMAIN, '/after-delete').then(() => undefined, () => true));
    const seen = upstream.requests.length;
    await assert.rejects(httpsGet(DOMAIN, '/after-delete'));
    assert.equal(upstream.requests.length, seen, 'nothing reached the upstream for the deleted domain');
  });
});
