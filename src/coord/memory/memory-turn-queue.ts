import type { TurnJob, TurnQueue } from '../turn-queue.ts';

export class MemoryTurnQueue implements TurnQueue {
  readonly #waiting: TurnJob[] = [];
  readonly #running = new Set<Promise<void>>();
  #handler: ((job: TurnJob) => Promise<void>) | null = null;
  #concurrency = 1;
  #closed = false;

  async enqueue(job: TurnJob): Promise<void> {
    if (this.#closed) throw new Error('The turn queue is closed');
    this.#waiting.push(job);
    this.#pump();
  }

  consume(options: { handler: (job: TurnJob) => Promise<void>; concurrency: number }): void {
    this.#handler = options.handler;
    this.#concurrency = Math.max(1, options.concurrency);
    this.#pump();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#running]);
  }

  #pump(): void {
    const handler = this.#handler;
    // Once closed, waiting jobs stay unstarted: close() only waits for the handlers already running.
    while (handler && !this.#closed && this.#running.size < this.#concurrency && this.#waiting.length > 0) {
      const job = this.#waiting.shift()!;
      // Handlers own their errors (they end the turn); a rejection here must not stop the queue.
      const run = Promise.resolve()
        .then(() => handler(job))
        .catch(() => undefined)
        .finally(() => {
          this.#running.delete(run);
          this.#pump();
        });
      this.#running.add(run);
    }
  }
}
