import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How much of a refused body is read and thrown away so that the client gets to read the answer. */
const lingerMaxBytes = 64 * 1024 * 1024;
const lingerMaxMs = 30_000;

/**
 * For an error answered before the request body was read to its end. The rest of that body must
 * not be taken for the next request, so the connection closes after the response. But closing a
 * socket with unread bytes in flight resets it, and a client still sending (curl, most HTTP
 * libraries) then gets EPIPE or ECONNRESET instead of the answer. So the server half-closes after
 * the response and reads on, throwing the bytes away, up to a bound in bytes and time.
 */
export function closeConnectionAfterResponse(env: unknown): void {
  const { incoming, outgoing } = (env ?? {}) as { incoming?: IncomingMessage; outgoing?: ServerResponse };
  if (!incoming || !outgoing || incoming.complete) return;
  outgoing.shouldKeepAlive = false;
  const socket = incoming.socket as Socket & { lingering?: boolean };
  if (socket.lingering) return;
  socket.lingering = true;
  // Node ends a `Connection: close` exchange with destroySoon(): make that a lingering close instead.
  socket.destroySoon = () => {
    lingerThenClose({ socket, incoming });
  };
}

function lingerThenClose(options: { socket: Socket; incoming: IncomingMessage }): void {
  const { socket, incoming } = options;
  let discarded = 0;
  const timer = setTimeout(() => socket.destroy(), lingerMaxMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > lingerMaxBytes) socket.destroy();
  });
  socket.end();
  // Whatever the HTTP parser still hands to the request is dropped, not buffered: a body stream
  // left attached would hold it back (and pause the socket) once its queue is full.
  incoming.removeAllListeners('data');
  incoming.resume();
  socket.resume();
}
