import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { echoBrain } from './brains.ts';
import type { FakeBrain, FakeReply, FakeRequest } from './script.ts';

export interface FakeModelServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  port: number;
  /** Every model call, in arrival order, including those answered with errors. */
  requests: FakeRequest[];
  /** Calls to any other path (count_tokens, probes), so tests can spot unexpected traffic. */
  otherRequests: { method: string; path: string; query: string }[];
  setBrain(brain: FakeBrain): void;
  /** Clears `requests` and `otherRequests`. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeServerOptions {
  brain?: FakeBrain;
  /** Pause between SSE events; 0 (the default) writes the whole stream without timers. */
  chunkDelayMs?: number;
  host?: string;
}

export interface IncomingCall {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: unknown;
}

/** What a provider plugs into the shared server: how to read its requests and write its replies. */
export interface ProviderProtocol {
  isModelCall(call: IncomingCall): boolean;
  normalise(call: IncomingCall): FakeRequest;
  /** `sequence` numbers replies from 1 per server, for ids like `msg_fake_3`. */
  sendReply(options: {
    request: FakeRequest;
    reply: FakeReply;
    response: ServerResponse;
    sequence: number;
    chunkDelayMs: number;
  }): Promise<void>;
  sendError(options: { response: ServerResponse; status: number; errorType: string; message: string }): void;
  /** Answers non-model paths; the default is 200 `{}`. */
  sendOther?(options: { call: IncomingCall; response: ServerResponse }): boolean;
}

export async function startModelServer(
  options: FakeServerOptions & { protocol: ProviderProtocol },
): Promise<FakeModelServer> {
  const { protocol, chunkDelayMs = 0 } = options;
  let brain = options.brain ?? echoBrain;
  let sequence = 0;
  const requests: FakeRequest[] = [];
  const otherRequests: FakeModelServer['otherRequests'] = [];

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const call = await readCall(incoming);
    if (!protocol.isModelCall(call)) {
      otherRequests.push({ method: call.method, path: call.path, query: call.query });
      if (!protocol.sendOther?.({ call, response })) sendJson(response, 200, {});
      return;
    }
    const request = protocol.normalise(call);
    requests.push(request);
    if (call.body === undefined) {
      protocol.sendError({
        response,
        status: 400,
        errorType: 'invalid_request_error',
        message: 'body is not valid JSON',
      });
      return;
    }
    sequence += 1;
    let reply: FakeReply;
    try {
      reply = brain(request);
    } catch (error) {
      // A throwing brain is a test bug; answer like a server fault so the test sees it.
      const message = `fake brain threw: ${error instanceof Error ? error.message : String(error)}`;
      protocol.sendError({ response, status: 500, errorType: 'api_error', message });
      return;
    }
    if (reply.kind === 'message' && reply.answerDelayMs) {
      await new Promise((resolve) => setTimeout(resolve, reply.answerDelayMs).unref());
      if (response.destroyed) return;
    }
    await protocol.sendReply({ request, reply, response, sequence, chunkDelayMs });
  }

  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      else response.destroy();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  // A wildcard bind is still reached through loopback.
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    requests,
    otherRequests,
    setBrain(next) {
      brain = next;
    },
    reset() {
      requests.length = 0;
      otherRequests.length = 0;
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets (Claude Code, undici) would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

async function readCall(incoming: IncomingMessage): Promise<IncomingCall> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const url = new URL(incoming.url ?? '/', 'http://fake');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: incoming.method ?? 'GET',
    path: url.pathname,
    query: url.search.replace(/^\?/, ''),
    headers,
    body: parseJson(raw),
  };
}

function parseJson(raw: string): unknown {
  if (raw === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
