import { StreamFullError } from '../coord/stream-capacity.ts';
import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { StreamChunk } from '../protocol/index.ts';
import type { Logger } from '../util/logger.ts';
import { ShownParts } from './shown-parts.ts';

/**
 * Appends a turn's chunks to its stream in order. One drain loop takes the queued chunks, so a
 * delta costs one awaited append, not a link in a promise chain (three promises and their
 * microtasks per chunk, a visible share of the server's CPU under load). One failed append (a
 * registry outage, a runaway turn's full stream) does not stop the others: the terminal chunks
 * still have to be tried.
 */
export class ChunkPublisher {
  readonly #registry: StreamRegistry;
  readonly #streamId: string;
  readonly #logger: Logger;
  readonly #shown = new ShownParts();
  #queue: StreamChunk[] = [];
  #draining = false;
  #drained: Promise<void> = Promise.resolve();

  constructor(options: { registry: StreamRegistry; streamId: string; logger: Logger }) {
    this.#registry = options.registry;
    this.#streamId = options.streamId;
    this.#logger = options.logger;
  }

  publish(chunk: StreamChunk): void {
    this.#queue.push(chunk);
    if (this.#draining) return;
    this.#draining = true;
    this.#drained = this.#drain();
  }

  /** Resolves once every chunk published so far has been appended (or refused). */
  flush(): Promise<void> {
    return this.#drained;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        for (const chunk of batch) await this.#append(chunk);
      }
    } finally {
      this.#draining = false;
    }
  }

  async #append(chunk: StreamChunk): Promise<void> {
    if (this.#shown.hides(chunk)) return;
    try {
      await this.#registry.append(this.#streamId, chunk);
    } catch (error) {
      if (error instanceof StreamFullError) {
        // Its part never reached the client, so neither may the chunks that continue or close it.
        this.#shown.refused(chunk);
        this.#logger.warn({ chunk: chunk.type }, 'the stream is full; chunk not shown');
        return;
      }
      this.#logger.error({ err: error, chunk: chunk.type }, 'publishing a chunk failed');
    }
  }
}
