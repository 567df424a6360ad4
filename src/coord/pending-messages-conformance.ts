import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { PendingMessage, PendingMessages } from './pending-messages.ts';

export type PendingMessagesFactory = () => Promise<{
  pending: PendingMessages;
  cleanup: () => Promise<void>;
}>;

/**
 * The behaviour every PendingMessages must have. Session ids are unique per test so the suite
 * runs unchanged against a shared backend such as Redis.
 */
export function describePendingMessagesConformance(name: string, makePending: PendingMessagesFactory): void {
  describe(`PendingMessages conformance: ${name}`, () => {
    let current: Awaited<ReturnType<PendingMessagesFactory>> | undefined;
    let sessionPrefix = '';

    beforeEach(async () => {
      current = await makePending();
      sessionPrefix = `pending-conformance:${Date.now()}:${Math.random().toString(36).slice(2)}`;
    });

    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    const getPending = (): PendingMessages => {
      if (!current) throw new Error('The pending messages are only available inside a test.');
      return current.pending;
    };
    const session = (name: string): string => `${sessionPrefix}:${name}`;
    const message = (text: string, clientMessageId: string | null = null): PendingMessage => ({
      id: `${text}-id`,
      ownerId: 'alice',
      text,
      clientMessageId,
      enqueuedAt: '2025-01-01T00:00:00.000Z',
    });
    const texts = (messages: PendingMessage[]): string[] => messages.map((entry) => entry.text);

    test('messages come out oldest first, with every field kept', async () => {
      const pending = getPending();
      for (const text of ['first', 'second', 'third']) {
        await pending.push({ sessionId: session('a'), message: message(text, `client-${text}`), max: 10 });
      }

      const taken = await pending.take({ sessionId: session('a'), max: 10 });
      expect(texts(taken)).toEqual(['first', 'second', 'third']);
      expect(taken[0]).toEqual(message('first', 'client-first'));
      expect(await pending.count(session('a'))).toBe(0);
      expect(await pending.take({ sessionId: session('a'), max: 10 })).toEqual([]);
    });

    test('push reports the new count and refuses beyond max without changing the queue', async () => {
      const pending = getPending();
      expect(await pending.push({ sessionId: session('a'), message: message('one'), max: 2 })).toEqual({
        accepted: true,
        count: 1,
      });
      expect(await pending.push({ sessionId: session('a'), message: message('two'), max: 2 })).toEqual({
        accepted: true,
        count: 2,
      });

      expect(await pending.push({ sessionId: session('a'), message: message('three'), max: 2 })).toEqual({
        accepted: false,
        count: 2,
      });
      expect(await pending.count(session('a'))).toBe(2);
      expect(texts(await pending.take({ sessionId: session('a'), max: 10 }))).toEqual(['one', 'two']);
    });

    test('a repeated clientMessageId is accepted but waits only once, even when the queue is full', async () => {
      const pending = getPending();
      await pending.push({ sessionId: session('a'), message: message('hello', 'key-1'), max: 2 });

      const repeated = await pending.push({
        sessionId: session('a'),
        message: { ...message('hello again', 'key-1'), id: 'other-id' },
        max: 2,
      });
      expect(repeated).toEqual({ accepted: true, count: 1 });

      await pending.push({ sessionId: session('a'), message: message('second', 'key-2'), max: 2 });
      expect(
        await pending.push({ sessionId: session('a'), message: message('retry', 'key-2'), max: 2 }),
      ).toEqual({ accepted: true, count: 2 });
      expect(texts(await pending.take({ sessionId: session('a'), max: 10 }))).toEqual(['hello', 'second']);
    });

    test('messages without a clientMessageId are never treated as repeats', async () => {
      const pending = getPending();
      await pending.push({ sessionId: session('a'), message: message('same'), max: 10 });
      const second = await pending.push({ sessionId: session('a'), message: message('same'), max: 10 });

      expect(second).toEqual({ accepted: true, count: 2 });
      expect(texts(await pending.take({ sessionId: session('a'), max: 10 }))).toEqual(['same', 'same']);
    });

    test('a clientMessageId can wait again once its message was taken', async () => {
      const pending = getPending();
      await pending.push({ sessionId: session('a'), message: message('first', 'key-1'), max: 10 });
      await pending.take({ sessionId: session('a'), max: 10 });

      expect(
        await pending.push({ sessionId: session('a'), message: message('later', 'key-1'), max: 10 }),
      ).toEqual({ accepted: true, count: 1 });
      expect(texts(await pending.take({ sessionId: session('a'), max: 10 }))).toEqual(['later']);
    });

    test('take(max) returns only the oldest max and leaves the rest in order', async () => {
      const pending = getPending();
      for (const text of ['one', 'two', 'three', 'four', 'five']) {
        await pending.push({ sessionId: session('a'), message: message(text), max: 10 });
      }

      expect(texts(await pending.take({ sessionId: session('a'), max: 2 }))).toEqual(['one', 'two']);
      expect(await pending.count(session('a'))).toBe(3);
      await pending.push({ sessionId: session('a'), message: message('six'), max: 10 });
      expect(texts(await pending.take({ sessionId: session('a'), max: 10 }))).toEqual([
        'three',
        'four',
        'five',
        'six',
      ]);
    });

    test('sessions are independent: their own order, bound, keys and clear', async () => {
      const pending = getPending();
      await pending.push({ sessionId: session('a'), message: message('a1', 'shared-key'), max: 1 });
      // The same key and a full queue in session a do not affect session b.
      expect(
        await pending.push({ sessionId: session('b'), message: message('b1', 'shared-key'), max: 1 }),
      ).toEqual({ accepted: true, count: 1 });
      expect(await pending.count(session('a'))).toBe(1);
      expect(await pending.count(session('b'))).toBe(1);

      expect(await pending.clear(session('a'))).toBe(1);
      expect(await pending.count(session('b'))).toBe(1);
      expect(texts(await pending.take({ sessionId: session('b'), max: 10 }))).toEqual(['b1']);
      expect(await pending.count(session('never-used'))).toBe(0);
    });

    test('clear drops every waiting message and returns how many', async () => {
      const pending = getPending();
      for (const text of ['one', 'two', 'three']) {
        await pending.push({ sessionId: session('a'), message: message(text, text), max: 10 });
      }

      expect(await pending.clear(session('a'))).toBe(3);
      expect(await pending.count(session('a'))).toBe(0);
      expect(await pending.take({ sessionId: session('a'), max: 10 })).toEqual([]);
      expect(await pending.clear(session('a'))).toBe(0);
      // A cleared key is free again.
      expect(
        await pending.push({ sessionId: session('a'), message: message('one', 'one'), max: 10 }),
      ).toEqual({
        accepted: true,
        count: 1,
      });
    });

    test('fifty concurrent pushes against max 10 accept exactly ten', async () => {
      const pending = getPending();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          pending.push({ sessionId: session('a'), message: message(`m${index}`, `key-${index}`), max: 10 }),
        ),
      );

      const acceptedTexts = results.flatMap((result, index) => (result.accepted ? [`m${index}`] : []));
      expect(acceptedTexts).toHaveLength(10);
      for (const result of results) expect(result.count).toBeLessThanOrEqual(10);
      expect(await pending.count(session('a'))).toBe(10);
      expect(texts(await pending.take({ sessionId: session('a'), max: 50 })).sort()).toEqual(
        acceptedTexts.sort(),
      );
    });
  });
}
