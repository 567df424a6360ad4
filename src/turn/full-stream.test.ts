import { afterEach, expect, test } from 'vitest';
import { framesToBody } from '../../test/support/sse-capture.ts';
import { parseUIStream } from '../../test/support/ui-stream.ts';
import type { AgentEvent, AgentRunInput, AgentRuntime } from '../agent/agent-runtime.ts';
import { MemoryStreamRegistry } from '../coord/memory/memory-stream-registry.ts';
import { readWholeStream, startTurnTestService, type TurnTestService } from './turn-test-service.ts';

/** A long turn: many steps, each with streamed text and a tool call with its result. */
class LongRuntime implements AgentRuntime {
  readonly kind = 'baseline' as const;
  readonly usesTranscript = false;
  async *run(_input: AgentRunInput): AsyncIterable<AgentEvent> {
    for (let step = 0; step < 150; step++) {
      yield { type: 'step-start' };
      yield { type: 'text-start', id: `t${step}` };
      for (let word = 0; word < 5; word++)
        yield { type: 'text-delta', id: `t${step}`, delta: `word ${word} ` };
      yield { type: 'text-end', id: `t${step}` };
      yield { type: 'tool-input-start', toolCallId: `c${step}`, toolName: 'grep' };
      yield { type: 'tool-call', toolCallId: `c${step}`, toolName: 'grep', input: { pattern: 'x' } };
      yield { type: 'tool-result', toolCallId: `c${step}`, output: { matches: [] }, isError: false };
      yield { type: 'step-finish' };
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

test('a turn that outgrows its stream still ends it: every shown part closes, then finish', async () => {
  const registry = new MemoryStreamRegistry({ maxEvents: 300 });
  harness = await startTurnTestService({ runtime: new LongRuntime(), registry });
  const session = await harness.store.createSession({ ownerId: 'u' });
  const scope = { ownerId: 'u', sessionId: session.id };

  const result = await harness.service.submit({ ...scope, text: 'do a lot' });
  if (result.kind !== 'stream') throw new Error('expected a started turn');
  const events = await readWholeStream({ registry, streamId: result.turnId });
  const { chunks, message, errors } = await parseUIStream(
    framesToBody(events.map((event) => ({ id: event.id, data: JSON.stringify(event.chunk) }))),
  );

  expect(errors).toEqual([]);
  expect(events.length).toBeLessThanOrEqual(300);
  expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
  expect(chunks.some((chunk) => chunk.type === 'message-metadata')).toBe(true);
  const parts = message?.parts ?? [];
  expect(parts.filter((part) => part.type === 'text').every((part) => part.state === 'done')).toBe(true);
  const toolStates = parts.flatMap((part) =>
    part.type === 'tool-grep' && 'state' in part ? [part.state] : [],
  );
  expect(toolStates.length).toBeGreaterThan(0);
  expect(toolStates.every((state) => state === 'output-available')).toBe(true);
  // The stored conversation keeps everything, whatever the stream could show.
  const rows = await harness.store.listMessages(scope);
  expect(rows.filter((row) => row.toolCall).length).toBe(150);
});
