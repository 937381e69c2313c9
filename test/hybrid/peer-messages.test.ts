import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { createDataPlane } from '@gatehouse/data-plane';
import { snapshot, startUpstream, until } from '@gatehouse/test-kit';
import { createSelfSigned, issueCertificate } from '../../packages/control-plane/src/clustering/certs.ts';
import { createSnapshotCache } from '../../packages/data-plane/src/sync/cache.ts';
import { createSyncClient } from '../../packages/data-plane/src/sync/client.ts';
import { MAX_FRAME_BYTES, MAX_MESSAGE_BYTES, decodeMessage, encodeMessage } from '../../packages/data-plane/src/sync/protocol.ts';
import { send } from '../plugins/harness.ts';

// Issue 6, bad input from a peer, the data plane's side: a fake control plane (a `ws` server over TLS
// with a test CA) sends each malformed or oversized message. The data plane refuses it, says why,
// keeps serving the gateway it had, and reconnects.

const HOST = 'peer.test';

interface Peer {
  ws: WebSocket;
  messages: Array<{ type: string; hashes?: Record<string, string> }>;
  closeCode: number | null;
}

describe('data plane refusing bad messages from the control plane (issue 6)', () => {
  it('refuses each, logs why, keeps serving and reconnects', async (t) => {
    const ca = await createSelfSigned({ commonName: 'peer test CA', isCa: true });
    const server = await issueCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ips: ['127.0.0.1'], isServer: true });
    const client = await issueCertificate(ca, { commonName: 'peer-dp' });

    // The fake control plane: records each connection and what the data plane says on it.
    const https = createHttpsServer({ cert: server.cert, key: server.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true });
    const wss = new WebSocketServer({ server: https, maxPayload: 2 * MAX_FRAME_BYTES, perMessageDeflate: false });
    const peers: Peer[] = [];
    wss.on('connection', (ws) => {
      const peer: Peer = { ws, messages: [], closeCode: null };
      ws.once('close', (code) => (peer.closeCode = code));
      ws.on('message', async (data, isBinary) => peer.messages.push((await decodeMessage(data as Buffer, isBinary)) as Peer['messages'][number]));
      peers.push(peer);
    });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    const cpPort = (https.address() as AddressInfo).port;

    const upstream = await startUpstream();
    const dp = createDataPlane({ port: 0 });
    const { port } = await dp.listen();
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-peer-messages-'));
    const logs: Array<{ msg: string; err?: string; reason?: string }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const sync = createSyncClient({
      controlPlane: `https://localhost:${cpPort}`,
      cert: client.cert,
      key: client.key,
      ca: ca.cert,
      dataPlane: dp,
      cache: createSnapshotCache(dir),
      nodeId: 'peer-test-node',
      hostname: 'peer-test',
      version: '0.1.0',
      plugins: [],
      logger,
      backoff: { minMs: 10, maxMs: 50 },
    });
    t.after(async () => {
      await sync.stop();
      await dp.close();
      await upstream.close();
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((r) => https.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    });

    /** Polls `fn` until true (bounded by until's deadline). */
    const holds = (what: string, fn: () => boolean) => until(what, async () => (fn() ? true : undefined));
    const connected = async (n: number): Promise<Peer> => {
      await holds(`connection ${n} with basic_info`, () => peers.length >= n && peers[n - 1].messages.some((m) => m.type === 'basic_info'));
      return peers[n - 1];
    };
    const good = snapshot({ hostnames: [HOST] }).service({ url: upstream.url }).route({ paths: ['/'] }).build();
    const serves = async (): Promise<void> => {
      const reply = await send(port, HOST, '/ok');
      assert.equal(reply.status, 200, `still serving the gateway it had: ${reply.body}`);
    };

    await sync.start();
    const first = await connected(1);
    first.ws.send(await encodeMessage({ type: 'snapshot', snapshot: good }), { binary: true });
    await holds('the good snapshot applied', () => first.messages.some((m) => m.type === 'applied' && m.hashes?.[good.gatewayId] === good.hash));
    await serves();

    // A snapshot whose content was altered after hashing: a request-termination plugin it must never run.
    const altered = snapshot({ hostnames: [HOST] }).service({ url: upstream.url }).route({ paths: ['/'] }).plugin('request-termination', { status_code: 403 }).build();
    const cases: Array<{ name: string; frame: () => Buffer; reason: RegExp; isText?: boolean }> = [
      { name: 'a text frame', frame: () => Buffer.from('{"type":"remove","gatewayIds":[]}'), reason: /text frames/, isText: true },
      { name: 'a frame that is not gzip', frame: () => Buffer.from('definitely not gzip'), reason: /not gzip/ },
      { name: 'gzipped text that is not JSON', frame: () => gzipSync('{"type": "snapshot"'), reason: /not JSON/ },
      { name: 'a message of an unknown type', frame: () => gzipSync(JSON.stringify({ type: 'reboot' })), reason: /unknown message of type 'reboot'/ },
      { name: 'a remove with ids that are not strings', frame: () => gzipSync(JSON.stringify({ type: 'remove', gatewayIds: [1] })), reason: /malformed .* 'remove'/ },
      { name: 'a snapshot whose hash does not match its content', frame: () => gzipSync(JSON.stringify({ type: 'snapshot', snapshot: { ...altered, hash: good.hash } })), reason: /content hashes to/ },
      { name: 'a decompression bomb over the 64 MiB cap', frame: () => gzipSync(Buffer.alloc(MAX_MESSAGE_BYTES + 1024, 0x20)), reason: /larger than 67108864 bytes once decompressed/ },
      { name: 'a frame over the 16 MiB frame cap', frame: () => Buffer.alloc(MAX_FRAME_BYTES + 1), reason: /over 16777216 bytes/ },
    ];
    let n = 1;
    for (const c of cases) {
      const peer = await connected(n);
      const logged = logs.length;
      peer.ws.send(c.frame(), { binary: c.isText !== true });
      await holds(`${c.name}: the data plane closes the connection`, () => peer.closeCode !== null);
      assert.ok(peer.closeCode === 1007 || peer.closeCode === 1009, `${c.name}: closed with ${peer.closeCode}`);
      await holds(`${c.name}: the reason logged`, () => logs.slice(logged).some((l) => c.reason.test(`${l.msg} ${l.err ?? ''} ${l.reason ?? ''}`)));
      await serves();
      n++;
      const next = await connected(n);
      const hello = next.messages.find((m) => m.type === 'basic_info')!;
      assert.deepEqual(hello.hashes, { [good.gatewayId]: good.hash }, `${c.name}: reconnected saying it serves the good snapshot`);
    }
    assert.deepEqual(Object.fromEntries(dp.gatewayHashes()), { [good.gatewayId]: good.hash });
  });
});
