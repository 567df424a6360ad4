import type { StreamChunk } from '../../protocol/index.ts';
import { isNearCap, limitsFor, StreamFullError, type StreamLimits, tierOf } from '../stream-capacity.ts';
import type { LoggedEvent, StreamRegistry, StreamState } from '../stream-registry.ts';

/** A kept event: its chunk's JSON text is made once, to count its size, and framed by every viewer. */
interface KeptEvent extends LoggedEvent {
  readonly json: string;
}

interface Log {
  events: KeptEvent[];
  bytes: number;
  /** A text or reasoning delta held back near the cap, so the next one of its part joins it. */
  held: Extract<StreamChunk, { delta: string }> | null;
  closed: boolean;
  /** Resolvers of subscribers waiting for the next event or the close. */
  waiters: Set<() => void>;
  expiry?: NodeJS.Timeout;
}

export interface MemoryStreamRegistryOptions {
  /**
   * The most events one stream keeps, so a runaway turn cannot eat memory. Appends beyond their
   * tier's share fail (StreamFullError); the terminal sequence always fits (see stream-capacity.ts).
   */
  maxEvents?: number;
  /** The most bytes (of chunk JSON) one stream keeps, under the same tiers. */
  maxBytes?: number;
  /** How long a closed stream stays readable. */
  retainMs?: number;
  /**
   * The most bytes (of chunk JSON) all closed streams keep together. Past it the streams closed
   * longest ago are forgotten first, however young: under a steady stream of turns, `retainMs`
   * alone would keep ten minutes of every reply in memory. The newest closed stream always stays.
   */
  maxRetainedBytes?: number;
}

export class MemoryStreamRegistry implements StreamRegistry {
  readonly #logs = new Map<string, Log>();
  readonly #limits: StreamLimits;
  readonly #retainMs: number;
  readonly #maxRetainedBytes: number;
  /** Closed streams still readable, oldest close first, and their bytes together. */
  readonly #retained = new Map<string, Log>();
  #retainedBytes = 0;

  constructor(options: MemoryStreamRegistryOptions = {}) {
    this.#limits = {
      maxEvents: options.maxEvents ?? 200_000,
      maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
    };
    this.#retainMs = options.retainMs ?? 10 * 60_000;
    this.#maxRetainedBytes = options.maxRetainedBytes ?? 64 * 1024 * 1024;
  }

  async open(streamId: string): Promise<void> {
    if (this.#logs.has(streamId)) throw new Error(`Stream ${streamId} already exists`);
    this.#logs.set(streamId, { events: [], bytes: 0, held: null, closed: false, waiters: new Set() });
  }

  async append(streamId: string, chunk: StreamChunk): Promise<number> {
    const log = this.#logs.get(streamId);
    if (!log || log.closed) throw new Error(`Stream ${streamId} is not open`);
    if (chunk.type === 'text-delta' || chunk.type === 'reasoning-delta') {
      const held = log.held;
      if (held && held.type === chunk.type && held.id === chunk.id) {
        log.held = { ...held, delta: held.delta + chunk.delta };
        return log.events.length + 1;
      }
      this.#flushHeld(log);
      if (isNearCap({ events: log.events.length, bytes: log.bytes, limits: this.#limits })) {
        this.#jsonIfRoom({ log, chunk });
        log.held = chunk;
        return log.events.length + 1;
      }
    } else {
      this.#flushHeld(log);
    }
    return push(log, chunk, this.#jsonIfRoom({ log, chunk }));
  }

  /** A held delta becomes an event, unless it no longer fits: then its text is dropped from the stream. */
  #flushHeld(log: Log): void {
    const held = log.held;
    if (!held) return;
    log.held = null;
    try {
      push(log, held, this.#jsonIfRoom({ log, chunk: held }));
    } catch {
      // The stored message keeps the text; the stream shows what fitted.
    }
  }

  /** The chunk's JSON text (its size is what the stream counts); throws if it does not fit. */
  #jsonIfRoom(options: { log: Log; chunk: StreamChunk }): string {
    const { log, chunk } = options;
    const limits = limitsFor({ tier: tierOf(chunk), limits: this.#limits });
    const json = JSON.stringify(chunk);
    if (log.events.length + 1 > limits.maxEvents || log.bytes + json.length > limits.maxBytes) {
      throw new StreamFullError(`Stream is full: no room for a ${chunk.type} chunk`);
    }
    return json;
  }

  async close(streamId: string): Promise<void> {
    const log = this.#logs.get(streamId);
    if (!log || log.closed) return;
    this.#flushHeld(log);
    log.closed = true;
    wake(log);
    log.expiry = setTimeout(() => this.#forget(streamId), this.#retainMs);
    log.expiry.unref();
    this.#retained.set(streamId, log);
    this.#retainedBytes += log.bytes;
    // A reader already subscribed keeps its log and reads it to the end; only new reads miss it.
    for (const oldest of this.#retained.keys()) {
      if (this.#retainedBytes <= this.#maxRetainedBytes || oldest === streamId) break;
      this.#forget(oldest);
    }
  }

  #forget(streamId: string): void {
    const log = this.#retained.get(streamId);
    if (!log) return;
    clearTimeout(log.expiry);
    this.#retained.delete(streamId);
    this.#retainedBytes -= log.bytes;
    this.#logs.delete(streamId);
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
  }): Promise<AsyncIterable<LoggedEvent[]> | null> {
    const log = this.#logs.get(options.streamId);
    if (!log) return null;
    // Past the end, the cursor names another stream's event (an earlier turn's): a full replay
    // gives that reader a whole message, from its `start`, instead of a tail of this one.
    const after = options.after > log.events.length ? 0 : options.after;
    return readLog({ log, after, signal: options.signal });
  }
}

function push(log: Log, chunk: StreamChunk, json: string): number {
  const id = log.events.length + 1;
  log.events.push({ id, chunk, json });
  log.bytes += json.length;
  wake(log);
  return id;
}

function wake(log: Log): void {
  // Called for every appended event: most have no reader waiting (it is still writing the last batch).
  if (log.waiters.size === 0) return;
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
}): AsyncGenerator<LoggedEvent[]> {
  const { log, signal } = options;
  // One abort listener for the whole subscription, not one per wait: a reader waits once per
  // delta it is handed, and adding and removing a listener each time showed in the profile.
  let waiting: (() => void) | null = null;
  const onAbort = () => {
    if (!waiting) return;
    log.waiters.delete(waiting);
    waiting();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
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
        waiting = resolve;
        log.waiters.add(resolve);
      });
      waiting = null;
    }
  } finally {
    if (waiting) log.waiters.delete(waiting);
    signal?.removeEventListener('abort', onAbort);
  }
}
