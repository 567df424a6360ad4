import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request } from 'undici';
import { listenHttp } from '../../src/server/listen.ts';

export interface BareRelay {
  url: string;
  close(): Promise<void>;
}

/**
 * The least a Node relay of a model's SSE can do: a request's body is posted to the model with
 * undici's `request`, as our model client does, and each event of the answer is written to the
 * client's response as it is split off, one write per event, the writes of one tick corked into
 * one socket write as `server/sse-socket.ts` does. Nothing is parsed beyond the split and nothing
 * is stored, so its CPU per delta is what any Node relay on this machine pays anyway. It listens
 * as the server does (`listenHttp`), so a burst of new connections reaches both alike.
 */
export async function startBareRelay(options: { modelUrl: string }): Promise<BareRelay> {
  const server: Server = createServer((incoming, outgoing) => {
    void relay({ modelUrl: options.modelUrl, incoming, outgoing }).catch(() => outgoing.destroy());
  });
  server.keepAliveTimeout = 60_000;
  const listening = await listenHttp({ server, host: '127.0.0.1', port: 0 });
  return {
    url: `http://127.0.0.1:${listening.port}`,
    close: () => listening.close(),
  };
}

async function relay(options: {
  modelUrl: string;
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}): Promise<void> {
  const { incoming, outgoing } = options;
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const upstream = await request(`${options.modelUrl}${incoming.url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'load-key' },
    body: Buffer.concat(chunks),
  });
  outgoing.writeHead(upstream.statusCode, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
  });
  outgoing.flushHeaders();
  let corked = false;
  const uncork = () => {
    outgoing.socket?.uncork();
    corked = false;
  };
  upstream.body.setEncoding('utf8');
  let pending = '';
  for await (const text of upstream.body as AsyncIterable<string>) {
    pending += text;
    let start = 0;
    for (let end = pending.indexOf('\n\n'); end !== -1; end = pending.indexOf('\n\n', start)) {
      if (!corked) {
        corked = true;
        outgoing.socket?.cork();
        process.nextTick(uncork);
      }
      outgoing.write(pending.slice(start, end + 2));
      start = end + 2;
    }
    pending = pending.slice(start);
  }
  outgoing.end();
}
