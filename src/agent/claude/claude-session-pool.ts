import type { ClaudeSession } from './claude-session.ts';

/**
 * Keeps one live CLI process per active conversation, up to `maxLive`, each closed after
 * `idleMs` without a turn. With `maxLive` 0 every turn starts a fresh process (the cold path).
 */
export class ClaudeSessionPool {
  readonly #sessions = new Map<string, ClaudeSession>();
  readonly #maxLive: number;
  readonly #idleMs: number;

  constructor(options: { maxLive: number; idleMs: number }) {
    this.#maxLive = options.maxLive;
    this.#idleMs = options.idleMs;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Removes and returns the idle process of a conversation, if there is one. */
  take(conversationId: string): ClaudeSession | null {
    const session = this.#sessions.get(conversationId);
    if (!session) return null;
    this.#sessions.delete(conversationId);
    session.reserve();
    return session.closed ? null : session;
  }

  /** Returns a process after a successful turn; it stays warm unless the warm path is off. */
  async give(conversationId: string, session: ClaudeSession): Promise<void> {
    if (session.closed) return;
    if (this.#maxLive <= 0) {
      await session.close();
      return;
    }
    void this.#sessions.get(conversationId)?.close();
    this.#sessions.delete(conversationId);
    while (this.#sessions.size >= this.#maxLive) this.#evictOldest();
    session.idle({
      idleMs: this.#idleMs,
      onExpire: () => {
        if (this.#sessions.get(conversationId) === session) this.#sessions.delete(conversationId);
      },
    });
    this.#sessions.set(conversationId, session);
  }

  /** Closes a conversation's idle process (its session was deleted, or its state is stale). */
  async discard(conversationId: string): Promise<void> {
    await this.take(conversationId)?.close();
  }

  async closeAll(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((session) => session.close()));
  }

  #evictOldest(): void {
    let oldest: [string, ClaudeSession] | null = null;
    for (const entry of this.#sessions) {
      if (!oldest || entry[1].lastUsedAt < oldest[1].lastUsedAt) oldest = entry;
    }
    if (!oldest) return;
    this.#sessions.delete(oldest[0]);
    void oldest[1].close();
  }
}
