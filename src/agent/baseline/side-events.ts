/**
 * Events that arise while the step loop waits on a tool (a sub-agent's progress and usage),
 * merged into the loop's own events as they come. Contract: everything pushed before a loop
 * event is ready is yielded before that event, so a sub-agent's progress and usage precede its
 * call's `tool-result`; nothing pushed before the loop ends or throws is lost.
 */
export class SideEvents<T> {
  #queue: T[] = [];
  #wake: (() => void) | null = null;

  push(event: T): void {
    this.#queue.push(event);
    this.#wake?.();
    this.#wake = null;
  }

  async *mergeWith<S>(source: AsyncGenerator<S>): AsyncGenerator<S | T> {
    let finished = false;
    try {
      let pending = source.next();
      while (true) {
        // Its handlers go on at once: a consumer that stops while side events are yielded must not
        // leave the source's failure unhandled.
        const settled = this.#settleOrWake(pending);
        while (this.#queue.length > 0) yield this.#queue.shift()!;
        const next = await settled;
        while (this.#queue.length > 0) yield this.#queue.shift()!;
        // Woken by a push: the source's next event is still on its way.
        if (next === null) continue;
        if ('error' in next) {
          finished = true;
          throw next.error;
        }
        if (next.result.done) {
          finished = true;
          return;
        }
        yield next.result.value;
        pending = source.next();
      }
    } finally {
      if (!finished) await source.return(undefined);
    }
  }

  /**
   * The source's next result, or null as soon as a side event is pushed. One promise per wait:
   * this runs for every event of the step loop (each streamed delta), where a race of two promises
   * and a wrapper for the source's outcome were three, and showed in the server's profile.
   */
  #settleOrWake<S>(pending: Promise<IteratorResult<S>>): Promise<Settled<S> | null> {
    return new Promise((resolve) => {
      this.#wake = () => resolve(null);
      pending.then(
        (result) => resolve({ result }),
        (error: unknown) => resolve({ error }),
      );
    });
  }
}

type Settled<S> = { result: IteratorResult<S> } | { error: unknown };
