import { Socket } from 'node:net';

// nginx's lingering close (lingering_close on, lingering_time 30s, lingering_timeout 5s), for the
// answers that leave a request body unread (413/417 past the platform limit): closing a socket with
// unread bytes in its receive queue makes the kernel send RST, which can reach a client still
// uploading before it has read the answer (EPIPE/ECONNRESET, the 413 lost). So after the answer is
// written the write side is shut (FIN), and whatever the client still sends is read and discarded
// until it closes, goes quiet for `idleMs`, `totalMs` have passed, or `maxBytes` were discarded
// (nginx has no byte cap; one keeps a fast client from holding a core for lingering_time). Only the
// connections that get such an answer linger: normal traffic never reaches this module.

export interface LingeringOptions {
  /** nginx's `lingering_time`: the longest a connection lingers in all. */
  totalMs: number;
  /** nginx's `lingering_timeout`: the longest wait for the client's next bytes. */
  idleMs: number;
  /** Bytes discarded before giving up on the client reading the answer. */
  maxBytes: number;
}

/** The data plane's lingering settings and the sockets lingering now (DataPlane.close() destroys them). */
export interface Lingering extends LingeringOptions {
  sockets: Set<Socket>;
  /** Set by destroyLingering: the data plane is closing, so sockets close at once instead. */
  isClosing: boolean;
}

export const LINGERING_DEFAULTS: LingeringOptions = { totalMs: 30_000, idleMs: 5_000, maxBytes: 64 * 1024 * 1024 };

/**
 * @example
 * const lingering = createLingering({ idleMs: 200 });
 * lingerThenClose(socket, lingering); // after the 413 is written
 * destroyLingering(lingering); // on shutdown
 */
export function createLingering(options: Partial<LingeringOptions> = {}): Lingering {
  return { ...LINGERING_DEFAULTS, ...options, sockets: new Set(), isClosing: false };
}

/**
 * Makes node:http linger instead of closing once the current response is written: node:http ends a
 * `Connection: close` exchange with `socket.destroySoon()` after the response's 'finish', which is
 * exactly the moment to linger, so only this socket's destroySoon is replaced. Not for HTTP/2 (the
 * socket is the session's) nor upgraded sockets (node:http does not close those).
 */
export function lingerAfterResponse(socket: Socket, lingering: Lingering): void {
  socket.destroySoon = () => lingerThenClose(socket, lingering);
}

/** Half-closes `socket`, discards what the client still sends, and destroys it when lingering ends. */
export function lingerThenClose(socket: Socket, lingering: Lingering): void {
  if (socket.destroyed) return;
  if (lingering.isClosing) {
    // node:http's own close: FIN once the answer is out, then destroy.
    Socket.prototype.destroySoon.call(socket);
    return;
  }
  detachHttpParser(socket);
  // client_body_timeout's socket timeout no longer applies: lingering has its own timers.
  socket.setTimeout(0);
  const sockets = lingering.sockets;
  let discarded = 0;
  const close = (): void => {
    clearTimeout(idle);
    clearTimeout(total);
    sockets.delete(socket);
    socket.destroy();
  };
  const idle = setTimeout(close, lingering.idleMs);
  const total = setTimeout(close, lingering.totalMs);
  idle.unref();
  total.unref();
  sockets.add(socket);
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > lingering.maxBytes) close();
    else idle.refresh();
  });
  socket.on('end', close);
  socket.on('error', close);
  socket.on('close', close);
  socket.end();
  socket.resume();
}

/** Destroys every lingering socket (the data plane is closing). */
export function destroyLingering(lingering: Lingering): void {
  lingering.isClosing = true;
  for (const socket of lingering.sockets) socket.destroy();
  lingering.sockets.clear();
}

// node:http's listeners that would parse the discarded bytes or pause reading for the request; its
// 'close' and 'error' listeners stay (they free the parser and abort the request).
const HTTP_LISTENERS = new Set(['bound socketOnEnd', 'bound socketOnDrain', 'onSocketPause', 'onSocketResume']);

/**
 * Takes the socket from node:http's parser, as node:http does for an upgrade: the parser gives the
 * stream back (it reads the socket's handle directly), and its listeners go, so the bytes after the
 * answer (the rest of the body, or anything pipelined after it) are never parsed as a request.
 */
function detachHttpParser(socket: Socket): void {
  const http = socket as Socket & { parser?: { _consumed?: boolean; unconsume?(): void } | null; _paused?: boolean; _handle?: { reading?: boolean; readStart?(): number } | null };
  const parser = http.parser;
  if (parser?._consumed === true && typeof parser.unconsume === 'function') {
    parser.unconsume();
    parser._consumed = false;
    // While the parser read the handle, node:http stopped and started it itself (onSocketPause,
    // onSocketResume), so the stream's own read state is stale and resume() would not start it
    // again (seen on TLS sockets): start it as onSocketResume does.
    const handle = http._handle;
    if (handle?.reading === false && typeof handle.readStart === 'function') {
      handle.reading = true;
      handle.readStart();
    }
  }
  socket.removeAllListeners('data');
  for (const event of ['end', 'drain', 'pause', 'resume'] as const) {
    for (const listener of socket.listeners(event)) if (HTTP_LISTENERS.has(listener.name)) socket.off(event, listener as (...args: unknown[]) => void);
  }
  // node:http's own pause flag (set when pipelined responses pile up): reading is ours now.
  if (http._paused === true) http._paused = false;
}
