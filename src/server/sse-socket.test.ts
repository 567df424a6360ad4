import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, test } from 'vitest';
import type { StreamEvent } from '../protocol/index.ts';
import { writeSseToSocket } from './sse-socket.ts';

/** One batch is this many events of this many characters: about 64 KiB a batch. */
const eventsPerBatch = 16;
const deltaChars = 4096;

let server: Server | undefined;
let client: Socket | undefined;

afterEach(async () => {
  client?.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  client = undefined;
});

/** An endless turn: every batch is made only when the writer asks for it, one event-loop turn later. */
function endlessEvents(counter: { batches: number; ended: boolean }): AsyncIterable<StreamEvent[]> {
  let id = 0;
  return {
    [Symbol.asyncIterator]: () => ({
      async next() {
        await new Promise((resolve) => setImmediate(resolve));
        counter.batches += 1;
        const batch = Array.from({ length: eventsPerBatch }, (): StreamEvent => {
          id += 1;
          return { id, chunk: { type: 'text-delta', id: 't', delta: 'x'.repeat(deltaChars) } };
        });
        return { done: false, value: batch };
      },
      async return() {
        counter.ended = true;
        return { done: true, value: undefined };
      },
    }),
  };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}

test('a reader that stops reading makes the writer wait: what it takes from the turn stays bounded', async () => {
  const counter = { batches: 0, ended: false };
  const subscription = new AbortController();
  let waitingForDrain = () => false;
  server = createServer((_request, response) => {
    waitingForDrain = () => response.writableNeedDrain;
    void writeSseToSocket({
      outgoing: response,
      headers: { 'content-type': 'text/event-stream' },
      events: endlessEvents(counter),
      subscription,
      heartbeatMs: 60_000,
      format: (event) => `id: ${event.id}\ndata: ${JSON.stringify(event.chunk)}\n\n`,
      end: 'data: [DONE]\n\n',
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  // A client that sends its request and then reads nothing: the kernel buffers fill, then Node's.
  client = connect(port, '127.0.0.1');
  client.pause();
  client.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');

  await until(() => waitingForDrain());
  const taken = counter.batches;
  // The turn could produce without end; the writer must not ask for more while the socket is full.
  await sleep(300);
  expect(counter.batches).toBe(taken);
  const maxBufferedBytes = 32 * 1024 * 1024;
  expect(taken * eventsPerBatch * deltaChars).toBeLessThan(maxBufferedBytes);

  // Reading again lets it go on, in order.
  let text = '';
  client.setEncoding('utf8');
  client.on('data', (data: string) => {
    text += data;
  });
  client.resume();
  await until(() => counter.batches > taken + 2);
  const ids = Array.from(text.matchAll(/^id: (\d+)$/gm), (match) => Number(match[1]));
  expect(ids.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
  expect(ids.every((id, index) => id === index + 1)).toBe(true);

  // A client that goes away ends its subscription, and the writer stops reading the turn.
  client.destroy();
  await until(() => subscription.signal.aborted && counter.ended);
});
