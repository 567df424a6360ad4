import type { StreamChunk, StreamEvent } from '../../protocol/index.ts';
import type { StreamRegistry, StreamState } from '../stream-registry.ts';

interface Log {
  events: StreamEvent[];
  closed: boolean;
  /** Resolvers of subscribers waiting for the next event or the close. */
  waiters: Set<() => void>;
  expiry?: NodeJS.Timeout;
}

export interface MemoryStreamRegistryOptions {
  /** The most events one stream keeps; appends beyond it fail, so a runaway turn cannot eat memory. */
  maxEvents?: number;
  /** How long a closed stream stays readable. */
  retainMs?: number;
}

export class MemoryStreamRegistry implements StreamRegistry {
  readonly #logs = new Map<string, Log>();
  readonly #maxEvents: number;
  readonly #retainMs: number;

  constructor(options: MemoryStreamRegistryOptions = {}) {
    this.#maxEvents = options.maxEvents ?? 200_000;
    this.#retainMs = options.retainMs ?? 10 * 60_000;
  }

  async open(streamId: string): Promise<void> {
    if (this.#logs.has(streamId)) throw new Error(`Stream ${streamId} already exists`);
    this.#logs.set(streamId, { events: [], closed: false, waiters: new Set() });
  }

  async append(streamId: string, chunk: StreamChunk): Promise<number> {
    const log = this.#logs.get(streamId);
    if (!log || log.closed) throw new Error(`Stream ${streamId} is not open`);
    if (log.events.length >= this.#maxEvents)
      throw new Error(`Stream ${streamId} exceeded ${this.#maxEvents} events`);
    const id = log.events.length + 1;
    log.events.push({ id, chunk });
    wake(log);
    return id;
  }

  async close(streamId: string): Promise<void> {
    const log = this.#logs.get(streamId);
    if (!log || log.closed) return;
    log.closed = true;
    wake(log);
    log.expiry = setTimeout(() => this.#logs.delete(streamId), this.#retainMs);
    log.expiry.unref();
  }

  async state(streamId: string): Promise<StreamState | null> {
    const log = this.#logs.get(streamId);
    if (!log) return null;
    return log.closed ? 'closed' : 'open';
  }

  async subscribe(options: {
    streamId: string;
    after: number;
    signal?: AbortSignal;
  }): Promise<AsyncIterable<StreamEvent[]> | null> {
    const log = this.#logs.get(options.streamId);
    if (!log) return null;
    return readLog({ log, after: options.after, signal: options.signal });
  }
}

function wake(log: Log): void {
  const waiters = [...log.waiters];
  log.waiters.clear();
  for (const resolve of waiters) resolve();
}

/** The most events handed over in one batch, so one reader never takes a huge slice at once. */
const maxBatch = 512;

async function* readLog(options: {
  log: Log;
  after: number;
  signal?: AbortSignal;
}): AsyncGenerator<StreamEvent[]> {
  const { log, signal } = options;
  // Event ids are 1-based and dense, so the next event to deliver sits at index `cursor`.
  let cursor = Math.max(0, options.after);
  while (!signal?.aborted) {
    while (cursor < log.events.length) {
      const batch = log.events.slice(cursor, cursor + maxBatch);
      cursor += batch.length;
      yield batch;
      if (signal?.aborted) return;
    }
    if (log.closed) return;
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        log.waiters.delete(done);
        resolve();
      };
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      log.waiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
