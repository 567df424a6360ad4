import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { SessionEvent } from '../../protocol/index.ts';
import { type SessionEvents, sessionIdOf } from '../session-events.ts';

export type SessionEventsFactory = () => Promise<{
  events: SessionEvents;
  cleanup: () => Promise<void>;
}>;

/** Generous: delivery may cross a network (Redis); the check ends as soon as the condition holds. */
const deliveryTimeoutMs = 5_000;

/**
 * The behaviour every SessionEvents must have. Owner ids are unique per test so the suite runs
 * unchanged against a shared backend such as Redis.
 */
export function describeSessionEventsConformance(name: string, makeEvents: SessionEventsFactory): void {
  describe(`SessionEvents conformance: ${name}`, () => {
    let current: Awaited<ReturnType<SessionEventsFactory>> | undefined;
    let ownerPrefix = '';
    const subscriptions: AbortController[] = [];

    beforeEach(async () => {
      current = await makeEvents();
      ownerPrefix = `session-events-conformance:${Date.now()}:${Math.random().toString(36).slice(2)}`;
    });

    afterEach(async () => {
      for (const subscription of subscriptions.splice(0)) subscription.abort();
      await current?.cleanup();
      current = undefined;
    });

    const getEvents = (): SessionEvents => {
      if (!current) throw new Error('The session events are only available inside a test.');
      return current.events;
    };
    const owner = (name: string): string => `${ownerPrefix}:${name}`;
    const changed = (id: string, title: string): SessionEvent => ({
      type: 'session',
      session: { id, title, status: 'idle', updatedAt: '2025-01-01T00:00:00.000Z' },
    });

    /** Subscribes and reads everything delivered into `seen`, in the background. */
    async function listen(ownerId: string, signal?: AbortController) {
      const subscription = signal ?? new AbortController();
      subscriptions.push(subscription);
      const iterable = await getEvents().subscribe({ ownerId, signal: subscription.signal });
      const seen: SessionEvent[] = [];
      const batchSizes: number[] = [];
      const ended = (async () => {
        for await (const batch of iterable) {
          batchSizes.push(batch.length);
          seen.push(...batch);
        }
      })();
      return { seen, batchSizes, ended, subscription };
    }

    async function until(condition: () => boolean): Promise<void> {
      const deadline = Date.now() + deliveryTimeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error('Timed out waiting for session events.');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    test('a subscriber gets what is published for its owner afterwards, in order, in non-empty batches', async () => {
      const events = getEvents();
      const alice = await listen(owner('alice'));
      await events.publish({ ownerId: owner('alice'), event: changed('s1', 'one') });
      await events.publish({ ownerId: owner('alice'), event: changed('s2', 'two') });
      await events.publish({ ownerId: owner('alice'), event: { type: 'session-deleted', id: 's3' } });

      await until(() => alice.seen.length === 3);
      expect(alice.seen).toEqual([
        changed('s1', 'one'),
        changed('s2', 'two'),
        { type: 'session-deleted', id: 's3' },
      ]);
      expect(alice.batchSizes.every((size) => size > 0)).toBe(true);
    });

    test('another owner never sees them', async () => {
      const events = getEvents();
      const bob = await listen(owner('bob'));
      const alice = await listen(owner('alice'));
      await events.publish({ ownerId: owner('alice'), event: changed('secret', 'alice only') });
      await events.publish({ ownerId: owner('bob'), event: changed('mine', 'bob') });

      await until(() => bob.seen.length > 0 && alice.seen.length > 0);
      // Published after alice's: had alice's reached bob, it would have come first.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(bob.seen).toEqual([changed('mine', 'bob')]);
      expect(alice.seen).toEqual([changed('secret', 'alice only')]);
    });

    test('every subscriber of an owner gets every event', async () => {
      const events = getEvents();
      const tabs = await Promise.all([
        listen(owner('alice')),
        listen(owner('alice')),
        listen(owner('alice')),
      ]);
      await events.publish({ ownerId: owner('alice'), event: changed('s1', 'one') });
      await events.publish({ ownerId: owner('alice'), event: changed('s2', 'two') });

      await until(() => tabs.every((tab) => tab.seen.length === 2));
      for (const tab of tabs) expect(tab.seen.map(sessionIdOf)).toEqual(['s1', 's2']);
    });

    test('nothing published before subscribing is delivered', async () => {
      const events = getEvents();
      await events.publish({ ownerId: owner('alice'), event: changed('before', 'old') });
      const alice = await listen(owner('alice'));
      await events.publish({ ownerId: owner('alice'), event: changed('after', 'new') });

      await until(() => alice.seen.length > 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(alice.seen).toEqual([changed('after', 'new')]);
    });

    test('aborting ends the subscription, and later events go nowhere', async () => {
      const events = getEvents();
      const alice = await listen(owner('alice'));
      const other = await listen(owner('alice'));
      alice.subscription.abort();
      await alice.ended;
      await events.publish({ ownerId: owner('alice'), event: changed('s1', 'late') });

      await until(() => other.seen.length === 1);
      expect(alice.seen).toEqual([]);

      const aborted = new AbortController();
      aborted.abort();
      const never = await listen(owner('alice'), aborted);
      await never.ended;
      expect(never.seen).toEqual([]);
    });

    test('an owner with an open subscription may have subscribers, whatever other owners have', async () => {
      const events = getEvents();
      const alice = await listen(owner('alice'));
      expect(events.mayHaveSubscribers(owner('alice'))).toBe(true);
      alice.subscription.abort();
      await alice.ended;
      // After the last one closes an implementation may still be unsure; one that is sure says false.
      if (events.mayHaveSubscribers(owner('nobody'))) return;
      expect(events.mayHaveSubscribers(owner('alice'))).toBe(false);
    });

    test('a slow reader may skip superseded states of a session, never its latest', async () => {
      const events = getEvents();
      const subscription = new AbortController();
      subscriptions.push(subscription);
      const iterable = await events.subscribe({ ownerId: owner('alice'), signal: subscription.signal });
      // Nothing is read while these are published.
      for (let version = 1; version <= 50; version += 1) {
        await events.publish({ ownerId: owner('alice'), event: changed('busy', `v${version}`) });
      }
      await events.publish({ ownerId: owner('alice'), event: changed('quiet', 'only') });
      await events.publish({ ownerId: owner('alice'), event: changed('gone', 'soon deleted') });
      await events.publish({ ownerId: owner('alice'), event: { type: 'session-deleted', id: 'gone' } });

      const seen: SessionEvent[] = [];
      const latest = (id: string) => seen.filter((event) => sessionIdOf(event) === id).at(-1);
      const iterator = iterable[Symbol.asyncIterator]();
      const deadline = Date.now() + deliveryTimeoutMs;
      while (latest('gone')?.type !== 'session-deleted') {
        if (Date.now() > deadline) throw new Error('Timed out waiting for session events.');
        const next = await iterator.next();
        if (next.done) break;
        seen.push(...next.value);
      }
      expect(latest('busy')).toEqual(changed('busy', 'v50'));
      expect(latest('quiet')).toEqual(changed('quiet', 'only'));
      expect(latest('gone')).toEqual({ type: 'session-deleted', id: 'gone' });
      // What arrives of one session arrives in the order it was published.
      const versions = seen
        .filter((event) => sessionIdOf(event) === 'busy')
        .map((event) => (event.type === 'session' ? Number(event.session.title?.slice(1)) : 0));
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
    });
  });
}
