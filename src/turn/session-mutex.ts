import type { Scope } from '../store/session-store.ts';

/**
 * One admission at a time per session within this process: checking for a duplicate, taking the
 * lock, storing and queueing happen as one step, so two requests cannot both pass a check that
 * only the first one's write would have failed. Across processes, the store's unique keys decide.
 * Keyed by owner and session: a request naming another owner's session (it is refused inside)
 * never waits behind the owner's admission, so its answer's timing cannot tell that one is running.
 */
export class SessionMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<Result>(scope: Scope, work: () => Promise<Result>): Promise<Result> {
    return this.#run(sessionKeyOf(scope), work);
  }

  async #run<Result>(key: string, work: () => Promise<Result>): Promise<Result> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    const tail = current.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

/** One key per owner and session: another owner's session of the same id never shares it. */
export function sessionKeyOf(scope: Scope): string {
  return `${scope.ownerId}\n${scope.sessionId}`;
}
