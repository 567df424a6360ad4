import { afterEach, expect, test } from 'vitest';
import { framesToBody } from '../../test/support/sse-capture.ts';
import { parseUIStream } from '../../test/support/ui-stream.ts';
import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent/agent-runtime.ts';
import type { StreamEvent } from '../protocol/index.ts';
import { toUIMessages } from './to-ui-messages.ts';
import { readWholeStream, startTurnTestService, type TurnTestService } from './turn-test-service.ts';

/** Starts a tool call whose input never finishes streaming, then waits to be stopped. */
class StreamingInputRuntime implements AgentRuntime {
  readonly kind = 'baseline' as const;
  readonly usesTranscript = false;
  #markStarted: () => void = () => {};
  readonly started = new Promise<void>((resolve) => {
    this.#markStarted = resolve;
  });
  async *run(input: AgentRunInput): AsyncIterable<AgentEvent> {
    yield { type: 'step-start' };
    yield { type: 'text-start', id: 't' };
    yield { type: 'text-delta', id: 't', delta: 'Let me search.' };
    yield { type: 'text-end', id: 't' };
    yield { type: 'tool-input-start', toolCallId: 'call-1', toolName: 'grep' };
    this.#markStarted();
    await new Promise<void>((resolve) =>
      input.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  async close(): Promise<void> {}
  async forget(): Promise<void> {}
}

/** Parses a stored stream exactly as the official client does: SSE frames, strict chunk schema. */
function toMessage(events: StreamEvent[]) {
  return parseUIStream(
    framesToBody(events.map((event) => ({ id: event.id, data: JSON.stringify(event.chunk) }))),
  );
}

let harness: TurnTestService | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

test('a cancel while a tool call’s input streams ends that call, live and stored alike', async () => {
  const runtime = new StreamingInputRuntime();
  harness = await startTurnTestService({ runtime });
  const session = await harness.store.createSession({ ownerId: 'u' });
  const scope = { ownerId: 'u', sessionId: session.id };
  const result = await harness.service.submit({ ...scope, text: 'find the bug' });
  if (result.kind !== 'stream') throw new Error('expected a started turn');
  await runtime.started;

  expect(await harness.service.cancel(scope)).toEqual({ cancelled: true, unsent: [] });
  const { message, errors } = await toMessage(
    await readWholeStream({ registry: harness.registry, streamId: result.turnId }),
  );

  expect(errors).toEqual([]);
  const live = message?.parts.find((part) => part.type === 'tool-grep');
  expect(live).toMatchObject({
    toolCallId: 'call-1',
    state: 'output-error',
    errorText: 'Stopped by the user.',
  });
  const stored = toUIMessages(await harness.store.listMessages(scope)).at(-1);
  const reloaded = stored?.parts.find((part) => part.type === 'tool-grep');
  expect(reloaded).toMatchObject({
    toolCallId: 'call-1',
    state: 'output-error',
    errorText: 'Stopped by the user.',
  });
});

test('at start-up, a stored tool call without a result gets an error result next to the interrupted marker', async () => {
  harness = await startTurnTestService({ runtime: new StreamingInputRuntime() });
  const session = await harness.store.createSession({ ownerId: 'u' });
  const scope = { ownerId: 'u', sessionId: session.id };
  // What a process killed between a stored tool call and its result leaves behind.
  const user = await harness.store.appendMessage({
    ...scope,
    message: { id: 'm1', role: 'user', content: 'hi', turnId: 'dead-turn' },
  });
  await harness.store.createTurn({
    id: 'dead-turn',
    ...scope,
    messageId: 'dead-turn',
    clientMessageId: null,
    userMessageId: user.id,
    fencingToken: 1,
  });
  await harness.store.appendMessage({
    ...scope,
    message: {
      id: 'call-row',
      role: 'assistant',
      content: '',
      turnId: 'dead-turn',
      step: 0,
      toolCall: { id: 'call-1', name: 'grep', input: { pattern: 'x' } },
    },
  });

  expect(await harness.service.checkTurns()).toBe(1);
  const { message, errors } = await toMessage(
    await readWholeStream({ registry: harness.registry, streamId: 'dead-turn' }),
  );
  // The interrupted turn's own `error` chunk is the only thing the client reports.
  expect(errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/interrupted/) })]);
  expect(message?.parts.at(-1)).toMatchObject({ type: 'data-error' });
  const parts = toUIMessages(await harness.store.listMessages(scope)).at(-1)?.parts;
  expect(parts?.find((part) => part.type === 'tool-grep')).toMatchObject({ state: 'output-error' });
  expect(parts?.at(-1)).toMatchObject({ type: 'data-error', data: { code: 'turn_interrupted' } });
});
