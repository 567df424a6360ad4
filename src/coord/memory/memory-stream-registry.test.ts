import { describe, expect, test } from 'vitest';
import type { StreamChunk, StreamEvent } from '../../protocol/index.ts';
import { describeStreamRegistryConformance } from '../conformance/stream-registry-conformance.ts';
import { eachEvent } from '../each-event.ts';
import { StreamFullError } from '../stream-capacity.ts';
import { MemoryStreamRegistry } from './memory-stream-registry.ts';

describeStreamRegistryConformance('memory', async (limits) => ({
  registry: new MemoryStreamRegistry(limits),
  cleanup: async () => {},
}));

function delta(index: number): StreamChunk {
  return { type: 'text-delta', id: 'text-1', delta: `part ${index}` };
}

async function replay(registry: MemoryStreamRegistry, streamId: string): Promise<StreamEvent[] | null> {
  const iterable = await registry.subscribe({ streamId, after: 0 });
  if (!iterable) return null;
  const events: StreamEvent[] = [];
  for await (const { id, chunk } of eachEvent(iterable)) events.push({ id, chunk });
  return events;
}

describe('MemoryStreamRegistry bounds', () => {
  test('near the cap, adjacent deltas of one part merge into one event and the text is unchanged', async () => {
    const registry = new MemoryStreamRegistry({ maxEvents: 200 });
    await registry.open('s');
    let text = '';
    for (let index = 0; index < 1_000; index++) {
      await registry.append('s', delta(index));
      text += `part ${index}`;
    }
    await registry.append('s', { type: 'text-end', id: 'text-1' });
    await registry.close('s');

    const events = (await replay(registry, 's')) ?? [];
    expect(events.length).toBeLessThanOrEqual(200);
    const streamed = events.flatMap((event) =>
      event.chunk.type === 'text-delta' ? [event.chunk.delta] : [],
    );
    expect(streamed.join('')).toBe(text);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
  });

  test('bytes are capped as well as events', async () => {
    const registry = new MemoryStreamRegistry({ maxBytes: 1024 * 1024 });
    await registry.open('s');
    const big: StreamChunk = { type: 'tool-input-start', toolCallId: 'x'.repeat(100_000), toolName: 'grep' };
    let accepted = 0;
    await expect(
      (async () => {
        for (;;) {
          await registry.append('s', big);
          accepted += 1;
        }
      })(),
    ).rejects.toThrow(StreamFullError);
    expect(accepted).toBeLessThan(10);
    await registry.append('s', { type: 'finish' });
  });
  test('a closed stream is readable for retainMs, then forgotten', async () => {
    const registry = new MemoryStreamRegistry({ retainMs: 40 });
    await registry.open('s');
    await registry.append('s', delta(1));
    await registry.close('s');

    expect(await replay(registry, 's')).toEqual([{ id: 1, chunk: delta(1) }]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await registry.state('s')).toBeNull();
    expect(await registry.subscribe({ streamId: 's', after: 0 })).toBeNull();
    // Once forgotten, the id can be used again.
    await registry.open('s');
    expect(await registry.append('s', delta(1))).toBe(1);
  });

  test('an open stream does not expire however long it stays idle', async () => {
    const registry = new MemoryStreamRegistry({ retainMs: 20 });
    await registry.open('s');
    await new Promise((resolve) => setTimeout(resolve, 60));

    expect(await registry.state('s')).toBe('open');
  });

  test('closed streams past maxRetainedBytes are forgotten oldest first; a reader already subscribed reads on', async () => {
    // Each stream holds one delta: two fit, three do not.
    const registry = new MemoryStreamRegistry({ maxRetainedBytes: 2 * JSON.stringify(delta(1)).length });
    for (const id of ['a', 'b']) {
      await registry.open(id);
      await registry.append(id, delta(1));
      await registry.close(id);
    }
    const reader = await registry.subscribe({ streamId: 'a', after: 0 });
    await registry.open('c');
    await registry.append('c', delta(1));
    await registry.close('c');

    expect(await registry.state('a')).toBeNull();
    expect(await registry.state('b')).toBe('closed');
    expect(await replay(registry, 'c')).toEqual([{ id: 1, chunk: delta(1) }]);
    const events: StreamEvent[] = [];
    for await (const { id, chunk } of eachEvent(reader!)) events.push({ id, chunk });
    expect(events).toEqual([{ id: 1, chunk: delta(1) }]);
  });

  test('the newest closed stream stays readable even when it alone passes maxRetainedBytes', async () => {
    const registry = new MemoryStreamRegistry({ maxRetainedBytes: 10 });
    await registry.open('a');
    await registry.append('a', delta(1));
    await registry.close('a');
    expect(await registry.state('a')).toBe('closed');
    await registry.open('b');
    await registry.close('b');
    expect(await registry.state('a')).toBeNull();
    expect(await registry.state('b')).toBe('closed');
  });

  test('an open stream is never forgotten for the bytes of closed ones', async () => {
    const registry = new MemoryStreamRegistry({ maxRetainedBytes: 10 });
    await registry.open('open');
    await registry.append('open', delta(1));
    for (const id of ['a', 'b']) {
      await registry.open(id);
      await registry.append(id, delta(2));
      await registry.close(id);
    }
    expect(await registry.state('open')).toBe('open');
    expect(await registry.append('open', delta(3))).toBe(2);
  });
});
