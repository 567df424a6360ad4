/**
 * Calls `listener` once when `signal` aborts, at once if it already has: a listener added to an
 * aborted signal never fires, so a stop that lands before the listener is added would be lost.
 * Returns the function that removes the listener.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal.aborted) {
    listener();
    return () => {};
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}
