import type { ServerResponse } from 'node:http';

/**
 * For a response sent before the request body was read to its end: the rest of that body would
 * be taken for the next request, so tell Node to send `Connection: close` (the Fetch API hides
 * that header from handlers).
 */
export function closeConnectionAfterResponse(env: unknown): void {
  const outgoing = (env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing) outgoing.shouldKeepAlive = false;
}
