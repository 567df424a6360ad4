/** A message sent while its session's turn was running, waiting to be delivered. */
export interface PendingMessage {
  id: string;
  ownerId: string;
  text: string;
  /** The client's idempotency key, when it sent one. */
  clientMessageId: string | null;
  enqueuedAt: string;
}

/** Per-session FIFO of follow-up messages, bounded. */
export interface PendingMessages {
  /**
   * Appends unless the session already holds `max` messages. A message whose clientMessageId is
   * already waiting is accepted without being added again.
   */
  push(options: {
    sessionId: string;
    message: PendingMessage;
    max: number;
  }): Promise<{ accepted: boolean; count: number }>;
  /** Removes and returns up to `max` of the oldest messages, oldest first. */
  take(options: { sessionId: string; max: number }): Promise<PendingMessage[]>;
  count(sessionId: string): Promise<number>;
  /** Drops every waiting message of the session; returns how many. */
  clear(sessionId: string): Promise<number>;
}
