import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createDataPlane, type DataPlane } from '@gatehouse/data-plane';
import { startUpstream, type RunningUpstream } from '@gatehouse/test-kit';
import { createApp } from '../../packages/control-plane/src/app.ts';
import { ensureAdminToken } from '../../packages/control-plane/src/auth.ts';
import { compileSnapshot } from '../../packages/control-plane/src/compiler/snapshot-compiler.ts';
import { loadConfig } from '../../packages/control-plane/src/config.ts';
import type { AppContext } from '../../packages/control-plane/src/context.ts';
import { createAcmeIssuer, createDnsChecker, createDomainService, readyDomainHostnames, type DomainService } from '../../packages/control-plane/src/domains/index.ts';
import { createEvents } from '../../packages/control-plane/src/events.ts';
import { openSqliteStore } from '../../packages/control-plane/src/store/sqlite.ts';
import type { Store } from '../../packages/control-plane/src/store/types.ts';
import { FORBIDDEN_DOMAIN, rigMissing, startRig, type Rig } from './rig.ts';

// Custom domains end to end (issue 8) against Debian's Pebble and pebble-challtestsrv: the control
// plane's domain service validates DNS, orders over ACME, the data plane answers HTTP-01 on its HTTP
// port and serves the issued certificate by SNI on its HTTPS port.

const TOKEN = 'kpat_domainstestdomainstestdomainstestdomainstest01';
const BASE = 'gw.test';
const missing = await rigMissing();

