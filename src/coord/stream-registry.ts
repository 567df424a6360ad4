import type { StreamChunk, StreamEvent } from '../protocol/index.ts';

export type StreamState = 'open' | 'closed';

/**
 * An event as a registry hands it out. `json` is the chunk's JSON text when the registry already
 * has it (the memory one makes it once, to count the stream's bytes): viewers frame that text
 * instead of serialising every delta again.
 */
export interface LoggedEvent extends StreamEvent {
  readonly json?: string;
}

/**
 * The event log of each turn's stream. Producers append numbered events; any number of
 * subscribers read them from any cursor, live, independently of each other.
 */
export interface StreamRegistry {
  /** Starts an empty log. Opening an existing id is an error. */
  open(streamId: string): Promise<void>;
  /**
   * Appends one chunk and returns its event id (1, 2, 3… within the stream). Bounded in events
   * and bytes: a chunk beyond its tier's room fails with StreamFullError, and the terminal
   * sequence always fits (stream-capacity.ts). Near the cap, adjacent deltas of one part may be
   * merged into one event (the text is unchanged).
   */
  append(streamId: string, chunk: StreamChunk): Promise<number>;
  /** Marks the log complete; subscribers finish after the last event. Idempotent. */
  close(streamId: string): Promise<void>;
  state(streamId: string): Promise<StreamState | null>;
  /**
   * Events with id > `after` (0 for a full replay), in order, in batches of whatever is available
   * (never empty), live until the stream is closed or `signal` aborts. An `after` past the last
   * event is another stream's id (an earlier turn's), and replays this one in full.
   * Returns null for an unknown or expired stream.
   */
  subscribe(options: {
    streamId: string;
    after: number;
    signal?: AbortSignal;
  }): Promise<AsyncIterable<LoggedEvent[]> | null>;
}
