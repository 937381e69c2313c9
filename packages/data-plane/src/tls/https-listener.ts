import { createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { SecureContext } from 'node:tls';
import type { SniTable } from './sni-certificates.ts';

/**
 * The HTTPS listener: the certificate comes from the SNI table; a name without one fails the handshake
 * (there is no default certificate to leak another tenant's name). Requests go to the same handler as
 * plain HTTP.
 */
export function createHttpsServer<Res>(table: SniTable, responseClass: new (...args: never[]) => Res, onRequest: (req: IncomingMessage, res: Res) => void): Server {
  return createServer(
    {
      ServerResponse: responseClass,
      SNICallback: (serverName: string, callback: (err: Error | null, context?: SecureContext) => void) => {
        const context = table.lookup(serverName);
        if (context) callback(null, context);
        else callback(new Error(`no certificate for ${serverName}`));
      },
    } as unknown as Parameters<typeof createServer>[0],
    onRequest as Parameters<typeof createServer>[1],
  );
}
