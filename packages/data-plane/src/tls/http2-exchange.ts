import { Http2ServerResponse, type ServerHttp2Stream } from 'node:http2';
import type { OutgoingHttpHeaders } from 'node:http';
import { Exchange, initExchange } from '../server/exchange.ts';

// HTTP/2 clients on the TLS listener: node:http2's compatibility API builds this response for each
// stream (createSecureServer's Http2ServerResponse option). It has Exchange's fields and borrows its
// methods, so the request flow (server/flow.ts) and the undici dispatch handler serve both protocols.
// What differs is here: `destroyed` is the stream's, and connection-specific headers (RFC 9113
// §8.2.2), which node:http2 refuses to send, are dropped from every head.

const CONNECTION_SPECIFIC = ['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings'];

export class Http2Exchange extends Http2ServerResponse {
  constructor(stream: ServerHttp2Stream, ...rest: unknown[]) {
    // @ts-expect-error node:http2 passes more than its typings list.
    super(stream, ...rest);
    initExchange(this as unknown as Exchange);
  }

}

for (const name of Object.getOwnPropertyNames(Exchange.prototype)) {
  if (name === 'constructor' || name === 'destroyed' || name === 'writeHead') continue;
  Object.defineProperty(Http2Exchange.prototype, name, Object.getOwnPropertyDescriptor(Exchange.prototype, name)!);
}
// Defined on the prototype: node:http2's typings list `destroyed` as a field it does not have.
Object.defineProperty(Http2Exchange.prototype, 'destroyed', {
  get(this: Http2Exchange): boolean {
    return this.stream.destroyed;
  },
});
const writeHead = Http2ServerResponse.prototype.writeHead;
Object.defineProperty(Http2Exchange.prototype, 'writeHead', {
  value: function writeHeadH2(this: Http2Exchange, status: number, headers?: OutgoingHttpHeaders): Http2Exchange {
    if (headers !== undefined) for (const name of CONNECTION_SPECIFIC) if (headers[name] !== undefined) delete headers[name];
    return (writeHead as (status: number, headers?: OutgoingHttpHeaders) => Http2Exchange).call(this, status, headers);
  },
});
