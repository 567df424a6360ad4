/** One Anthropic Messages request the server sent to the fake, replayable as is. */
export interface CapturedModelRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One direct call to the fake model, timed from just before the POST, in milliseconds. */
export interface DirectSample {
  /** `performance.now()` just before the POST. */
  startedAt: number;
  firstDeltaMs: number;
  totalMs: number;
  /** SSE events the fake sent, up to and including `message_stop`. */
  eventCount: number;
}

/**
 * The floor the full path is compared against: the same request straight to the fake, with a
 * minimal SSE reader, so the difference is what our server and the `ai` client add.
 */
export async function measureDirectCall(request: CapturedModelRequest): Promise<DirectSample> {
  const startedAt = performance.now();
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  if (response.status !== 200 || !response.body) {
    throw new Error(`the fake answered ${response.status}: ${await response.text()}`);
  }
  let firstDeltaAt: number | undefined;
  let stoppedAt: number | undefined;
  let eventCount = 0;
  let buffered = '';
  const decoder = new TextDecoder();
  // Read to the end even after message_stop: a cancelled body closes the keep-alive connection,
  // and the next call would then pay for a new one.
  for await (const bytes of response.body) {
    if (stoppedAt !== undefined) continue;
    buffered += decoder.decode(bytes, { stream: true });
    let boundary = buffered.indexOf('\n\n');
    while (boundary !== -1 && stoppedAt === undefined) {
      const type = eventTypeOf(buffered.slice(0, boundary));
      buffered = buffered.slice(boundary + 2);
      boundary = buffered.indexOf('\n\n');
      if (type === undefined) continue;
      eventCount += 1;
      if (type === 'text_delta') firstDeltaAt ??= performance.now();
      if (type === 'message_stop') stoppedAt = performance.now();
    }
  }
  if (stoppedAt === undefined) throw new Error('the fake stream ended before message_stop');
  if (firstDeltaAt === undefined) throw new Error('the fake streamed no text_delta');
  return { startedAt, firstDeltaMs: firstDeltaAt - startedAt, totalMs: stoppedAt - startedAt, eventCount };
}

/** The event's `type`, or the delta's type for `content_block_delta`, as the SDK would read it. */
function eventTypeOf(frame: string): string | undefined {
  const dataLine = frame.split('\n').find((line) => line.startsWith('data:'));
  if (!dataLine) return undefined;
  const event = JSON.parse(dataLine.slice(5)) as { type: string; delta?: { type?: string } };
  if (event.type === 'content_block_delta' && event.delta?.type) return event.delta.type;
  return event.type;
}
