import type { ModelStreamPart } from '../language-model.ts';

/** A model client's mapping of its stream events to provider stream parts, one event at a time. */
export interface EventPartReader {
  /** Adds the parts one event's `data` completes; false once the stream has no more to say (an error). */
  read(data: string, parts: ModelStreamPart[]): boolean;
  /** Adds the parts that follow the last event (the finish), or throws if the stream was cut. */
  end(parts: ModelStreamPart[]): void;
  /**
   * Whether the stream has sent its last event (`message_stop`, `[DONE]`). Nothing after the read
   * that brought it is waited for: a server that keeps the response open after its answer does
   * not hold the step until the connection times out.
   */
  readonly complete: boolean;
}

/**
 * Provider stream parts from server-sent events that arrive in batches, one batch per network
 * read. The parts of one batch are yielded together, after the whole batch is mapped (or up to
 * an event that fails it); nothing waits for a later read. The finish follows the read that
 * completes the answer, or the end of the body.
 */
export async function* partsOfEventBatches(options: {
  batches: AsyncIterable<string[]>;
  reader: EventPartReader;
}): AsyncGenerator<ModelStreamPart> {
  const { reader } = options;
  const parts: ModelStreamPart[] = [];
  for await (const batch of options.batches) {
    let open = true;
    let failure: { error: unknown } | undefined;
    try {
      for (const data of batch) {
        open = reader.read(data, parts);
        if (!open) break;
      }
    } catch (error) {
      // A malformed event fails the stream after what came before it in the same read.
      failure = { error };
    }
    for (const part of parts) yield part;
    if (failure) throw failure.error;
    parts.length = 0;
    if (!open) return;
    if (reader.complete) {
      // What this read gave leaves the server before the step ends: the viewers' sockets are
      // uncorked on the next tick, and a whole answer in one read would otherwise hold its first
      // delta there until the turn behind it is stored.
      await new Promise<void>((resolve) => setImmediate(resolve));
      break;
    }
  }
  reader.end(parts);
  for (const part of parts) yield part;
}

/**
 * Adds a text or reasoning delta to a read's parts. One that directly follows a delta of the same
 * block joins it: under load a read holds several events, and each part costs the server the same
 * downstream (the recorder, the stream registry, a write to every viewer) whatever its length.
 * What arrived together leaves together, so no delta waits. A delta with provider metadata (a
 * reasoning signature) stays on its own.
 */
export function pushDelta(
  parts: ModelStreamPart[],
  delta: Extract<ModelStreamPart, { type: 'text-delta' | 'reasoning-delta' }>,
): void {
  const last = parts[parts.length - 1];
  if (
    last !== undefined &&
    (last.type === 'text-delta' || last.type === 'reasoning-delta') &&
    last.type === delta.type &&
    last.id === delta.id &&
    last.providerMetadata === undefined &&
    delta.providerMetadata === undefined
  ) {
    last.delta += delta.delta;
    return;
  }
  parts.push(delta);
}
