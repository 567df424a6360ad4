import { describe, expect, test } from 'vitest';
import type { StreamChunk, StreamEvent } from '../../protocol/index.ts';
import { eachEvent } from '../each-event.ts';
import { describeStreamRegistryConformance } from '../stream-registry-conformance.ts';
import { MemoryStreamRegistry } from './memory-stream-registry.ts';

describeStreamRegistryConformance('memory', async () => ({
  registry: new MemoryStreamRegistry(),
  cleanup: async () => {},
}));

function delta(index: number): StreamChunk {
  return { type: 'text-delta', id: 'text-1', delta: `part ${index}` };
}

async function replay(registry: MemoryStreamRegistry, streamId: string): Promise<StreamEvent[] | null> {
  const iterable = await registry.subscribe({ streamId, after: 0 });
  if (!iterable) return null;
  const events: StreamEvent[] = [];
  for await (const event of eachEvent(iterable)) events.push(event);
  return events;
}

describe('MemoryStreamRegistry bounds', () => {
  test('appends beyond maxEvents fail, and the events already kept stay readable', async () => {
    const registry = new MemoryStreamRegistry({ maxEvents: 3 });
    await registry.open('s');
    for (let index = 1; index <= 3; index++) await registry.append('s', delta(index));

    await expect(registry.append('s', delta(4))).rejects.toThrow(/exceeded 3 events/);
    await registry.close('s');
    expect((await replay(registry, 's'))?.map((event) => event.id)).toEqual([1, 2, 3]);
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
});
