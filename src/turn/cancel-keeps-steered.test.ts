import { afterEach, expect, test } from 'vitest';
import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent/agent-runtime.ts';
import { onAbort } from '../util/on-abort.ts';
import { readWholeStream, startTurnTestService, type TurnTestService } from './turn-test-service.ts';

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

/**
 * The first run starts a tool call and, while it is in flight, takes the steered messages when
 * told to; once stopped, it takes its time to end. Later runs answer at once.
 */
class SteeredRuntime implements AgentRuntime {
  readonly kind = 'baseline' as const;
  readonly usesTranscript = false;
  runs = 0;
  readonly claim = deferred();
  readonly claimed = deferred();
  readonly release = deferred();
  async *run(input: AgentRunInput): AsyncIterable<AgentEvent> {
    this.runs += 1;
    yield { type: 'text-start', id: 't' };
    if (this.runs > 1) {
      yield { type: 'text-delta', id: 't', delta: 'the next answer' };
      yield { type: 'text-end', id: 't' };
      return;
    }
    yield { type: 'text-delta', id: 't', delta: 'working' };
    yield { type: 'text-end', id: 't' };
    // A tool call still in flight: a steered message taken now is stored once its result is in.
    yield { type: 'tool-input-start', toolCallId: 'slow', toolName: 'slow_tool' };
    yield { type: 'tool-call', toolCallId: 'slow', toolName: 'slow_tool', input: {} };
    await this.claim.promise;
    await input.takeFollowUps?.();
    this.claimed.resolve();
    await new Promise<void>((resolve) => onAbort(input.signal, resolve));
    await this.release.promise;
  }
  async close(): Promise<void> {}
  async forget(): Promise<void> {}
}

let harness: TurnTestService | undefined;
afterEach(async () => harness?.close());

test('a message sent during a cancel that keeps a steered message streams the turn that answers it', async () => {
  const runtime = new SteeredRuntime();
  harness = await startTurnTestService({ runtime });
  const { service, store, registry } = harness;
  const session = await store.createSession({ ownerId: 'u' });
  const scope = { ownerId: 'u', sessionId: session.id };
  await service.submit({ ...scope, text: 'start working' });
  expect(await service.submit({ ...scope, text: 'steered words', delivery: 'steer' })).toMatchObject({
    kind: 'queued',
  });
  const first = await service.submit({ ...scope, text: 'first waiting' });
  if (first.kind !== 'stream') throw new Error('expected a stream');
  runtime.claim.resolve();
  await runtime.claimed.promise;

  // The cancel takes the waiting message back and ends its stream; the running turn, still
  // stopping, keeps the steered one it took.
  const cancelling = service.cancel(scope);
  while ((await registry.state(first.turnId)) !== 'closed')
    await new Promise((resolve) => setTimeout(resolve, 5));
  const later = await service.submit({ ...scope, text: 'after the stop' });
  if (later.kind !== 'stream') throw new Error('expected a stream');
  runtime.release.resolve();
  expect((await cancelling).unsent.map((message) => message.text)).toEqual(['first waiting']);

  expect(later.turnId).not.toBe(first.turnId);
  const events = await readWholeStream({ registry, streamId: later.turnId });
  const said = events.flatMap((event) => (event.chunk.type === 'text-delta' ? [event.chunk.delta] : []));
  expect(said).toEqual(['the next answer']);
});
