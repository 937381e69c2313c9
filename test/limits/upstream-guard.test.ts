import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createDataPlane, type DataPlaneOptions } from '@gatehouse/data-plane';
import { snapshot, startUpstream } from '@gatehouse/test-kit';

// Issue 7, upstream safety: the resolved address is checked when the connection is made; refused
// addresses get a 502 naming the policy and a log line; the operator's settings change the policy.

interface LogLine {
  msg: string;
  policy?: string;
  address?: string;
}

async function start(t: TestContext, upstreamPolicy: DataPlaneOptions['upstreamPolicy']) {
  const logs: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const dp = createDataPlane({ port: 0, logger, upstreamPolicy });
  t.after(() => dp.close());
  const { port } = await dp.listen();
  const proxy = async (serviceUrl: string): Promise<{ status: number; message: string | undefined; body: string }> => {
    const host = `g${Math.random().toString(16).slice(2, 10)}.guard.test`;
    dp.applySnapshot(snapshot({ hostnames: [host] }).service({ url: serviceUrl, connect_timeout: 300, retries: 0 }).route({ paths: ['/'] }).build());
    const res = await get(port, host);
    const body = res.body;
    let message: string | undefined;
    try {
      message = JSON.parse(body).message;
    } catch {
      message = undefined;
    }
    return { status: res.status, message, body };
  };
  return { dp, port, logs, proxy };
}

function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/x', headers: { host, accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A stand-in for the control plane's admin API listener. */
async function startAdminApi(t: TestContext): Promise<number> {
  const server = createServer((_req, res) => res.end('admin'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe('upstream guard', () => {
  it('refuses the metadata address at proxy time with a 502 naming the policy and a log line', async (t) => {
    const { proxy, logs } = await start(t, {});
    const r = await proxy('http://169.254.169.254/latest/meta-data');
    assert.equal(r.status, 502);
    assert.match(r.message ?? '', /refused by the platform's upstream policy \(link-local\)/);
    assert.ok(logs.some((l) => l.msg === 'upstream address refused' && l.policy === 'link-local' && l.address === '169.254.169.254'));
  });

  it('refuses the admin API port and its own ports, also through a name resolving to loopback', async (t) => {
    const adminPort = await startAdminApi(t);
    const { proxy, port, logs } = await start(t, { platformPorts: [adminPort] });
    for (const url of [`http://127.0.0.1:${adminPort}`, `http://localhost:${adminPort}`, `http://127.0.0.1:${port}`]) {
      const r = await proxy(url);
      assert.equal(r.status, 502, url);
      assert.match(r.message ?? '', /\(platform-listener\)/, url);
    }
    assert.equal(logs.filter((l) => l.msg === 'upstream address refused').length, 3);
  });

  it('allows both when the operator allows it (GATEHOUSE_UPSTREAM_ALLOW_LINK_LOCAL)', async (t) => {
    const adminPort = await startAdminApi(t);
    const { proxy, logs } = await start(t, { platformPorts: [adminPort], allowLinkLocal: true });
    const admin = await proxy(`http://127.0.0.1:${adminPort}`);
    assert.equal(admin.status, 200);
    assert.equal(admin.body, 'admin');
    // Nothing answers 169.254.169.254 here (or a real metadata service does): either way the policy does not refuse it.
    const metadata = await proxy('http://169.254.169.254/');
    assert.doesNotMatch(metadata.message ?? metadata.body, /upstream policy/);
    assert.equal(logs.filter((l) => l.msg === 'upstream address refused').length, 0);
  });

  it('denies loopback and private ranges when the operator asks (GATEHOUSE_UPSTREAM_DENY_PRIVATE)', async (t) => {
    const upstream = await startUpstream();
    t.after(() => upstream.close());
    const open = await start(t, {});
    assert.equal((await open.proxy(upstream.url)).status, 200);
    const closed = await start(t, { denyPrivate: true });
    const r = await closed.proxy(upstream.url);
    assert.equal(r.status, 502);
    assert.match(r.message ?? '', /\(private\)/);
    assert.equal(upstream.requests.length, 1);
  });
});
