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
      let pending = settle(source.next());
      while (true) {
        yield* this.#drain();
        const next = await Promise.race([pending, this.#pushed()]);
        if (next === null) continue;
        yield* this.#drain();
        if ('error' in next) {
          finished = true;
          throw next.error;
        }
        if (next.result.done) {
          finished = true;
          return;
        }
        yield next.result.value;
        pending = settle(source.next());
      }
    } finally {
      if (!finished) await source.return(undefined);
    }
  }

  *#drain(): Generator<T> {
    while (this.#queue.length > 0) yield this.#queue.shift()!;
  }

  #pushed(): Promise<null> {
    return new Promise((resolve) => {
      this.#wake = () => resolve(null);
    });
  }
}

type Settled<S> = { result: IteratorResult<S> } | { error: unknown };

function settle<S>(next: Promise<IteratorResult<S>>): Promise<Settled<S>> {
  return next.then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
}
