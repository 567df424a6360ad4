import type { StreamRegistry } from '../coord/stream-registry.ts';
import { onAbort } from '../util/on-abort.ts';

/** Chunks a turn publishes before the model has said anything. */
const preludeTypes = new Set(['start', 'start-step', 'text-start', 'reasoning-start']);

/**
 * Why the subscription ends, made once: aborting without a reason builds a DOMException with its
 * stack, and this wait ends once for every new chat (1% of a turn's CPU in the load bench's profile).
 */
const waitEnded = new Error('The wait for the first output ended.');

/**
 * Resolves once the turn's stream carries the model's first output (a delta, a tool call, an
 * error or the finish), once it closes, or once `signal` aborts. Background work that must not
 * compete with the first token (the title request) waits on this.
 */
export async function firstOutput(options: {
  registry: StreamRegistry;
  streamId: string;
  signal: AbortSignal;
}): Promise<void> {
  if (options.signal.aborted) return;
  const subscription = new AbortController();
  const stopListening = onAbort(options.signal, () => subscription.abort(waitEnded));
  try {
    const events = await options.registry.subscribe({
      streamId: options.streamId,
      after: 0,
      signal: subscription.signal,
    });
    if (!events) return;
    for await (const batch of events) {
      if (batch.some((event) => !preludeTypes.has(event.chunk.type))) return;
    }
  } finally {
    stopListening();
    subscription.abort(waitEnded);
  }
}
