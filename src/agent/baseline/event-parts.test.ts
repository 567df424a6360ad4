import { expect, test } from 'vitest';
import type { ModelStreamPart } from '../language-model.ts';
import { type EventPartReader, partsOfEventBatches, pushDelta } from './event-parts.ts';

test('a delta joins the one before it only if nothing came between and both are of the same block, without metadata', () => {
  const parts: ModelStreamPart[] = [];
  pushDelta(parts, { type: 'text-delta', id: 'a', delta: 'Hel' });
  pushDelta(parts, { type: 'text-delta', id: 'a', delta: 'lo' });
  pushDelta(parts, { type: 'text-delta', id: 'b', delta: 'other block' });
  pushDelta(parts, { type: 'reasoning-delta', id: 'b', delta: 'same id, other kind' });
  const signature = { anthropic: { signature: 'sig' } };
  pushDelta(parts, { type: 'reasoning-delta', id: 'b', delta: '', providerMetadata: signature });
  pushDelta(parts, { type: 'reasoning-delta', id: 'b', delta: 'after the signature' });
  parts.push({ type: 'text-end', id: 'a' });
  pushDelta(parts, { type: 'text-delta', id: 'a', delta: 'after another part' });
  expect(parts).toEqual([
    { type: 'text-delta', id: 'a', delta: 'Hello' },
    { type: 'text-delta', id: 'b', delta: 'other block' },
    { type: 'reasoning-delta', id: 'b', delta: 'same id, other kind' },
    { type: 'reasoning-delta', id: 'b', delta: '', providerMetadata: signature },
    { type: 'reasoning-delta', id: 'b', delta: 'after the signature' },
    { type: 'text-end', id: 'a' },
    { type: 'text-delta', id: 'a', delta: 'after another part' },
  ]);
});

/**
 * Each event's data is a text delta of block `a`; `fail` throws, `stop` ends the stream like an
 * error event, `done` is the answer's last event.
 */
function testReader(): EventPartReader {
  let complete = false;
  return {
    get complete() {
      return complete;
    },
    read(data, parts) {
      if (data === 'fail') throw new Error('malformed');
      if (data === 'stop') {
        parts.push({ type: 'error', error: 'stopped' });
        return false;
      }
      if (data === 'done') complete = true;
      else pushDelta(parts, { type: 'text-delta', id: 'a', delta: data });
      return true;
    },
    end(parts) {
      parts.push({ type: 'text-end', id: 'a' });
    },
  };
}

async function partsOf(
  batches: string[][],
  options: { thenHang?: boolean } = {},
): Promise<{ parts: ModelStreamPart[]; error?: unknown }> {
  async function* source() {
    yield* batches;
    // A server that keeps the response open: the next read never comes.
    if (options.thenHang) await new Promise(() => {});
  }
  const parts: ModelStreamPart[] = [];
  try {
    for await (const part of partsOfEventBatches({ batches: source(), reader: testReader() }))
      parts.push(part);
    return { parts };
  } catch (error) {
    return { parts, error };
  }
}

test('deltas join within a read, never across reads', async () => {
  expect((await partsOf([['a', 'b'], ['c']])).parts).toEqual([
    { type: 'text-delta', id: 'a', delta: 'ab' },
    { type: 'text-delta', id: 'a', delta: 'c' },
    { type: 'text-end', id: 'a' },
  ]);
});

test('an event that fails the stream comes after what its read held before it; one that ends it stops the reading', async () => {
  const failed = await partsOf([['a'], ['b', 'fail', 'c']]);
  expect(failed.parts).toEqual([
    { type: 'text-delta', id: 'a', delta: 'a' },
    { type: 'text-delta', id: 'a', delta: 'b' },
  ]);
  expect(String(failed.error)).toMatch(/malformed/);
  const stopped = await partsOf([['a', 'stop', 'b'], ['c']]);
  expect(stopped.error).toBeUndefined();
  expect(stopped.parts).toEqual([
    { type: 'text-delta', id: 'a', delta: 'a' },
    { type: 'error', error: 'stopped' },
  ]);
});

test('the read that completes the answer ends the stream: a response kept open after it is not waited for', async () => {
  const { parts, error } = await partsOf([['a'], ['b', 'done']], { thenHang: true });
  expect(error).toBeUndefined();
  expect(parts).toEqual([
    { type: 'text-delta', id: 'a', delta: 'a' },
    { type: 'text-delta', id: 'a', delta: 'b' },
    { type: 'text-end', id: 'a' },
  ]);
});
