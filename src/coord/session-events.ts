import type { SessionEvent } from '../protocol/index.ts';

/**
 * Owner-scoped fan-out of session changes (`GET /api/events`). Nothing is stored: a subscriber
 * gets what is published while it is subscribed, and a client re-reads the session list when it
 * (re)connects. Shaped for Redis pub/sub: one channel per owner, and each process holds one
 * connection for all its subscribers.
 */
export interface SessionEvents {
  /** Delivers `event` to every current subscriber of `ownerId`, in any process; never to another owner's. */
  publish(options: { ownerId: string; event: SessionEvent }): Promise<void>;
  /**
   * Events published for `ownerId` after the returned promise resolves, in order, in batches of
   * whatever is waiting (never empty), until `signal` aborts. A subscriber that reads slowly may
   * skip superseded states of a session, never its latest: only the newest waiting event per
   * session is kept for it, so a slow reader costs memory bounded by the owner's sessions.
   */
  subscribe(options: { ownerId: string; signal: AbortSignal }): Promise<AsyncIterable<SessionEvent[]>>;
  /**
   * False only when no process can have a subscriber of `ownerId` right now, so a publisher may
   * skip the work of making an event nobody gets. True while any subscription is open; an
   * implementation that cannot tell cheaply answers true.
   */
  mayHaveSubscribers(ownerId: string): boolean;
}

/** The session an event is about: events of one session supersede each other. */
export function sessionIdOf(event: SessionEvent): string {
  return event.type === 'session' ? event.session.id : event.id;
}
