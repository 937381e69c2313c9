import { createSecureServer, type Http2SecureServer, type Http2ServerRequest } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { SecureContext } from 'node:tls';
import type { SniTable } from './sni-certificates.ts';

export interface HttpsServerOptions {
  /** HTTP/2 header list limit (SETTINGS_MAX_HEADER_LIST_SIZE), the HTTP/1.1 head limit's counterpart. */
  maxHeaderBytes: number;
}

/**
 * The HTTPS listener: HTTP/2 and HTTP/1.1 by ALPN (`h2`, `http/1.1`) on one port, through
 * node:http2's compatibility API, so both reach the same handler with an Exchange-shaped response.
 * The certificate comes from the SNI table; a name without one fails the handshake (there is no
 * default certificate to leak another tenant's name). An HTTP/2 request without `host` gets its
 * `:authority` as Host, as nginx does.
 */
export function createHttpsServer<Res1, Res2>(
  table: SniTable,
  http1Response: new (...args: never[]) => Res1,
  http2Response: new (...args: never[]) => Res2,
  options: HttpsServerOptions,
  onRequest: (req: IncomingMessage, res: Res1 | Res2) => void,
): Http2SecureServer {
  return createSecureServer(
    {
      allowHTTP1: true,
      Http1ServerResponse: http1Response,
      Http2ServerResponse: http2Response,
      settings: { maxHeaderListSize: options.maxHeaderBytes },
      SNICallback: (serverName: string, callback: (err: Error | null, context?: SecureContext) => void) => {
        const context = table.lookup(serverName);
        if (context) callback(null, context);
        else callback(new Error(`no certificate for ${serverName}`));
      },
    } as unknown as Parameters<typeof createSecureServer>[0],
    (req: Http2ServerRequest | IncomingMessage, res: unknown) => {
      if (req.httpVersionMajor === 2 && req.headers.host === undefined) {
        const authority = req.headers[':authority'];
        if (typeof authority === 'string') req.headers.host = authority;
      }
      onRequest(req as IncomingMessage, res as Res1 | Res2);
    },
  );
}
