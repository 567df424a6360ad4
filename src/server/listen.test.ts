import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer, request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type Listening, listenHttp } from './listen.ts';

const host = '127.0.0.1';
const opened: { server: HttpServer; listening: Listening }[] = [];

afterEach(async () => {
  for (const { listening } of opened.splice(0)) {
    await listening.close();
  }
});

async function listen(acceptors: number, port = 0): Promise<{ server: HttpServer; listening: Listening }> {
  const server = createHttpServer((_request, response) => response.end('ok'));
  const listening = await listenHttp({ server, host, port, acceptors });
  const entry = { server, listening };
  opened.push(entry);
  return entry;
}

function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host, port, path: '/', agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

/**
 * Opens `count` connections to the port from another process while this one's event loop is held
 * (as a busy server's is), then counts how many this process accepts in one turn of its loop.
 */
async function acceptedInOneTurn(options: {
  server: HttpServer;
  port: number;
  count: number;
}): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), 'autopilot-accept-'));
  const connected = join(directory, 'connected');
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const net = require('node:net'); const fs = require('node:fs');
       process.stdin.once('data', () => {
         let open = 0;
         for (let i = 0; i < ${options.count}; i++)
           net.connect(${options.port}, '${host}', () => { if (++open === ${options.count}) fs.writeFileSync(${JSON.stringify(connected)}, ''); });
       });`,
    ],
    { stdio: ['pipe', 'ignore', 'inherit'] },
  );
  try {
    await new Promise<void>((resolve) => child.once('spawn', () => resolve()));
    child.stdin.write('go\n');
    // Hold the loop until the kernel has completed every connection; none can be accepted meanwhile.
    const deadline = Date.now() + 10_000;
    while (!existsSync(connected)) {
      if (Date.now() > deadline) throw new Error('the connections were not made');
    }
    let accepted = 0;
    const onConnection = () => (accepted += 1);
    options.server.on('connection', onConnection);
    // Count from this turn's check phase (setImmediate) to the next one's: one poll phase between.
    const immediate = () => new Promise<number>((resolve) => setImmediate(() => resolve(accepted)));
    const before = await immediate();
    const inOneTurn = (await immediate()) - before;
    options.server.off('connection', onConnection);
    return inOneTurn;
  } finally {
    child.kill();
    rmSync(directory, { recursive: true, force: true });
  }
}

/** What node:http set on a socket it accepted: half-open, TCP_NODELAY, keep-alive probes. */
function socketOptions(socket: Socket): string {
  const flags = Object.getOwnPropertySymbols(socket)
    .filter((symbol) => /^kSet(NoDelay|KeepAlive|KeepAliveInitialDelay)$/.test(symbol.description ?? ''))
    .map(
      (symbol) => `${symbol.description}=${String((socket as unknown as Record<symbol, unknown>)[symbol])}`,
    )
    .sort();
  return [`allowHalfOpen=${socket.allowHalfOpen}`, ...flags].join(' ');
}

async function optionsOfAccepted(options: {
  server: HttpServer;
  port: number;
  count: number;
}): Promise<Set<string>> {
  const seen = new Set<string>();
  let accepted = 0;
  const onConnection = (socket: Socket) => {
    accepted += 1;
    seen.add(socketOptions(socket));
  };
  options.server.on('connection', onConnection);
  const sockets = Array.from({ length: options.count }, () => connect(options.port, host));
  while (accepted < options.count) await new Promise((resolve) => setImmediate(resolve));
  options.server.off('connection', onConnection);
  for (const socket of sockets) socket.destroy();
  return seen;
}

describe('listenHttp', () => {
  test('every acceptor serves the one HTTP server', async () => {
    const { listening } = await listen(16);
    const bodies = await Promise.all(Array.from({ length: 64 }, () => get(listening.port)));
    expect(bodies).toEqual(Array(64).fill('ok'));
  });

  test('a socket an extra acceptor hands over is set up as node:http sets up its own', async () => {
    const one = await listen(1);
    const own = await optionsOfAccepted({ ...one, port: one.listening.port, count: 1 });
    expect([...own][0]).toContain('kSetNoDelay=true');
    const several = await listen(16);
    expect(await optionsOfAccepted({ ...several, port: several.listening.port, count: 64 })).toEqual(own);
  });

  test('a busy loop accepts from every acceptor in one turn, not one connection', async () => {
    const several = await listen(16);
    expect(await acceptedInOneTurn({ ...several, port: several.listening.port, count: 64 })).toBeGreaterThan(
      4,
    );
    // What the extra sockets are for: with one, libuv accepts one connection per turn.
    const one = await listen(1);
    expect(await acceptedInOneTurn({ ...one, port: one.listening.port, count: 64 })).toBe(1);
  });

  test('a port another server holds is refused, even one Autopilot holds with SO_REUSEPORT', async () => {
    const { listening } = await listen(16);
    await expect(listen(16, listening.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, host, () => resolve()));
    try {
      const address = other.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      await expect(listen(16, port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  test('closing frees the port', async () => {
    const { listening } = await listen(16);
    opened.pop();
    await listening.close();
    const again = await listen(16, listening.port);
    expect(again.listening.port).toBe(listening.port);
  });
});
