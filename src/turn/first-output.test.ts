import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { MemoryStreamRegistry } from '../coord/memory/memory-stream-registry.ts';
import { firstOutput } from './first-output.ts';

/** Whether the wait has ended, after the registry's wake-ups have run. */
async function settled(wait: Promise<void>): Promise<boolean> {
  let done = false;
  void wait.then(() => {
    done = true;
  });
  await sleep(20);
  return done;
}

describe('firstOutput', () => {
  test('waits through the prelude and ends at the first delta', async () => {
    const registry = new MemoryStreamRegistry();
    await registry.open('turn');
    const wait = firstOutput({ registry, streamId: 'turn', signal: new AbortController().signal });
    await registry.append('turn', { type: 'start', messageId: 'turn' });
    await registry.append('turn', { type: 'start-step' });
    await registry.append('turn', { type: 'text-start', id: 't1' });
    expect(await settled(wait)).toBe(false);
    await registry.append('turn', { type: 'text-delta', id: 't1', delta: 'Hi' });
    expect(await settled(wait)).toBe(true);
  });

  test('ends when the stream closes without output, and at once for an unknown stream', async () => {
    const registry = new MemoryStreamRegistry();
    await registry.open('turn');
    const wait = firstOutput({ registry, streamId: 'turn', signal: new AbortController().signal });
    await registry.append('turn', { type: 'start', messageId: 'turn' });
    expect(await settled(wait)).toBe(false);
    await registry.close('turn');
    expect(await settled(wait)).toBe(true);
    const unknown = firstOutput({ registry, streamId: 'none', signal: new AbortController().signal });
    expect(await settled(unknown)).toBe(true);
  });

  test('ends when the signal aborts (shutdown), though the turn never ran', async () => {
    const registry = new MemoryStreamRegistry();
    await registry.open('turn');
    const shutdown = new AbortController();
    const wait = firstOutput({ registry, streamId: 'turn', signal: shutdown.signal });
    expect(await settled(wait)).toBe(false);
    shutdown.abort();
    expect(await settled(wait)).toBe(true);
  });
});
