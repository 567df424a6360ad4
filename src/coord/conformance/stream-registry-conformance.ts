import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { emptyUsage, type StreamChunk, type StreamEvent } from '../../protocol/index.ts';
import { eachEvent } from '../each-event.ts';
import { StreamFullError, type StreamLimits } from '../stream-capacity.ts';
import type { LoggedEvent, StreamRegistry } from '../stream-registry.ts';

/** `limits`, when given, are the registry's caps (in events and bytes of chunk JSON). */
export type StreamRegistryFactory = (
  limits?: StreamLimits,
) => Promise<{ registry: StreamRegistry; cleanup: () => Promise<void> }>;

const settleMs = 20;
/** Long enough for any backend, short enough that a hung subscriber fails the test instead of timing it out. */
const deadlineMs = 2_000;

function delta(index: number): StreamChunk {
  return { type: 'text-delta', id: 'text-1', delta: `part ${index}` };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects if `promise` has not settled by the deadline, so a subscriber that never ends fails clearly. */
function withinDeadline<T>(promise: Promise<T>, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${label} did not finish within ${deadlineMs} ms`)),
      deadlineMs,
    );
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Whether `promise` is still pending after the event loop has had a moment to run. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  const winner = await Promise.race([promise.then(() => null), sleep(settleMs).then(() => pending)]);
  return winner === pending;
}

/**
 * Reads every event into `events` as it arrives, as id and chunk; resolves when the iteration
 * ends. A registry may hand out the chunk's JSON text with it, which viewers send as it is: it
 * must be that chunk's JSON.
 */
function collect(iterable: AsyncIterable<LoggedEvent>, events: StreamEvent[] = []): Promise<StreamEvent[]> {
  return (async () => {
    for await (const { id, chunk, json } of iterable) {
      if (json !== undefined) expect(JSON.parse(json)).toEqual(chunk);
      events.push({ id, chunk });
    }
    return events;
  })();
}

async function waitFor(condition: () => boolean, label: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > deadlineMs) throw new Error(`Timed out waiting for ${label}`);
    await sleep(2);
  }
}

/**
 * The behaviour every StreamRegistry must have. Each implementation's test file calls this with a
 * factory returning a fresh registry and a cleanup that closes it. Stream ids are unique per test.
 */
export function describeStreamRegistryConformance(name: string, makeRegistry: StreamRegistryFactory): void {
  describe(`StreamRegistry conformance: ${name}`, () => {
    let current: Awaited<ReturnType<StreamRegistryFactory>> | undefined;
    let idPrefix = '';

    beforeEach(async () => {
      current = await makeRegistry();
      idPrefix = `stream-conformance:${Date.now()}:${Math.random().toString(36).slice(2)}`;
    });

    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    const getRegistry = (): StreamRegistry => {
      if (!current) throw new Error('The registry is only available inside a test.');
      return current.registry;
    };
    const streamId = (name: string): string => `${idPrefix}:${name}`;

    async function subscribe(options: { id: string; after: number; signal?: AbortSignal }) {
      const iterable = await getRegistry().subscribe({
        streamId: options.id,
        after: options.after,
        signal: options.signal,
      });
      if (!iterable) throw new Error(`Stream ${options.id} should exist`);
      return eachEvent(iterable);
    }

    test('a stream at its cap refuses ordinary chunks but still closes its parts and ends with finish', async () => {
      const limited = await makeRegistry({ maxEvents: 100, maxBytes: 1024 * 1024 });
      try {
        const registry = limited.registry;
        const id = streamId('full');
        await registry.open(id);
        await registry.append(id, { type: 'start', messageId: 'm1' });
        await registry.append(id, { type: 'start-step' });
        await registry.append(id, { type: 'text-start', id: 'text-1' });
        let refused: unknown = null;
        for (let index = 0; index < 1_000 && !refused; index++) {
          await registry
            .append(id, { type: 'tool-input-start', toolCallId: `c${index}`, toolName: 'grep' })
            .catch((error: unknown) => {
              refused = error;
            });
        }
        expect(refused).toBeInstanceOf(StreamFullError);
        for (const chunk of [
          { type: 'text-end', id: 'text-1' },
          { type: 'finish-step' },
          { type: 'data-error', data: { code: 'internal_error', retryable: true, message: 'x' } },
          { type: 'error', errorText: 'x' },
          {
            type: 'message-metadata',
            messageMetadata: {
              turnId: id,
              status: 'failed',
              startedAt: new Date(0).toISOString(),
              durationMs: 1,
              usage: emptyUsage,
            },
          },
          { type: 'finish', finishReason: 'error' },
        ] as const) {
          await registry.append(id, chunk);
        }
        await registry.close(id);
        const events = await withinDeadline(
          collect(
            await (async () => {
              const iterable = await registry.subscribe({ streamId: id, after: 0 });
              if (!iterable) throw new Error('the stream should exist');
              return eachEvent(iterable);
            })(),
          ),
          'the replay',
        );
        expect(events.length).toBeLessThanOrEqual(100);
        expect(events.at(-1)?.chunk.type).toBe('finish');
      } finally {
        await limited.cleanup();
      }
    });

    test('event ids are dense from 1, and state follows open and close', async () => {
      const registry = getRegistry();
      const id = streamId('a');
      await registry.open(id);
      expect(await registry.state(id)).toBe('open');

      const ids = [];
      for (let index = 1; index <= 4; index++) ids.push(await registry.append(id, delta(index)));
      expect(ids).toEqual([1, 2, 3, 4]);

      await registry.close(id);
      expect(await registry.state(id)).toBe('closed');
    });

    test('an unknown stream has no state and cannot be subscribed to', async () => {
      const registry = getRegistry();
      expect(await registry.state(streamId('missing'))).toBeNull();
      expect(await registry.subscribe({ streamId: streamId('missing'), after: 0 })).toBeNull();
    });

    test('subscribing after 0 replays everything, then delivers live events until close', async () => {
      const registry = getRegistry();
      const id = streamId('a');
      await registry.open(id);
      await registry.append(id, { type: 'start', messageId: 'm1' });
      await registry.append(id, delta(1));

      const received: StreamEvent[] = [];
      const done = collect(await subscribe({ id, after: 0 }), received);
      await waitFor(() => received.length === 2, 'the replay');

      await registry.append(id, delta(2));
      await registry.append(id, { type: 'finish' });
      await waitFor(() => received.length === 4, 'the live events');
      expect(await isPending(done)).toBe(true);

      await registry.close(id);
      expect(await withinDeadline(done, 'the subscriber')).toEqual([
        { id: 1, chunk: { type: 'start', messageId: 'm1' } },
        { id: 2, chunk: delta(1) },
        { id: 3, chunk: delta(2) },
        { id: 4, chunk: { type: 'finish' } },
      ]);
    });

    test('subscribing after N delivers exactly the events after N', async () => {
      const registry = getRegistry();
      const id = streamId('a');
      await registry.open(id);
      for (let index = 1; index <= 5; index++) await registry.append(id, delta(index));

      const resumed = collect(await subscribe({ id, after: 3 }));
      const atEnd = collect(await subscribe({ id, after: 5 }));
      await registry.append(id, delta(6));
      await registry.close(id);

      expect(await withinDeadline(resumed, 'the resumed subscriber')).toEqual([
        { id: 4, chunk: delta(4) },
        { id: 5, chunk: delta(5) },
        { id: 6, chunk: delta(6) },
      ]);
      expect(await withinDeadline(atEnd, 'the subscriber at the end')).toEqual([{ id: 6, chunk: delta(6) }]);
    });

    test("a cursor past the last event (another stream's) replays this stream in full", async () => {
      const registry = getRegistry();
      const id = streamId('a');
      await registry.open(id);
      for (let index = 1; index <= 3; index++) await registry.append(id, delta(index));

      const stale = collect(await subscribe({ id, after: 40 }));
      await registry.append(id, delta(4));
      await registry.close(id);

      expect((await withinDeadline(stale, 'the stale subscriber')).map((event) => event.id)).toEqual([
        1, 2, 3, 4,
      ]);
    });

    test('five concurrent subscribers receive identical sequences', async () => {
      const registry = getRegistry();
      const id = streamId('a');
      await registry.open(id);
      await registry.append(id, delta(0));

      const iterables = await Promise.all(Array.from({ length: 5 }, () => subscribe({ id, after: 0 })));
      const subscribers = iterables.map((iterable) => collect(iterable));
      const expected: StreamEvent[] = [{ id: 1, chunk: delta(0) }];
      for (let index = 1; index <= 20; index++) {
        const eventId = await registry.append(id, delta(index));
        expected.push({ id: eventId, chunk: delta(index) });
        // Let subscribers catch up on some events and fall behind on others.
        if (index % 3 === 0) await sleep(1);
      }
      await registry.close(id);

      const results = await withinDeadline(Promise.all(subscribers), 'the subscribers');
      for (const events of results) expect(events).toEqual(expected);
    });

    test('aborting one subscriber ends only its iteration; the others keep receiving', async () => {
      const registry = getRegistry();
      const id = streamId('a');
      await registry.open(id);
      await registry.append(id, delta(1));

      const controller = new AbortController();
      const aborted: StreamEvent[] = [];
      const abortedDone = collect(await subscribe({ id, after: 0, signal: controller.signal }), aborted);
      const other: StreamEvent[] = [];
      const otherDone = collect(await subscribe({ id, after: 0 }), other);
      await waitFor(() => aborted.length === 1 && other.length === 1, 'the first event');

      controller.abort();
      expect(await withinDeadline(abortedDone, 'the aborted subscriber')).toEqual([
        { id: 1, chunk: delta(1) },
      ]);

      await registry.append(id, delta(2));
      await waitFor(() => other.length === 2, 'the event after the abort');
      expect(await isPending(otherDone)).toBe(true);
      await registry.close(id);
      expect(await withinDeadline(otherDone, 'the other subscriber')).toEqual([
        { id: 1, chunk: delta(1) },
        { id: 2, chunk: delta(2) },
      ]);
      expect(aborted).toHaveLength(1);
    });

    test('subscribing to a closed stream replays its events and ends', async () => {
      const registry = getRegistry();
      const id = streamId('a');
      await registry.open(id);
      await registry.append(id, delta(1));
      await registry.append(id, delta(2));
      await registry.close(id);

      expect(await withinDeadline(collect(await subscribe({ id, after: 0 })), 'the replay')).toEqual([
        { id: 1, chunk: delta(1) },
        { id: 2, chunk: delta(2) },
      ]);
      expect(await withinDeadline(collect(await subscribe({ id, after: 2 })), 'the empty replay')).toEqual(
        [],
      );
    });

    test('a subscriber waiting on an idle stream finishes when the stream is closed', async () => {
      const registry = getRegistry();
      const id = streamId('a');
      await registry.open(id);

      const done = collect(await subscribe({ id, after: 0 }));
      expect(await isPending(done)).toBe(true);
      await registry.close(id);
      expect(await withinDeadline(done, 'the idle subscriber')).toEqual([]);
    });

    test('opening an existing stream is an error and keeps its events', async () => {
      const registry = getRegistry();
      const id = streamId('a');
      await registry.open(id);
      await registry.append(id, delta(1));

      await expect(registry.open(id)).rejects.toThrow();
      expect(await registry.append(id, delta(2))).toBe(2);
    });

    test('appending after close is an error and adds nothing', async () => {
      const registry = getRegistry();
      const id = streamId('a');
      await registry.open(id);
      await registry.append(id, delta(1));
      await registry.close(id);

      await expect(registry.append(id, delta(2))).rejects.toThrow();
      expect(await withinDeadline(collect(await subscribe({ id, after: 0 })), 'the replay')).toEqual([
        { id: 1, chunk: delta(1) },
      ]);
    });

    test('close is idempotent', async () => {
      const registry = getRegistry();
      const id = streamId('a');
      await registry.open(id);
      await registry.append(id, delta(1));
      await registry.close(id);
      await registry.close(id);

      expect(await registry.state(id)).toBe('closed');
      expect(await withinDeadline(collect(await subscribe({ id, after: 0 })), 'the replay')).toEqual([
        { id: 1, chunk: delta(1) },
      ]);
    });
  });
}
