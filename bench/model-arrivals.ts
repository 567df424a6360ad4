/**
 * When the fake model received the latest timed request. The fake runs in this process, so its
 * `performance.now()` shares the clock of the client timings, and the gap splits a turn into
 * the part before the model call and the part after it.
 */
export class ModelArrivals {
  #latest: number | undefined;

  mark(): void {
    this.#latest = performance.now();
  }

  /** Returns and clears the latest arrival; throws if there was none, so no sample borrows a stale one. */
  take(): number {
    const latest = this.#latest;
    if (latest === undefined) throw new Error('the fake received no timed request');
    this.#latest = undefined;
    return latest;
  }
}
