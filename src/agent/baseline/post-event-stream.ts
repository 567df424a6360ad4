import { APICallError } from 'ai';
import { type Dispatcher, request } from 'undici';
import { requestText } from './request-text.ts';
import { readServerSentEvents } from './server-sent-events.ts';

/**
 * One streamed model call of our own clients: a POST with undici, the answer's server-sent events
 * (their `data`, in batches: the events of one read together) read from the Node stream. A refusal throws the AI SDK's `APICallError` with
 * status and (the start of the) body, so failures are classified as they were through the SDK.
 */
export async function postEventStream(options: {
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal: AbortSignal | undefined;
  /** The connection pool of the pinned undici that model calls go through. */
  dispatcher: Dispatcher;
  /** Whether the reader has had the answer's last event, so the rest of the body may be waited for. */
  answered: () => boolean;
}): Promise<AsyncIterable<string[]>> {
  const { url, body } = options;
  const response = await request(url, {
    method: 'POST',
    dispatcher: options.dispatcher,
    headers: options.headers,
    // The tools' part of the text is made once per tool (`request-text.ts`).
    body: requestText(body),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (response.statusCode !== 200) {
    const responseBody = await boundedText({ body: response.body, maxBytes: maxErrorBodyBytes });
    throw new APICallError({
      message: errorMessage(responseBody) ?? `The model provider answered ${response.statusCode}`,
      url,
      requestBodyValues: body,
      statusCode: response.statusCode,
      responseBody,
      isRetryable: response.statusCode === 429 || response.statusCode >= 500,
    });
  }
  // The body hands over Buffers (undici's reader ignores `setEncoding`); the reader decodes them.
  return readServerSentEvents(releasedOnExit({ body: response.body, answered: options.answered }), {
    maxStreamChars: maxAnswerChars,
  });
}

/**
 * One answer's stream at most: about ten times what the largest answer we ask for takes as
 * server-sent events. A broken or hostile server that streams on regardless (text, reasoning, a
 * tool call's arguments, all of which are kept whole) fails the step instead of filling memory.
 */
export const maxAnswerChars = 32 * 1024 * 1024;

/** After a reader leaves, what may still come before the body ends: its chunked end, a ping. */
const afterExit = { maxBytes: 16 * 1024, maxMs: 1_000 };

/**
 * The body's chunks. A reader that leaves once it has the whole answer lets the rest (usually
 * only the chunked end) arrive in the background, so the connection goes back to the pool; a
 * body that goes on past `afterExit` is destroyed, and its connection with it. One that leaves
 * mid-answer (an error event, a stopped turn) destroys the body at once: the model stops there.
 */
function releasedOnExit(options: {
  body: Dispatcher.ResponseData['body'];
  answered: () => boolean;
}): AsyncIterable<Buffer> {
  const { body, answered } = options;
  return {
    [Symbol.asyncIterator]() {
      const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
      return {
        next: () => chunks.next(),
        return: async () => {
          if (answered()) void drain({ chunks, destroy: () => body.destroy() });
          else body.destroy();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

async function drain(options: { chunks: AsyncIterator<Buffer>; destroy: () => void }): Promise<void> {
  const { chunks, destroy } = options;
  const timer = setTimeout(destroy, afterExit.maxMs);
  timer.unref();
  let bytes = 0;
  try {
    for (;;) {
      const next = await chunks.next();
      if (next.done) return;
      bytes += next.value.length;
      if (bytes > afterExit.maxBytes) return destroy();
    }
  } catch {
    // Destroyed or aborted: the connection is closed, and nothing was waiting for it.
  } finally {
    clearTimeout(timer);
  }
}

/** One stream event: a JSON object, or the stream is broken (not a crash on `null` or a bare value). */
export function parseStreamEvent<Event extends object>(data: string): Event {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    event = undefined;
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event))
    throw new Error('The model provider sent a malformed stream event.');
  return event as Event;
}

/** An error body is read for its message and classification only; a real one is far smaller. */
const maxErrorBodyBytes = 64 * 1024;

/** The start of a body; leaving the loop destroys the rest, so a body that never ends lets the socket go. */
async function boundedText(options: { body: AsyncIterable<Buffer>; maxBytes: number }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of options.body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= options.maxBytes) break;
  }
  return Buffer.concat(chunks).subarray(0, options.maxBytes).toString('utf8');
}

/** `{error: {message}}` (Anthropic, OpenAI) or `{error: "…"}` (some OpenAI-compatible servers). */
function errorMessage(responseBody: string): string | undefined {
  try {
    const parsed = JSON.parse(responseBody) as { error?: { message?: unknown } | string };
    const error = parsed.error;
    if (typeof error === 'string') return error;
    return typeof error?.message === 'string' ? error.message : undefined;
  } catch {
    return undefined;
  }
}
