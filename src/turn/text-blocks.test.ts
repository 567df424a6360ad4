import { afterEach, expect, test } from 'vitest';
import { framesToBody } from '../../test/support/sse-capture.ts';
import { parseUIStream } from '../../test/support/ui-stream.ts';
import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent/agent-runtime.ts';
import type { StreamEvent } from '../protocol/index.ts';
import { AppError } from '../util/app-error.ts';
import { toUIMessages } from './to-ui-messages.ts';
import { readWholeStream, startTurnTestService, type TurnTestService } from './turn-test-service.ts';

/** Runs each attempt's events in turn; an attempt ending in an Error throws it. */
class AttemptsRuntime implements AgentRuntime {
  readonly kind = 'baseline' as const;
  readonly usesTranscript = false;
  readonly #attempts: (AgentEvent | Error)[][];

  constructor(attempts: (AgentEvent | Error)[][]) {
    this.#attempts = attempts;
  }

  async *run(_input: AgentRunInput): AsyncIterable<AgentEvent> {
    for (const event of this.#attempts.shift() ?? []) {
      if (event instanceof Error) throw event;
      yield event;
    }
  }
  async close(): Promise<void> {}
  async forget(): Promise<void> {}
}

let harness: TurnTestService | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** One turn's stream, parsed by the official client, and the same turn read back from the store. */
async function runTurn(runtime: AgentRuntime) {
  harness = await startTurnTestService({ runtime, maxTransientRetries: 1 });
  const session = await harness.store.createSession({ ownerId: 'u' });
  const scope = { ownerId: 'u', sessionId: session.id };
  const result = await harness.service.submit({ ...scope, text: 'hello' });
  if (result.kind !== 'stream') throw new Error('expected a started turn');
  const events: StreamEvent[] = await readWholeStream({
    registry: harness.registry,
    streamId: result.turnId,
  });
  const streamed = await parseUIStream(
    framesToBody(events.map((event) => ({ id: event.id, data: JSON.stringify(event.chunk) }))),
  );
  const stored = toUIMessages(await harness.store.listMessages(scope)).at(-1);
  return { streamed, stored, chunks: events.map((event) => event.chunk) };
}

const busy = () => new AppError('transient_api_error', 'busy', { retryable: true });

test('a text block that fails before its first text shows nothing, and the attempt is retried', async () => {
  const { streamed, stored, chunks } = await runTurn(
    new AttemptsRuntime([
      [{ type: 'step-start' }, { type: 'text-start', id: 't' }, busy()],
      [
        { type: 'step-start' },
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'Hello.' },
        { type: 'text-end', id: 't' },
        { type: 'step-finish' },
      ],
    ]),
  );

  expect(streamed.errors).toEqual([]);
  expect(chunks.filter((chunk) => chunk.type === 'text-start')).toHaveLength(1);
  expect(streamed.message?.parts.filter((part) => part.type === 'text')).toEqual([
    { type: 'text', text: 'Hello.', state: 'done' },
  ]);
  expect(stored?.parts.filter((part) => part.type === 'text')).toEqual([
    { type: 'text', text: 'Hello.', state: 'done' },
  ]);
});

test('text is streamed well-formed as it is stored: a pair split between deltas joins, a lone surrogate is U+FFFD', async () => {
  const { streamed, stored } = await runTurn(
    new AttemptsRuntime([
      [
        { type: 'step-start' },
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: 'a\ud83d' },
        { type: 'text-delta', id: 't', delta: '\ude00b x\ud800y \udc00' },
        { type: 'text-delta', id: 't', delta: 'end\ud83d' },
        { type: 'text-end', id: 't' },
        { type: 'step-finish' },
      ],
    ]),
  );

  const text = 'a😀b x\ufffdy \ufffdend\ufffd';
  expect(streamed.message?.parts.filter((part) => part.type === 'text')).toEqual([
    { type: 'text', text, state: 'done' },
  ]);
  expect(stored?.parts.filter((part) => part.type === 'text')).toEqual([
    { type: 'text', text, state: 'done' },
  ]);
});
