import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import { authenticateNode, isFleetCertificate } from './auth.ts';
import type { CertPair } from './certs.ts';
import type { DpCertificateService } from './dp-certificates.ts';

// The telemetry port behind mTLS, with the cluster's rules: the platform's fleet certificate, or a
// self-managed node's certificate accepted for the control plane its Host names
// (`<dns_prefix>.tp.<base>`, Konnect's telemetry_endpoint). Anything else gets 401 before the body
// is read.

export interface TelemetryListenerOptions {
  store: Store;
  logger: Logger;
  ca: CertPair;
  server: CertPair;
  /** `tp.<base>`. */
  telemetryDomain: string;
  certificates: DpCertificateService;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

function refuse(res: ServerResponse, status: number, reason: string): void {
  const body = JSON.stringify({ status, title: status === 401 ? 'Unauthorized' : 'Not Found', detail: reason });
  res.writeHead(status, { 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

/**
 * @example
 * const listener = createTelemetryListener({ store, logger, ca, server, telemetryDomain: 'tp.localhost', certificates, handler: telemetry.handler });
 * await listener.listen(8006, '127.0.0.1');
 */
export function createTelemetryListener(options: TelemetryListenerOptions) {
  const clusterCa = new X509Certificate(options.ca.cert);
  const suffix = `.${options.telemetryDomain}`;

  async function allowed(req: IncomingMessage, peer: X509Certificate | undefined): Promise<string | null> {
    if (!peer) return 'no client certificate presented';
    if (isFleetCertificate(peer, clusterCa)) return null;
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '');
    if (!host.endsWith(suffix)) return `a self-managed data plane reports to <dns_prefix>${suffix} (its telemetry_endpoint), not '${host}'`;
    const prefix = host.slice(0, -suffix.length);
    for (let offset = 0; ; offset += 500) {
      const { rows } = await options.store.controlPlanes.list({}, { limit: 500, offset });
      const row = rows.find((r) => r.dns_prefix === prefix);
      if (row) {
        const result = authenticateNode(peer, row, await options.certificates.pems(options.store, row.id), `${row.dns_prefix}.cp.${options.telemetryDomain.slice(3)}`);
        return result.ok ? null : result.reason;
      }
      if (rows.length < 500) return `no control plane answers at '${host}'`;
    }
  }

  const server: Server = createServer({ cert: options.server.cert, key: options.server.key, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerX509Certificate?.();
    allowed(req, peer).then(
      (reason) => {
        if (reason === null) return options.handler(req, res);
        options.logger.warn({ ip: req.socket.remoteAddress, reason }, 'telemetry refused');
        refuse(res, 401, reason);
      },
      (err: unknown) => {
        options.logger.error({ err }, 'telemetry authentication failed');
        refuse(res, 401, 'authentication failed');
      },
    );
  });
  server.on('tlsClientError', (err) => options.logger.warn({ err: err.message }, 'telemetry TLS handshake failed'));

  return {
    listen(port: number, host: string): Promise<{ port: number }> {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve({ port: (server.address() as AddressInfo).port });
        });
      });
    },
    close(): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}
