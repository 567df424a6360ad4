import type { ServerResponse } from 'node:http';
import { Http2ServerResponse } from 'node:http2';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { LoggedEvent, StreamRegistry } from '../coord/stream-registry.ts';
import type { StreamChunk, UIMessage } from '../protocol/index.ts';
import { writeSseToSocket } from './sse-socket.ts';

export const streamHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-vercel-ai-ui-message-stream': 'v1',
  'x-accel-buffering': 'no',
} as const;

const encoder = new TextEncoder();
const doneFrame = 'data: [DONE]\n\n';

/** One SSE frame, of the chunk's JSON text as the registry made it, however many viewers a turn has. */
export function formatEvent(event: LoggedEvent): string {
  return `id: ${event.id}\ndata: ${event.json ?? JSON.stringify(event.chunk)}\n\n`;
}

/**
 * Streams a turn's events after `after` as SSE, with heartbeat comments while idle, ending with
 * `[DONE]`. Events are read only as fast as the client takes them, so a long replay to a slow
 * client is never buffered whole. A client that goes away only ends its own subscription: the
 * turn runs on.
 */
export function sseResponse(options: {
  events: AsyncIterable<LoggedEvent[]>;
  subscription: AbortController;
  heartbeatMs: number;
}): Response {
  const body = sseBody({ ...options, format: formatEvent, end: doneFrame });
  return new Response(body, { status: 200, headers: streamHeaders });
}

/**
 * Batches of events as an SSE body: each batch is one write, a `: heartbeat` comment goes out
 * after `heartbeatMs` with nothing else sent, and `end` follows the last batch. Cancelling the
 * body (the client went away) aborts `subscription`.
 */
export function sseBody<Event>(options: {
  events: AsyncIterable<Event[]>;
  subscription: AbortController;
  heartbeatMs: number;
  format: (event: Event) => string;
  end: string;
}): ReadableStream<Uint8Array> {
  const { subscription, heartbeatMs, format } = options;
  const iterator = options.events[Symbol.asyncIterator]();
  let heartbeat: NodeJS.Timeout | undefined;
  let finished = false;
  const stop = () => {
    finished = true;
    clearTimeout(heartbeat);
  };
  // A heartbeat goes out only after `heartbeatMs` with nothing else sent.
  const armHeartbeat = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    clearTimeout(heartbeat);
    heartbeat = setTimeout(() => {
      if (finished) return;
      controller.enqueue(encoder.encode(': heartbeat\n\n'));
      armHeartbeat(controller);
    }, heartbeatMs);
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        armHeartbeat(controller);
      },
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (finished) return;
          if (next.done) {
            stop();
            if (!subscription.signal.aborted && options.end) controller.enqueue(encoder.encode(options.end));
            controller.close();
            return;
          }
          // A batch goes out as one write: a replay costs one write per batch, not per event.
          controller.enqueue(encoder.encode(next.value.map(format).join('')));
          armHeartbeat(controller);
        } catch (error) {
          stop();
          if (!subscription.signal.aborted) controller.error(error);
        }
      },
      cancel() {
        stop();
        subscription.abort();
        void iterator.return?.();
      },
    },
    // One batch in hand at a time: the next is read when the client has taken this one.
    { highWaterMark: 1 },
  );
}

/**
 * A stream for a turn whose events are no longer kept: its stored answer (SPEC §2: a repeated
 * `messageId` is answered with it), replayed as chunks, or, with none, just `start` and `finish`.
 */
export function storedAnswerResponse(messageId: string, answer: UIMessage | null): Response {
  const chunks = [{ type: 'start', messageId } as StreamChunk, ...(answer ? answerChunks(answer) : [])];
  if (answer?.metadata) chunks.push({ type: 'message-metadata', messageMetadata: answer.metadata });
  chunks.push({ type: 'finish' });
  const text = [...chunks.map((chunk, index) => formatEvent({ id: index + 1, chunk })), doneFrame].join('');
  return new Response(text, { status: 200, headers: streamHeaders });
}

/** A stored assistant message's parts as the chunks that would have built it. */
function answerChunks(answer: UIMessage): StreamChunk[] {
  const chunks: StreamChunk[] = [];
  let inStep = false;
  answer.parts.forEach((part, index) => {
    const id = `${answer.id}-${index}`;
    if (part.type === 'step-start') {
      if (inStep) chunks.push({ type: 'finish-step' });
      chunks.push({ type: 'start-step' });
      inStep = true;
    } else if (part.type === 'text' || part.type === 'reasoning') {
      const kind = part.type;
      chunks.push({ type: `${kind}-start`, id } as StreamChunk);
      chunks.push({ type: `${kind}-delta`, id, delta: part.text } as StreamChunk);
      chunks.push({ type: `${kind}-end`, id } as StreamChunk);
    } else if ('toolCallId' in part) {
      const toolName =
        part.type === 'dynamic-tool' ? (part as { toolName: string }).toolName : part.type.slice(5);
      const { toolCallId } = part;
      chunks.push({ type: 'tool-input-start', toolCallId, toolName });
      chunks.push({ type: 'tool-input-available', toolCallId, toolName, input: part.input });
      // A call stored without its result (a crash before the watchdog settled it) stays a call.
      if (part.state === 'output-error') {
        chunks.push({ type: 'tool-output-error', toolCallId, errorText: part.errorText ?? '' });
      } else if (part.state === 'output-available') {
        chunks.push({ type: 'tool-output-available', toolCallId, output: part.output ?? null });
      }
    } else if (part.type.startsWith('data-')) {
      chunks.push(part as StreamChunk);
      if (part.type === 'data-error') {
        const data = (part as { data: { message?: string } }).data;
        chunks.push({ type: 'error', errorText: data.message ?? 'Something went wrong.' });
      }
    }
  });
  if (inStep) chunks.push({ type: 'finish-step' });
  return chunks;
}

/**
 * The turn's stream from `after`, or null for an unknown or expired stream. Served by Node (`env`
 * holds its response), the frames are written to the socket directly; otherwise (`app.request`
 * in tests) they go out as a web stream.
 */
export async function subscribeResponse(options: {
  registry: StreamRegistry;
  streamId: string;
  after: number;
  heartbeatMs: number;
  env?: unknown;
}): Promise<Response | null> {
  const subscription = new AbortController();
  const events = await options.registry.subscribe({
    streamId: options.streamId,
    after: options.after,
    signal: subscription.signal,
  });
  if (!events) return null;
  const { outgoing } = (options.env ?? {}) as { outgoing?: ServerResponse };
  if (!outgoing || outgoing instanceof Http2ServerResponse) {
    return sseResponse({ events, subscription, heartbeatMs: options.heartbeatMs });
  }
  void writeSseToSocket({
    outgoing,
    headers: streamHeaders,
    events,
    subscription,
    heartbeatMs: options.heartbeatMs,
    format: formatEvent,
    end: doneFrame,
  });
  return RESPONSE_ALREADY_SENT;
}
