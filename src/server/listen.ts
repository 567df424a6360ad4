import type { Server as HttpServer } from 'node:http';
import { createServer, type Server, type ServerOpts, type Socket } from 'node:net';

/**
 * Sockets that accept the port's connections on Linux. libuv accepts one connection per turn of
 * the event loop and per listening socket (libuv 1.45, "don't accept() connections in a loop"), so
 * while the loop is busy a burst of new connections waits in the kernel: at 500 new chats in the
 * load bench, the last 300 connections were accepted over 1–3 s, one per 10 ms turn. With
 * SO_REUSEPORT the kernel spreads new connections over these sockets, and each turn of the loop
 * accepts one from each.
 */
const linuxAcceptors = 16;

export interface Listening {
  port: number;
  /** Stops accepting at once, closes the HTTP server's connections, and resolves once they have ended. */
  close(): Promise<void>;
}

/**
 * Listens for `server` on `host:port` (0 picks a free port). On Linux the port is first bound on
 * its own, without SO_REUSEPORT, so a port already taken (another server, or a second Autopilot)
 * fails with EADDRINUSE as it would without the extra sockets, instead of being shared with it.
 */
export async function listenHttp(options: {
  server: HttpServer;
  host: string;
  port: number;
  acceptors?: number;
}): Promise<Listening> {
  const { server, host } = options;
  const acceptors = options.acceptors ?? (process.platform === 'linux' ? linuxAcceptors : 1);
  if (acceptors <= 1) {
    await listenOn({ server, host, port: options.port, reusePort: false });
    return { port: portOf(server), close: () => closeAll(server, []) };
  }
  const probe = createServer();
  await listenOn({ server: probe, host, port: options.port, reusePort: false });
  const port = portOf(probe);
  await closeServer(probe);
  // The HTTP server is the first acceptor (so it is listening, with its timeouts and connection
  // tracking); the others hand what they accept to it.
  await listenOn({ server, host, port, reusePort: true });
  const extra: Server[] = [];
  try {
    for (let index = 1; index < acceptors; index++) {
      const acceptor = createServer(socketOptionsOf(server), (socket: Socket) =>
        server.emit('connection', socket),
      );
      extra.push(acceptor);
      await listenOn({ server: acceptor, host, port, reusePort: true });
      // An accept error is the server's, as it would be with one socket.
      acceptor.on('error', (error) => server.emit('error', error));
    }
  } catch (error) {
    await closeAll(server, extra);
    throw error;
  }
  return { port, close: () => closeAll(server, extra) };
}

/** Every socket stops listening; idle keep-alive connections, which would keep the close waiting, are closed. */
async function closeAll(server: HttpServer, extra: Server[]): Promise<void> {
  const closed = Promise.all([server, ...extra].map(closeServer));
  server.closeAllConnections();
  await closed;
}

/**
 * The HTTP server's own options for the sockets it accepts (node:http sets TCP_NODELAY and half-open
 * sockets), so a socket an extra acceptor hands over is the same as one it accepted itself: without
 * TCP_NODELAY, Nagle's algorithm held a stream's second small write for the client's delayed ACK,
 * 40 ms, in the full-path bench.
 */
function socketOptionsOf(server: HttpServer): ServerOpts {
  const own = server as HttpServer & Partial<Record<'noDelay' | 'allowHalfOpen' | 'keepAlive', boolean>>;
  const initialDelaySeconds = (server as HttpServer & { keepAliveInitialDelay?: number })
    .keepAliveInitialDelay;
  return {
    allowHalfOpen: own.allowHalfOpen ?? true,
    noDelay: own.noDelay ?? true,
    keepAlive: own.keepAlive ?? false,
    keepAliveInitialDelay: (initialDelaySeconds ?? 0) * 1000,
  };
}

function listenOn(options: {
  server: Server;
  host: string;
  port: number;
  reusePort: boolean;
}): Promise<void> {
  const { server } = options;
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen(
      { host: options.host, port: options.port, reusePort: options.reusePort, exclusive: true },
      () => {
        server.off('error', failed);
        resolve();
      },
    );
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('The server is not listening on a port');
  return address.port;
}

/** Stops listening at once; resolves once the server's connections have ended too (at once if it was not listening). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
