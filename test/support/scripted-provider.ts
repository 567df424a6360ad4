import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher, getGlobalDispatcher } from 'undici';
import type { AgentEvent } from '../../src/agent/agent-runtime.ts';
import { BaselineRuntime } from '../../src/agent/baseline/baseline-runtime.ts';
import type { ModelConfig } from '../../src/config/config.ts';
import { ToolExecutor } from '../../src/tools/tool-executor.ts';
import { createLogger } from '../../src/util/logger.ts';

/**
 * A model endpoint that answers every call with `answer`: the hostile and broken cases the fake
 * model servers do not script. `requests` records each call's headers and parsed body.
 */
export interface ScriptedProvider {
  url: string;
  requests: { headers: IncomingHttpHeaders; body: unknown }[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export async function startScriptedProvider(
  answer: (response: ServerResponse) => void,
): Promise<ScriptedProvider> {
  const requests: ScriptedProvider['requests'] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      answer(response);
    });
  });
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One turn of the baseline runtime on `model`, with no tools: its events, and what it threw. */
export async function runBaselineTurn(
  model: ModelConfig,
  dispatcher: Dispatcher = getGlobalDispatcher(),
): Promise<{ events: AgentEvent[]; error: unknown }> {
  const runtime = new BaselineRuntime({ model, dispatcher, maxSteps: 3 });
  const signal = new AbortController().signal;
  const logger = createLogger({ level: 'silent' });
  const context = { sessionId: 's', turnId: 't', workspaceDir: '/nonexistent', signal, logger };
  const events: AgentEvent[] = [];
  try {
    const input = { ...context, prompt: 'hi', images: [], history: [], transcript: null };
    for await (const event of runtime.run({ ...input, tools: new ToolExecutor({ tools: [], context }) })) {
      events.push(event);
    }
    return { events, error: null };
  } catch (error) {
    return { events, error };
  }
}

/**
 * A turn against an endpoint that answers `status` with an error body that never ends: what the
 * turn threw and the body it kept. Resolves only once the endpoint saw the client let go.
 */
export async function runAgainstEndlessErrorBody(options: {
  status: number;
  run: (baseUrl: string) => Promise<{ error: unknown }>;
}): Promise<{ error: unknown; responseBody: string }> {
  let closed: Promise<void> | undefined;
  const provider = await startScriptedProvider((response) => {
    response.writeHead(options.status, { 'content-type': 'text/html' });
    closed = new Promise<void>((resolve) => response.on('close', resolve));
    const pour = () => {
      while (!response.destroyed && response.write('<p>unavailable</p>'.repeat(1000))) {}
    };
    response.on('drain', pour);
    pour();
  });
  try {
    const { error } = await options.run(provider.url);
    await closed;
    const responseBody = (error as { cause?: { responseBody?: string } }).cause?.responseBody ?? '';
    return { error, responseBody };
  } finally {
    await provider.close();
  }
}

/**
 * Turns against an endpoint that writes a whole streamed answer (`answer`, its last event
 * included) and then keeps the response open: for `endAfterMs`, or for good. Runs follow each
 * other `endAfterMs` and a little more apart, once the response has ended. Each run's result,
 * the connections they took, and, for a response never ended, how long until the client let go.
 */
export async function runAgainstOpenEndedAnswer<Result>(options: {
  answer: string;
  endAfterMs: number | null;
  runs: number;
  run: (baseUrl: string, dispatcher: Dispatcher) => Promise<Result>;
}): Promise<{ results: Result[]; connections: number; closedAfterMs: number[] }> {
  const closedAfterMs: number[] = [];
  const closes: Promise<void>[] = [];
  const provider = await startScriptedProvider((response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(options.answer);
    const written = performance.now();
    if (options.endAfterMs !== null) setTimeout(() => response.end(), options.endAfterMs);
    else
      closes.push(
        new Promise((resolve) =>
          response.on('close', () => {
            closedAfterMs.push(performance.now() - written);
            resolve();
          }),
        ),
      );
  });
  const dispatcher = new Agent();
  try {
    const results: Result[] = [];
    for (let index = 0; index < options.runs; index++) {
      if (index > 0) await sleep((options.endAfterMs ?? 0) + 100);
      results.push(await options.run(provider.url, dispatcher));
    }
    await Promise.all(closes);
    return { results, connections: provider.connections, closedAfterMs };
  } finally {
    await dispatcher.close();
    await provider.close();
  }
}
