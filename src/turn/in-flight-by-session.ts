import type { Scope } from '../store/session-store.ts';
import { sessionKeyOf } from './session-mutex.ts';

/**
 * Work under way per session within this process, so that a later request can wait for what an
 * earlier one started. Keyed by owner and session, like `SessionMutex`: a request naming another
 * owner's session never waits on the owner's work.
 */
export class InFlightBySession {
  readonly #byKey = new Map<string, Set<Promise<unknown>>>();

  /** Runs `work`, counted under its session until it settles. */
  run<Result>(scope: Scope, work: () => Promise<Result>): Promise<Result> {
    const key = sessionKeyOf(scope);
    const running = work();
    let set = this.#byKey.get(key);
    if (!set) {
      set = new Set();
      this.#byKey.set(key, set);
    }
    set.add(running);
    const forget = () => {
      set.delete(running);
      if (set.size === 0 && this.#byKey.get(key) === set) this.#byKey.delete(key);
    };
    running.then(forget, forget);
    return running;
  }

  /** Resolves once the session's work that started before this call has settled, however it ended. */
  async settled(scope: Scope): Promise<void> {
    const set = this.#byKey.get(sessionKeyOf(scope));
    if (set) await Promise.allSettled([...set]);
  }
}
