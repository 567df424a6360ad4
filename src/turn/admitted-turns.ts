import type { Lock, LockLease } from '../coord/lock.ts';
import type { StoredMessage, TurnRecord } from '../store/session-store.ts';
import type { Logger } from '../util/logger.ts';

export interface AdmittedTurn {
  turn: TurnRecord;
  userMessages: StoredMessage[];
  lease: LockLease;
}

/**
 * Turns this process admitted that wait for a runner slot. Their session lock is refreshed here
 * until a runner takes them, so a long wait in the queue does not let the lock expire (the
 * watchdog would interrupt the turn, and another could start on the same session).
 */
export class AdmittedTurns {
  readonly #turns = new Map<string, AdmittedTurn>();
  readonly #timer: NodeJS.Timeout;

  constructor(options: { lock: Lock; lockTtlMs: number; logger: Logger }) {
    const { lock, lockTtlMs, logger } = options;
    this.#timer = setInterval(() => {
      for (const { lease, turn } of this.#turns.values()) {
        lock.refresh({ lease, ttlMs: lockTtlMs }).then(
          (held) => {
            if (!held)
              logger.warn({ session: turn.sessionId, turn: turn.id }, 'a waiting turn lost its lock');
          },
          (error: unknown) =>
            logger.error({ err: error, session: turn.sessionId, turn: turn.id }, 'refreshing a lock failed'),
        );
      }
    }, lockTtlMs / 3);
    this.#timer.unref();
  }

  add(admitted: AdmittedTurn): void {
    this.#turns.set(admitted.turn.id, admitted);
  }

  has(turnId: string): boolean {
    return this.#turns.has(turnId);
  }

  /** Removes and returns the turn: a runner starts it, or a cancel ends it. */
  take(turnId: string): AdmittedTurn | undefined {
    const admitted = this.#turns.get(turnId);
    this.#turns.delete(turnId);
    return admitted;
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
