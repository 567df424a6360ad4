import { type ClientRequest, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CuttingProxy {
  url: string;
  /** What went through: 'POST /messages (cut)' and 'GET /stream', in order. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * Forwards to the server, but cuts the first POST /messages response as soon as its body has
 * carried `cutAfter`: the connection drops in the middle of a turn, which runs on.
 */
export async function startCuttingProxy(options: {
  target: string;
  cutAfter: string;
}): Promise<CuttingProxy> {
  const seen: string[] = [];
  let cut = false;
  const proxyServer = createServer((incoming, outgoing) => {
    forward({ target: options.target, incoming }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      const cutThis = !cut && incoming.method === 'POST' && incoming.url?.endsWith('/messages') === true;
      if (!cutThis) {
        if (incoming.url?.endsWith('/stream')) seen.push('GET /stream');
        response.pipe(outgoing);
        return;
      }
      cut = true;
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
        outgoing.write(chunk);
        if (body.includes(options.cutAfter)) {
          seen.push('POST /messages (cut)');
          response.destroy();
          outgoing.socket?.destroy();
        }
      });
    }).on('error', () => outgoing.destroy());
  });
  await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        proxyServer.closeAllConnections();
        proxyServer.close(() => resolve());
      }),
  };
}

/**
 * Forwards to `target`, except the requests `hold` picks, which are never answered: a server
 * that took a request and went quiet.
 */
export async function startHoldingProxy(options: {
  target: string;
  hold: (path: string) => boolean;
}): Promise<{ url: string; close(): void }> {
  const proxyServer = createServer((incoming, outgoing) => {
    if (options.hold(incoming.url ?? '')) return;
    forward({ target: options.target, incoming }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(outgoing);
    }).on('error', () => outgoing.destroy());
  });
  await new Promise<void>((resolve) => proxyServer.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxyServer.address() as AddressInfo).port}`,
    close: () => {
      proxyServer.closeAllConnections();
      proxyServer.close();
    },
  };
}

/** Sends `incoming` on to `target`, body and all; `onResponse` gets the server's answer. */
function forward(
  options: { target: string; incoming: IncomingMessage },
  onResponse: (response: IncomingMessage) => void,
): ClientRequest {
  const target = new URL(options.target);
  const { incoming } = options;
  const upstream = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      path: incoming.url,
      method: incoming.method,
      // The server answers only to its own address: the proxy speaks as its client.
      headers: { ...incoming.headers, host: target.host },
    },
    onResponse,
  );
  incoming.pipe(upstream);
  return upstream;
}
