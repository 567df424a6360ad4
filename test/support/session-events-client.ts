import { type SessionEvent, sessionEventSchema } from '../../src/protocol/index.ts';
import type { TestServer } from './test-server.ts';

export interface ReceivedEvent {
  event: SessionEvent;
  /** `performance.now()` when its frame was read. */
  at: number;
}

export interface SessionEventsClient {
  received: ReceivedEvent[];
  /** SSE comment lines seen so far. */
  heartbeats(): number;
  /**
   * The first event matching `predicate` among those received from index `since` (default 0) on,
   * waiting for it up to `timeoutMs`.
   */
  waitFor(
    predicate: (event: SessionEvent) => boolean,
    options?: { since?: number; timeoutMs?: number },
  ): Promise<ReceivedEvent>;
  close(): void;
}

/** Opens `GET /api/events` like a browser tab would, and reads it in the background. */
export async function openSessionEvents(server: TestServer, token?: string): Promise<SessionEventsClient> {
  const connection = new AbortController();
  const response = await server.api('/api/events', { token, signal: connection.signal });
  if (response.status !== 200)
    throw new Error(`GET /api/events: ${response.status} ${await response.text()}`);
  if (response.headers.get('content-type') !== 'text/event-stream') {
    throw new Error(`GET /api/events answered ${response.headers.get('content-type')}`);
  }
  const received: ReceivedEvent[] = [];
  let heartbeats = 0;
  let failure: unknown = null;
  /** Waiters re-check on every frame and on failure. */
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const bytes of response.body as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(bytes, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (frame.startsWith(':')) heartbeats += 1;
        else if (frame.startsWith('data: ')) {
          received.push({
            event: sessionEventSchema.parse(JSON.parse(frame.slice(6))),
            at: performance.now(),
          });
          notify();
        } else throw new Error(`Unexpected frame on /api/events: ${frame}`);
      }
    }
  })().catch((error: unknown) => {
    if (connection.signal.aborted) return;
    failure = error;
    notify();
  });

  return {
    received,
    heartbeats: () => heartbeats,
    waitFor(predicate, { since = 0, timeoutMs = 5_000 } = {}) {
      return new Promise<ReceivedEvent>((resolve, reject) => {
        const check = () => {
          const found = received.slice(since).find((entry) => predicate(entry.event));
          if (!found && !failure) return;
          listeners.delete(check);
          clearTimeout(timer);
          if (found) resolve(found);
          else reject(failure);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`No matching event on /api/events; got ${JSON.stringify(received)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    close: () => connection.abort(),
  };
}
