/** Lets work go on now (`undefined`) or later (the promise), in the order it entered. */
export interface Pacer {
  enter(): Promise<void> | undefined;
}

/**
 * Spreads a burst of work over turns of the event loop. Work that enters while the current turn
 * of the loop has spent less than `sliceMs` since its first entry goes on at once. Past that it
 * waits, in order; on each later turn of the loop, waiters go on one after another until that
 * turn has spent `sliceMs` on them. Between two turns the loop reads and writes its sockets, so
 * a burst of new turns starting no longer holds back the deltas of the turns already streaming
 * for the whole time the burst takes.
 */
export class LoopPacer implements Pacer {
  readonly #sliceMs: number;
  #sliceStart = 0;
  #sliceOpen = false;
  readonly #waiting: (() => void)[] = [];
  #batchStart: number | null = null;
  #scheduled = false;

  constructor(options: { sliceMs: number }) {
    this.#sliceMs = options.sliceMs;
  }

  /** Resolves at once while this turn of the loop has time left, else on a later one. */
  enter(): Promise<void> | undefined {
    if (this.#waiting.length === 0 && this.#hasTimeLeft()) return undefined;
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#schedule();
    });
  }

  #hasTimeLeft(): boolean {
    const now = performance.now();
    if (!this.#sliceOpen) {
      this.#sliceOpen = true;
      this.#sliceStart = now;
      setImmediate(this.#closeSlice);
    }
    return now - this.#sliceStart < this.#sliceMs;
  }

  readonly #closeSlice = (): void => {
    this.#sliceOpen = false;
  };

  /**
   * Queues a batch of immediates for a later turn of the loop. Each lets one waiter go on while
   * the batch's time lasts: microtasks run between two immediates, so each measures the work the
   * waiters before it did, up to their next real wait. A waiter that came in while this turn of
   * the loop still has its own slice running (before the check phase) waits one turn more:
   * otherwise the batch would run right after that slice, with no read of the sockets between.
   */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    if (this.#sliceOpen) setImmediate(this.#queueBatch);
    else this.#queueBatch();
  }

  readonly #queueBatch = (): void => {
    this.#batchStart = null;
    for (let index = 0; index < maxPerTurn - 1; index++) setImmediate(this.#release);
    setImmediate(this.#lastRelease);
  };

  readonly #release = (): void => {
    if (this.#waiting.length === 0) return;
    const now = performance.now();
    // The first of a batch always goes on, whatever the slice.
    if (this.#batchStart === null) this.#batchStart = now;
    else if (now - this.#batchStart >= this.#sliceMs) return;
    this.#waiting.shift()!();
  };

  readonly #lastRelease = (): void => {
    this.#release();
    this.#scheduled = false;
    if (this.#waiting.length > 0) this.#schedule();
  };
}

/** Waiters let go in one turn of the loop at most, however short their work (one immediate each). */
const maxPerTurn = 128;
