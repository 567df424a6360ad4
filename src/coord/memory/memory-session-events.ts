import type { SessionEvent } from '../../protocol/index.ts';
import { type SessionEvents, sessionIdOf } from '../session-events.ts';

interface Subscriber {
  /** The newest undelivered event per session, in the order they last changed. */
  waiting: Map<string, SessionEvent>;
  wake: (() => void) | null;
}

/** Session events within one process. */
export class MemorySessionEvents implements SessionEvents {
  readonly #subscribers = new Map<string, Set<Subscriber>>();

  async publish(options: { ownerId: string; event: SessionEvent }): Promise<void> {
    const key = sessionIdOf(options.event);
    for (const subscriber of this.#subscribers.get(options.ownerId) ?? []) {
      // Delete first, so the superseding event moves to the end and order follows the latest change.
      subscriber.waiting.delete(key);
      subscriber.waiting.set(key, options.event);
      subscriber.wake?.();
    }
  }

  async subscribe(options: { ownerId: string; signal: AbortSignal }): Promise<AsyncIterable<SessionEvent[]>> {
    const { ownerId, signal } = options;
    const subscriber: Subscriber = { waiting: new Map(), wake: null };
    if (signal.aborted) return readEvents({ subscriber, signal });
    const owners = this.#subscribers;
    const subscribers = owners.get(ownerId) ?? new Set();
    owners.set(ownerId, subscribers);
    subscribers.add(subscriber);
    signal.addEventListener(
      'abort',
      () => {
        subscribers.delete(subscriber);
        if (subscribers.size === 0 && owners.get(ownerId) === subscribers) owners.delete(ownerId);
        subscriber.wake?.();
      },
      { once: true },
    );
    return readEvents({ subscriber, signal });
  }

  mayHaveSubscribers(ownerId: string): boolean {
    return this.#subscribers.has(ownerId);
  }

  /** How many subscriptions are open (tests and metrics). */
  get subscriberCount(): number {
    let count = 0;
    for (const subscribers of this.#subscribers.values()) count += subscribers.size;
    return count;
  }
}

async function* readEvents(options: {
  subscriber: Subscriber;
  signal: AbortSignal;
}): AsyncGenerator<SessionEvent[]> {
  const { subscriber, signal } = options;
  while (!signal.aborted) {
    if (subscriber.waiting.size > 0) {
      const batch = [...subscriber.waiting.values()];
      subscriber.waiting.clear();
      yield batch;
      continue;
    }
    await new Promise<void>((resolve) => {
      subscriber.wake = resolve;
    });
    subscriber.wake = null;
  }
}
