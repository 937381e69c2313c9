import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// The custom-domains rig (../shared/reference/custom-domains-rig.md §8): Debian's pebble (ACME) and
// pebble-challtestsrv (DNS whose records are set over HTTP), spawned on free loopback ports, killed by
// PID. In front of Pebble sits a small HTTPS pass-through that can answer newOrder with a 429 and
// Retry-After, since Pebble enforces no rate limits. Pebble builds its URLs from the Host header, so
// forwarding it unchanged keeps every ACME URL on the pass-through.

const run = promisify(execFile);
export const FORBIDDEN_DOMAIN = 'forbidden.example.test';

export interface Rig {
  directoryUrl: string;
  /** CA of Pebble's (and the pass-through's) own TLS listener. */
  listenerCa: string;
  /** The same CA as a file (GATEHOUSE_ACME_CA_FILE), removed by stop(). */
  listenerCaFile: string;
  /** Pebble's issuing root, from /roots/0 (regenerated at each start). */
  rootPem: string;
  dnsServer: string;
  dns: {
    /** Replaces the A records of `host`. */
    a(host: string, address: string): Promise<void>;
    cname(host: string, target: string): Promise<void>;
    caa(host: string, issuer: string): Promise<void>;
    servfail(host: string): Promise<void>;
  };
  /** While set, newOrder answers 429 rateLimited with this Retry-After (seconds). */
  rateLimit: { retryAfterSeconds: number | null };
  stop(): Promise<void>;
}

/** Fails (not skips) in CI when the tools are missing; elsewhere returns the reason to skip. */
export async function rigMissing(): Promise<string | null> {
  for (const tool of ['pebble', 'pebble-challtestsrv', 'openssl']) {
    const found = await run('sh', ['-c', `command -v ${tool}`]).then(() => true, () => false);
    if (!found) {
      const message = `${tool} is not installed (apt-get install -y pebble openssl)`;
      if (process.env.CI) throw new Error(message);
      return message;
    }
  }
  return null;
}

/** A free loopback port (to hand to a process that must know another's port before it starts). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function mintListenerCert(dir: string): Promise<void> {
  const o = (name: string) => join(dir, name);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=rig CA', '-keyout', o('ca.key'), '-out', o('ca.pem')]);
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-keyout', o('localhost.key'), '-out', o('localhost.csr')]);
  await writeFile(o('san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await run('openssl', ['x509', '-req', '-in', o('localhost.csr'), '-CA', o('ca.pem'), '-CAkey', o('ca.key'), '-CAcreateserial', '-days', '2', '-extfile', o('san.ext'), '-out', o('localhost.pem')]);
}

async function waitFor(fn: () => Promise<unknown>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fn();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`rig: ${what} did not come up`);
}

function get(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts DNS + Pebble validating HTTP-01 against `httpPort` (the data plane's HTTP port). */
export async function startRig(httpPort: number): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-rig-'));
  const children: ChildProcess[] = [];
  const servers: { close(cb: () => void): void; closeAllConnections(): void }[] = [];
  const stop = async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mintListenerCert(dir);
    const listenerCa = await readFile(join(dir, 'ca.pem'), 'utf8');
    const [acmePort, mgmtPort, dnsPort, dnsMgmtPort, tlsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    await writeFile(join(dir, 'pebble.json'), JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`, managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: join(dir, 'localhost.pem'), privateKey: join(dir, 'localhost.key'),
        httpPort, tlsPort, ocspResponderURL: '', externalAccountBindingRequired: false, domainBlocklist: [FORBIDDEN_DOMAIN],
      },
    }));
    const quiet = { stdio: 'ignore' as const };
    children.push(spawn('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${dnsMgmtPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-defaultIPv4', '', '-defaultIPv6', ''], quiet));
    children.push(spawn('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`, '-strict=false'], {
      ...quiet, env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
    }));
    const manage = async (path: string, body: unknown) => {
      const res = await fetch(`http://127.0.0.1:${dnsMgmtPort}${path}`, { method: 'POST', body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`challtestsrv ${path}: ${res.status}`);
    };
    await waitFor(() => fetch(`http://127.0.0.1:${dnsMgmtPort}/dns-request-history`, { method: 'POST', body: '{"host":"x"}' }), 'challtestsrv');
    await waitFor(() => get(`https://127.0.0.1:${acmePort}/dir`, listenerCa), 'pebble');
    const rootPem = await get(`https://127.0.0.1:${mgmtPort}/roots/0`, listenerCa);

    const rateLimit: Rig['rateLimit'] = { retryAfterSeconds: null };
    const key = await readFile(join(dir, 'localhost.key'));
    const cert = await readFile(join(dir, 'localhost.pem'));
    const front = createHttpsServer({ key, cert }, (req, res) => {
      if (rateLimit.retryAfterSeconds !== null && req.url === '/order-plz') {
        res.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': String(rateLimit.retryAfterSeconds), 'replay-nonce': 'x' });
        res.end(JSON.stringify({ type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many new orders recently', status: 429 }));
        return;
      }
      const upstream = httpsRequest({ host: '127.0.0.1', port: acmePort, method: req.method, path: req.url, headers: req.headers, ca: listenerCa, servername: 'localhost' }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    servers.push(front);
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const frontPort = (front.address() as AddressInfo).port;

    return {
      directoryUrl: `https://127.0.0.1:${frontPort}/dir`,
      listenerCa,
      listenerCaFile: join(dir, 'ca.pem'),
      rootPem,
      dnsServer: `127.0.0.1:${dnsPort}`,
      dns: {
        a: async (host, address) => {
          await manage('/clear-a', { host });
          await manage('/add-a', { host, addresses: [address] });
        },
        cname: (host, target) => manage('/set-cname', { host, target }),
        caa: (host, issuer) => manage('/add-caa', { host, policies: [{ tag: 'issue', value: issuer }] }),
        servfail: (host) => manage('/set-servfail', { host }),
      },
      rateLimit,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