describe('custom domains', { skip: missing ?? false }, () => {
  let rig: Rig;
  let store: Store;
  let dp: DataPlane;
  let tlsPort: number;
  let domains: DomainService;
  let upstream: RunningUpstream;
  let app: Awaited<ReturnType<typeof createApp>>;
  const gateways: { id: string; hostname: string }[] = [];

  async function api(method: string, url: string, body?: unknown) {
    const res = await app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${TOKEN}` }, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
  }

  async function gateway(name: string): Promise<{ id: string; hostname: string }> {
    const cp = await api('POST', '/v2/control-planes', { name, cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true });
    assert.equal(cp.status, 201);
    const conf = await api('PUT', '/v3/cloud-gateways/configurations', { control_plane_id: cp.body.id, control_plane_geo: 'us', kind: 'serverless.v1', dataplane_groups: [{ provider: 'aws', region: 'us' }] });
    assert.equal(conf.status, 201);
    return { id: cp.body.id, hostname: conf.body.dataplane_groups[0].hostnames[0] };
  }

  /** Adds a domain, runs the worker, returns the domain as the API shows it. */
  async function addAndProcess(controlPlaneId: string, domain: string) {
    const created = await api('POST', '/v3/cloud-gateways/custom-domains', { control_plane_id: controlPlaneId, control_plane_geo: 'us', domain });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.state, 'created');
    await domains.runDue();
    return (await api('GET', `/v3/cloud-gateways/custom-domains/${created.body.id}`)).body;
  }

  function httpsGet(domain: string, path: string): Promise<{ status: number; body: string; peer: X509Certificate }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: tlsPort, path, servername: domain, headers: { host: domain }, ca: rig.rootPem }, (res) => {
        let body = '';
        const peer = (res.socket as TLSSocket).getPeerX509Certificate() as X509Certificate;
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, peer }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  before(async () => {
    dp = createDataPlane({ port: 0, tlsPort: 0 });
    const ports = await dp.listen();
    tlsPort = ports.tlsPort as number;
    rig = await startRig(ports.port);
    upstream = await startUpstream();
    store = await openSqliteStore(':memory:');
    await ensureAdminToken(store, TOKEN);
    const events = createEvents();
    const logger = pino({ level: 'silent' });
    const acme = createAcmeIssuer(store, { directoryUrl: rig.directoryUrl, directoryCa: rig.listenerCa, backoffMinMs: 100, backoffMaxMs: 1000 });
    domains = createDomainService(store, acme, createDnsChecker({ servers: [rig.dnsServer], timeoutMs: 1000, tries: 1 }), {
      events, logger, baseDomain: BASE, challenges: dp, caaIdentities: ['pebble.letsencrypt.org'], pollMs: 3_600_000,
    });
    const ctx: AppContext = { store, config: { ...loadConfig({ GATEHOUSE_BASE_DOMAIN: BASE }), dataDir: '/nonexistent' }, events, logger, version: '0.0.0-test', domains };
    app = await createApp(ctx);
    // The provisioner's part, in miniature: the gateway's hostnames plus its ready custom domains.
    events.on('gatewayChanged', (id) => {
      void (async () => {
        const configurations = await store.configurations.getByControlPlane(id);
        const hostnames = [...configurations.flatMap((c) => c.dataplane_groups.flatMap((g) => g.hostnames)), ...(await readyDomainHostnames(store, id))];
        dp.applySnapshot(await store.transaction((tx) => compileSnapshot(tx, id, hostnames)));
      })();
    });
    gateways.push(await gateway('main'), await gateway('rival'));
    for (const gw of gateways) await rig.dns.a(gw.hostname, '127.0.0.1');
    const svc = await api('POST', `/v2/control-planes/${gateways[0].id}/core-entities/services`, { name: 'echo', url: upstream.url });
    assert.equal(svc.status, 201);
    assert.equal((await api('POST', `/v2/control-planes/${gateways[0].id}/core-entities/services/${svc.body.id}/routes`, { name: 'all', paths: ['/'] })).status, 201);
  });

  after(async () => {
    await domains?.stop();
    await app?.close();
    await dp?.close();
    await upstream?.close();
    await rig?.stop();
    await store?.close();
  });

  /** Waits (bounded) until the data plane serves the domain by SNI. */
  async function served(domain: string) {
    for (let i = 0; i < 50; i++) {
      const res = await httpsGet(domain, '/hello').catch(() => null);
      if (res && res.status === 200) return res;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${domain} never served over HTTPS`);
  }

  it('validates, issues and serves a domain by SNI with a chain to Pebble\'s root', async () => {
    const [main] = gateways;
    await rig.dns.cname('api.example.test', main.hostname);
    const domain = await addAndProcess(main.id, 'api.example.test');
    assert.equal(domain.state, 'ready', JSON.stringify(domain.state_metadata));
    assert.equal(domain.cname_target, main.hostname);
    assert.match(domain.certificate_id, /^[0-9a-f-]{36}$/);
    const sni = await store.entities.get(main.id, 'snis', domain.sni_id);
    assert.deepEqual(sni?.body.tags, ['konnect-managed']);
    assert.deepEqual(sni?.body.certificate, { id: domain.certificate_id });
    const res = await served('api.example.test');
    assert.equal(upstream.requests.at(-1)?.path, '/hello');
    assert.ok(res.peer.checkHost('api.example.test'));
    assert.deepEqual(await api('GET', `/v3/cloud-gateways/custom-domains/${domain.id}/online-status`), { status: 200, body: { cname: 'verified', ssl: 'verified' } });
  });

  it('refuses each problem with its own reason', async () => {
    const [main, rival] = gateways;
    await rig.dns.cname('elsewhere.example.test', 'other.example.net');
    await rig.dns.cname('api.locked.test', main.hostname);
    await rig.dns.caa('locked.test', 'other-ca.test');
    await rig.dns.servfail('flaky.example.test');
    await rig.dns.cname(FORBIDDEN_DOMAIN, main.hostname);
    await rig.dns.cname('unreachable.example.test', rival.hostname);
    const cases: [string, string, string, RegExp][] = [
      [main.id, 'nocname.example.test', 'CNAME_MISSING', /has no CNAME record.*CNAME .*gw\.test/],
      [main.id, 'elsewhere.example.test', 'CNAME_MISMATCH', /CNAME to 'other\.example\.net' instead of/],
      [main.id, 'api.locked.test', 'CAA_FORBIDS', /CAA record for api\.locked\.test prevents issuance.*at locked\.test: 0 issue "other-ca\.test"/],
      [main.id, 'flaky.example.test', 'DNS_FAILURE', /DNS problem.*SERVFAIL/],
      [main.id, FORBIDDEN_DOMAIN, 'CA_REFUSED', /refused to issue.*forbidden by policy/],
    ];
    for (const [cp, name, code, reason] of cases) {
      const domain = await addAndProcess(cp, name);
      assert.equal(domain.state, 'error', name);
      assert.equal(domain.state_metadata.reported_status, code, `${name}: ${domain.state_metadata.reason}`);
      assert.match(domain.state_metadata.reason, reason);
    }
    // The rival's hostname points where no data plane listens: HTTP-01 cannot connect.
    await rig.dns.a(rival.hostname, '127.0.0.2');
    const unreachable = await addAndProcess(rival.id, 'unreachable.example.test');
    await rig.dns.a(rival.hostname, '127.0.0.1');
    assert.equal(unreachable.state_metadata.reported_status, 'HTTP01_FAILED', unreachable.state_metadata.reason);
    assert.match(unreachable.state_metadata.reason, /HTTP-01 validation of unreachable\.example\.test failed/);
  });

  it('records a CA rate limit and does not retry before Retry-After', async () => {
    await rig.dns.cname('limited.example.test', gateways[0].hostname);
    rig.rateLimit.retryAfterSeconds = 3600;
    try {
      const before = Date.now();
      const domain = await addAndProcess(gateways[0].id, 'limited.example.test');
      assert.equal(domain.state, 'error');
      assert.equal(domain.state_metadata.reported_status, 'CA_RATE_LIMITED', domain.state_metadata.reason);
      const row = await store.customDomains.get(domain.id);
      assert.ok((row?.next_attempt_at ?? 0) >= before + 3_600_000);
    } finally {
      rig.rateLimit.retryAfterSeconds = null;
    }
  });

  it('deletes a domain with its certificate and validates it again when re-added', async () => {
    const [main] = gateways;
    await rig.dns.cname('readd.example.test', main.hostname);
    const first = await addAndProcess(main.id, 'readd.example.test');
    assert.equal(first.state, 'ready');
    assert.equal((await api('DELETE', `/v3/cloud-gateways/custom-domains/${first.id}`)).status, 204);
    assert.equal((await api('GET', `/v3/cloud-gateways/custom-domains/${first.id}`)).status, 404);
    assert.equal(await store.entities.get(main.id, 'certificates', first.certificate_id), undefined);
    const second = await addAndProcess(main.id, 'readd.example.test');
    assert.equal(second.state, 'ready');
    assert.notEqual(second.id, first.id);
    assert.notEqual(second.certificate_id, first.certificate_id);
  });

  it('renews a certificate near expiry in place', async () => {
    const list = await api('GET', '/v3/cloud-gateways/custom-domains?filter[domain]=api.example.test');
    const [domain] = list.body.data;
    const row = await store.customDomains.get(domain.id);
    assert.ok(row);
    const oldCert = (await store.entities.get(row.control_plane_id, 'certificates', domain.certificate_id))?.body.cert as string;
    await store.customDomains.update({ ...row, not_after: Date.now() + 10 * 86_400_000, next_attempt_at: Date.now() });
    await domains.runDue();
    const renewed = (await api('GET', `/v3/cloud-gateways/custom-domains/${domain.id}`)).body;
    assert.equal(renewed.state, 'ready');
    assert.equal(renewed.certificate_id, domain.certificate_id);
    const newCert = (await store.entities.get(row.control_plane_id, 'certificates', domain.certificate_id))?.body.cert as string;
    assert.notEqual(new X509Certificate(newCert).serialNumber, new X509Certificate(oldCert).serialNumber);
    const after = await store.customDomains.get(domain.id);
    assert.ok((after?.next_attempt_at ?? 0) > Date.now() + 86_400_000);
  });

  it('lets only one of two gateways claim a domain, and never the base domain', async () => {
    const [main, rival] = gateways;
    const race = await Promise.all([main, rival].map((gw) => api('POST', '/v3/cloud-gateways/custom-domains', { control_plane_id: gw.id, control_plane_geo: 'us', domain: 'race.example.test' })));
    assert.deepEqual(race.map((r) => r.status).sort(), [201, 409]);
    const base = await api('POST', '/v2/cloud-gateways/custom-domains', { control_plane_id: main.id, control_plane_geo: 'us', domain: `shop.${BASE}` });
    assert.equal(base.status, 400);
    assert.equal(base.body.invalid_parameters[0].field, 'domain');
  });
});
