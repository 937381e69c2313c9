import type { IncomingMessage, ServerResponse } from 'node:http';

// ACME HTTP-01 (RFC 8555 §8.3): the CA fetches http://<domain>/.well-known/acme-challenge/<token> on
// port 80 and expects the key authorization as the body. The control plane publishes the tokens of
// the domains it is validating; they are answered for any Host, before gateway lookup.

export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

/**
 * @example
 * const acme = createAcmeResponder();
 * acme.set('tok', 'tok.thumbprint');
 * acme.answer(req, res); // true, and res got 200 'tok.thumbprint' for GET /.well-known/acme-challenge/tok
 */
export function createAcmeResponder() {
  const tokens = new Map<string, string>();
  return {
    /** Publishes a key authorization, or withdraws it with null. */
    set(token: string, keyAuthorization: string | null): void {
      if (keyAuthorization === null) tokens.delete(token);
      else tokens.set(token, keyAuthorization);
    },
    get size(): number {
      return tokens.size;
    },
    /** Answers a challenge request and returns true; false leaves the request to the proxy. */
    answer(req: IncomingMessage, res: ServerResponse): boolean {
      const url = req.url;
      if (url === undefined || !url.startsWith(ACME_CHALLENGE_PREFIX)) return false;
      const keyAuthorization = tokens.get(url.slice(ACME_CHALLENGE_PREFIX.length));
      if (keyAuthorization === undefined) return false;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(keyAuthorization) });
      res.end(req.method === 'HEAD' ? undefined : keyAuthorization);
      return true;
    },
  };
}

export type AcmeResponder = ReturnType<typeof createAcmeResponder>;
