import { describe, expect, test } from 'vitest';
import type { SessionEvent } from '../../protocol/index.ts';
import { describeSessionEventsConformance } from '../conformance/session-events-conformance.ts';
import { MemorySessionEvents } from './memory-session-events.ts';

describeSessionEventsConformance('memory', async () => ({
  events: new MemorySessionEvents(),
  cleanup: async () => {},
}));

describe('MemorySessionEvents', () => {
  test('a slow reader holds one event per session, and a closed subscription is forgotten', async () => {
    const events = new MemorySessionEvents();
    const subscription = new AbortController();
    const iterable = await events.subscribe({ ownerId: 'alice', signal: subscription.signal });
    for (let version = 1; version <= 1_000; version += 1) {
      await events.publish({
        ownerId: 'alice',
        event: {
          type: 'session',
          session: { id: `s${version % 3}`, title: `v${version}`, status: 'running', updatedAt: 'x' },
        },
      });
    }
    const first = await iterable[Symbol.asyncIterator]().next();
    expect(first.done).toBe(false);
    expect(
      first.value?.map((event: SessionEvent) => (event.type === 'session' ? event.session.title : null)),
    ).toEqual(['v998', 'v999', 'v1000']);
    expect(events.subscriberCount).toBe(1);
    subscription.abort();
    expect(events.subscriberCount).toBe(0);
  });
});
