import type { SessionEvents } from '../coord/session-events.ts';
import type { SessionEvent } from '../protocol/index.ts';
import type { Scope, SessionRecord, SessionStore } from '../store/session-store.ts';
import type { Logger } from '../util/logger.ts';

/**
 * Tells the owner's open `GET /api/events` streams that a session changed. It reads the session
 * once per change and publishes that, so viewers cost nothing per change. The changes of one
 * session are published one after another, each read when its turn comes: the last event always
 * shows the state after the last change. While the owner has no viewer, nothing is read: one
 * that connects later reads the list itself. A failure is logged, never thrown: the change that
 * caused the event has happened anyway.
 */
export class SessionNotifier {
  readonly #store: SessionStore;
  readonly #events: SessionEvents;
  readonly #logger: Logger;
  readonly #tails = new Map<string, Promise<void>>();

  constructor(options: { store: SessionStore; events: SessionEvents; logger: Logger }) {
    this.#store = options.store;
    this.#events = options.events;
    this.#logger = options.logger;
  }

  /** Publishes the session's current title, status and updatedAt. */
  changed(scope: Scope): Promise<void> {
    return this.#serialize(scope, async () => {
      if (!this.#events.mayHaveSubscribers(scope.ownerId)) return null;
      const session = await this.#store.getSession(scope);
      return session ? sessionEvent(session) : null;
    });
  }

  /** Publishes a session just created, as it was returned: nothing else can have changed it yet. */
  created(session: SessionRecord): Promise<void> {
    return this.#serialize({ ownerId: session.ownerId, sessionId: session.id }, async () =>
      this.#events.mayHaveSubscribers(session.ownerId) ? sessionEvent(session) : null,
    );
  }

  deleted(scope: Scope): Promise<void> {
    return this.#serialize(scope, async () => ({ type: 'session-deleted', id: scope.sessionId }));
  }

  #serialize(scope: Scope, read: () => Promise<SessionEvent | null>): Promise<void> {
    const previous = this.#tails.get(scope.sessionId) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const event = await read();
        if (event) await this.#events.publish({ ownerId: scope.ownerId, event });
      } catch (error) {
        this.#logger.warn({ err: error, session: scope.sessionId }, 'publishing a session event failed');
      }
    });
    this.#tails.set(scope.sessionId, next);
    void next.then(() => {
      if (this.#tails.get(scope.sessionId) === next) this.#tails.delete(scope.sessionId);
    });
    return next;
  }
}

function sessionEvent(session: SessionRecord): SessionEvent {
  const { id, title, status, updatedAt } = session;
  return { type: 'session', session: { id, title, status, updatedAt } };
}
