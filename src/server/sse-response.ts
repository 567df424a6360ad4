import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { StreamEvent } from '../protocol/index.ts';

export const streamHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-vercel-ai-ui-message-stream': 'v1',
  'x-accel-buffering': 'no',
} as const;

const encoder = new TextEncoder();

export function formatEvent(event: StreamEvent): string {
  return `id: ${event.id}\ndata: ${JSON.stringify(event.chunk)}\n\n`;
}

/**
 * Streams a turn's events after `after` as SSE, with heartbeat comments while idle, ending with
 * `[DONE]`. A client that goes away only ends its own subscription: the turn runs on.
 */
export function sseResponse(options: {
  events: AsyncIterable<StreamEvent>;
  subscription: AbortController;
  heartbeatMs: number;
}): Response {
  const { events, subscription, heartbeatMs } = options;
  let heartbeat: NodeJS.Timeout | undefined;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => controller.enqueue(encoder.encode(text));
      const armHeartbeat = () => {
        clearTimeout(heartbeat);
        heartbeat = setTimeout(() => {
          send(': heartbeat\n\n');
          armHeartbeat();
        }, heartbeatMs);
      };
      armHeartbeat();
      try {
        for await (const event of events) {
          send(formatEvent(event));
          armHeartbeat();
        }
        if (!subscription.signal.aborted) send('data: [DONE]\n\n');
        controller.close();
      } catch (error) {
        if (!subscription.signal.aborted) controller.error(error);
      } finally {
        clearTimeout(heartbeat);
      }
    },
    cancel() {
      clearTimeout(heartbeat);
      subscription.abort();
    },
  });
  return new Response(body, { status: 200, headers: streamHeaders });
}

/** A stream for a turn whose events are no longer kept: it opens and finishes, so clients settle. */
export function emptyTurnResponse(messageId: string): Response {
  const text = [
    formatEvent({ id: 1, chunk: { type: 'start', messageId } }),
    formatEvent({ id: 2, chunk: { type: 'finish' } }),
    'data: [DONE]\n\n',
  ].join('');
  return new Response(text, { status: 200, headers: streamHeaders });
}

export async function subscribeResponse(options: {
  registry: StreamRegistry;
  streamId: string;
  after: number;
  heartbeatMs: number;
}): Promise<Response | null> {
  const subscription = new AbortController();
  const events = await options.registry.subscribe({
    streamId: options.streamId,
    after: options.after,
    signal: subscription.signal,
  });
  if (!events) return null;
  return sseResponse({ events, subscription, heartbeatMs: options.heartbeatMs });
}
