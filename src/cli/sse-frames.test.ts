import { describe, expect, test } from 'vitest';
import { readSseData } from './sse-frames.ts';

const encoder = new TextEncoder();

/** A body that delivers `bytes` in pieces cut at `cuts`, then ends (or never ends, with `endless`). */
function bodyOf(options: {
  bytes: Uint8Array;
  cuts?: number[];
  endless?: boolean;
}): ReadableStream<Uint8Array> {
  const edges = [0, ...(options.cuts ?? []), options.bytes.length];
  const pieces = edges.slice(1).map((end, index) => options.bytes.slice(edges[index], end));
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const piece = pieces.shift();
      if (piece) controller.enqueue(piece);
      else if (!options.endless) controller.close();
      // An endless body never answers this pull, like a connection left open.
      else await new Promise(() => {});
    },
  });
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<unknown[]> {
  const payloads: unknown[] = [];
  for await (const payload of readSseData(body)) payloads.push(payload);
  return payloads;
}

const frames = [
  ': connected\n\n',
  'id: 1\ndata: {"type":"start","messageId":"m1"}\n\n',
  ': heartbeat\n\n',
  'id: 2\ndata: {"type":"text-delta","id":"t","delta":"Grüße 👋 — 你好"}\n\n',
  'id: 3\ndata:{"type":"finish"}\n\n',
  'data: [DONE]\n\n',
].join('');

const expected = [
  { type: 'start', messageId: 'm1' },
  { type: 'text-delta', id: 't', delta: 'Grüße 👋 — 你好' },
  { type: 'finish' },
];

describe('readSseData', () => {
  test('yields the JSON payload of each data frame, skipping comments and id lines', async () => {
    expect(await readAll(bodyOf({ bytes: encoder.encode(frames) }))).toEqual(expected);
  });

  test('gives the same payloads however the bytes are split, even inside a multi-byte character', async () => {
    const bytes = encoder.encode(frames);
    // Every single cut position, which includes each byte of "ü", "👋", "—" and "你好".
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(await readAll(bodyOf({ bytes, cuts: [cut] })), `cut at byte ${cut}`).toEqual(expected);
    }
    const everyByte = Array.from({ length: bytes.length - 1 }, (_, index) => index + 1);
    expect(await readAll(bodyOf({ bytes, cuts: everyByte }))).toEqual(expected);
  });

  test('a payload spread over several data lines is joined with newlines', async () => {
    const body = bodyOf({ bytes: encoder.encode('data: {"type":\ndata: "finish"}\n\ndata: [DONE]\n\n') });

    expect(await readAll(body)).toEqual([{ type: 'finish' }]);
  });

  test('stops at [DONE]: later frames are ignored and an open connection does not hang', async () => {
    const body = bodyOf({
      bytes: encoder.encode('data: {"n":1}\n\ndata: [DONE]\n\ndata: {"n":2}\n\n'),
      endless: true,
    });

    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise((resolve) => {
      timer = setTimeout(() => resolve('still reading after 1 s'), 1_000);
    });
    expect(await Promise.race([readAll(body), hung]).finally(() => clearTimeout(timer))).toEqual([{ n: 1 }]);
  });

  test('a body that ends without [DONE] ends the iteration after its complete frames', async () => {
    const body = bodyOf({ bytes: encoder.encode('data: {"n":1}\n\ndata: {"n":2}') });

    expect(await readAll(body)).toEqual([{ n: 1 }]);
  });
});
