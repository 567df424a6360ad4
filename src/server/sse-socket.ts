import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { LoggedEvent } from '../coord/stream-registry.ts';

/**
 * Writes a turn's SSE straight to the Node response, without a web ReadableStream per viewer:
 * under load the web-stream machinery (a pull, a reader promise and a Uint8Array per batch) was
 * the largest share of the server's CPU after the model client. Each batch is one write; the
 * socket's backpressure paces the reads, so a long replay to a slow client is never buffered
 * whole. A client that goes away only ends its own subscription: the turn runs on.
 */
export async function writeSseToSocket(options: {
  outgoing: ServerResponse;
  headers: Record<string, string>;
  events: AsyncIterable<LoggedEvent[]>;
  subscription: AbortController;
  heartbeatMs: number;
  format: (event: LoggedEvent) => string;
  end: string;
}): Promise<void> {
  const { outgoing, subscription, heartbeatMs } = options;
  const iterator = options.events[Symbol.asyncIterator]();
  if (outgoing.destroyed) {
    subscription.abort();
    void iterator.return?.();
    return;
  }
  // A heartbeat goes out after `heartbeatMs` with nothing else sent. One timer per viewer checks the
  // time of the last write, rather than a timer cleared and set again on every write.
  let lastWriteAt = performance.now();
  let heartbeat: NodeJS.Timeout | undefined;
  const beatIfIdle = () => {
    if (outgoing.writableEnded || outgoing.destroyed) return;
    const idleMs = performance.now() - lastWriteAt;
    if (idleMs < heartbeatMs) {
      heartbeat = setTimeout(beatIfIdle, Math.ceil(heartbeatMs - idleMs));
      return;
    }
    outgoing.write(': heartbeat\n\n');
    lastWriteAt = performance.now();
    heartbeat = setTimeout(beatIfIdle, heartbeatMs);
  };
  // The batches written in one tick leave as one socket write: under load about half of a viewer's
  // batches came in the same tick as another (a turn's deltas arriving together), each one a
  // `writev` of its own. The socket itself is corked, as the response lets go of it when it ends.
  let corked: Socket | null = null;
  const uncork = () => {
    corked?.uncork();
    corked = null;
  };
  const corkUntil = (release: (then: () => void) => void) => {
    if (corked) return;
    corked = outgoing.socket;
    corked?.cork();
    release(uncork);
  };
  const onClose = () => {
    clearTimeout(heartbeat);
    subscription.abort();
    void iterator.return?.();
  };
  outgoing.once('close', onClose);
  // The head goes out corked too, with what is ready by the loop's check phase (a new turn's
  // `start` is), in one socket write. Not sooner: a new turn's model request, sent in the same
  // tick, leaves at the check phase too (undici checks an idle keep-alive socket first), and a
  // write that wakes the client, when it went first, delayed the first token (BENCHMARKS.md).
  corkUntil(setImmediate);
  outgoing.writeHead(200, options.headers);
  outgoing.flushHeaders();
  heartbeat = setTimeout(beatIfIdle, heartbeatMs);
  try {
    while (!subscription.signal.aborted) {
      const next = await iterator.next();
      if (next.done) break;
      if (outgoing.destroyed) return;
      let text = '';
      for (const event of next.value) text += options.format(event);
      lastWriteAt = performance.now();
      corkUntil(process.nextTick);
      if (!outgoing.write(text)) {
        // The client is behind: read the next batch once it has taken this one (or has gone).
        await drained(outgoing);
      }
    }
    clearTimeout(heartbeat);
    if (!subscription.signal.aborted && !outgoing.destroyed) outgoing.end(options.end);
  } catch {
    // The subscription failed mid-stream: cut the response, so the client sees it and resumes.
    clearTimeout(heartbeat);
    outgoing.destroy();
  } finally {
    outgoing.off('close', onClose);
  }
}

function drained(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off('drain', done);
      outgoing.off('close', done);
      resolve();
    };
    outgoing.on('drain', done);
    outgoing.on('close', done);
  });
}
