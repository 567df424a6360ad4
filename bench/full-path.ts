import { randomUUID } from 'node:crypto';
import { parseJsonEventStream, readUIMessageStream, type UIMessageChunk, uiMessageChunkSchema } from 'ai';
import { sendMessage } from '../test/support/test-server.ts';
import type { BenchServer } from './bench-server.ts';

/** One turn through our server, timed from just before the POST, in milliseconds. */
export interface FullPathSample {
  /** `performance.now()` just before the POST. */
  startedAt: number;
  firstDeltaMs: number;
  totalMs: number;
  /** Chunks the client parsed, `[DONE]` excluded. */
  eventCount: number;
}

/**
 * Sends one message and reads the reply exactly as the official client does (strict chunk schema,
 * then `readUIMessageStream`), so parsing cost is part of what is measured. The session must have
 * no running turn.
 */
export async function measureFullPathTurn(options: {
  server: BenchServer;
  sessionId: string;
  text: string;
  /** The reply the client must assemble; a turn that streams anything else is a failed run. */
  expectedReply: string;
}): Promise<FullPathSample> {
  // A key, as the web UI and the terminal client send with every message.
  const messageId = randomUUID();
  const startedAt = performance.now();
  const response = await sendMessage(options.server, {
    sessionId: options.sessionId,
    text: options.text,
    messageId,
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`POST /messages answered ${response.status}: ${await response.text()}`);
  }
  let firstDeltaAt: number | undefined;
  let eventCount = 0;
  const chunks = parseJsonEventStream({ stream: response.body, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream({
      transform(result, controller) {
        if (!result.success) throw result.error;
        const chunk = result.value as UIMessageChunk;
        eventCount += 1;
        if (chunk.type === 'text-delta') firstDeltaAt ??= performance.now();
        controller.enqueue(chunk);
      },
    }),
  );
  let lastText = '';
  for await (const message of readUIMessageStream({ stream: chunks, terminateOnError: true })) {
    const part = message.parts.find((candidate) => candidate.type === 'text');
    lastText = part?.type === 'text' ? part.text : lastText;
  }
  const endedAt = performance.now();
  if (firstDeltaAt === undefined) throw new Error('the turn streamed no text-delta');
  if (lastText !== options.expectedReply)
    throw new Error(`the client assembled an unexpected reply: ${lastText}`);
  return { startedAt, firstDeltaMs: firstDeltaAt - startedAt, totalMs: endedAt - startedAt, eventCount };
}
