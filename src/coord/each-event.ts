import type { StreamEvent } from '../protocol/index.ts';

/** A subscription's batches as single events, for readers that take one at a time. */
export async function* eachEvent<Event extends StreamEvent>(
  batches: AsyncIterable<Event[]>,
): AsyncGenerator<Event> {
  for await (const batch of batches) yield* batch;
}
