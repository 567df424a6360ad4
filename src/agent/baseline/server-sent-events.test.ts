import { expect, test } from 'vitest';
import { readServerSentEvents } from './server-sent-events.ts';

async function dataOf(chunks: (string | Uint8Array)[]): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const events: string[] = [];
  for await (const batch of readServerSentEvents(source())) events.push(...batch);
  return events;
}

test('events end at a blank line, whatever line endings and chunk boundaries', async () => {
  const stream = 'event: a\ndata: {"n":1}\n\nevent: b\r\ndata: {"n":2}\r\n\r\n: a comment\rdata:{"n":3}\r\r';
  const whole = await dataOf([stream]);
  expect(whole).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
  // Every split point, including between \r and \n, gives the same events.
  for (let at = 1; at < stream.length; at++) {
    expect(await dataOf([stream.slice(0, at), stream.slice(at)])).toEqual(whole);
  }
  expect(await dataOf([...stream])).toEqual(whole);
});

test('data lines of one event are joined; an event without data, or cut off by the end, is not dispatched', async () => {
  expect(await dataOf(['data: one\ndata: two\n\nevent: ping\n\ndata: last\n'])).toEqual(['one\ntwo']);
});

test('a line or event over the cap ends the stream with an error instead of growing without bound', async () => {
  async function* endless(piece: string) {
    for (let i = 0; i < 1000; i++) yield piece;
  }
  const read = async (chunks: AsyncIterable<string>) => {
    for await (const _ of readServerSentEvents(chunks, { maxEventChars: 1000 })) {
      // Nothing is dispatched before the cap.
    }
  };
  // One line that never ends, and one event of many short data lines that never ends.
  await expect(read(endless('x'.repeat(100)))).rejects.toThrow(/larger than 1000 characters/);
  await expect(read(endless('data: xxxxxxxxxxxxxxxxxxxxxx\n'))).rejects.toThrow(
    /larger than 1000 characters/,
  );
  // Under the cap, events still come through.
  expect(await dataOf(['data: ok\n\n'])).toEqual(['ok']);
});

test('a long line across many chunks comes out whole, its line end split from it or not', async () => {
  const value = Array.from({ length: 1000 }, (_, index) => `${index}`.padStart(100, '.')).join('');
  const pieces = (text: string) =>
    Array.from({ length: Math.ceil(text.length / 997) }, (_, i) => text.slice(i * 997, (i + 1) * 997));
  expect(await dataOf(pieces(`data: ${value}\r\n\r\n`))).toEqual([value]);
  expect(await dataOf([...pieces(`data: ${value}\r`), '\n\r', '\n'])).toEqual([value]);
  // An empty read between a `\r` and its `\n` does not end the line twice.
  expect(await dataOf(['data: x\r', '', '\ndata: y\n\n'])).toEqual(['x\ny']);
});

test('bytes are decoded as UTF-8 across reads: a character split between two chunks stays whole', async () => {
  const bytes = Buffer.from('data: {"text":"héllo 😀 日本"}\n\n');
  for (let at = 1; at < bytes.length; at++) {
    expect(await dataOf([bytes.subarray(0, at), bytes.subarray(at)])).toEqual(['{"text":"héllo 😀 日本"}']);
  }
});

test('the events one chunk completes come as one batch; a chunk that completes none yields nothing', async () => {
  async function* source() {
    yield 'data: 1\n\ndata: 2\n\ndata: 3';
    yield '\n';
    yield '\ndata: 4\n\n';
  }
  const batches: string[][] = [];
  for await (const batch of readServerSentEvents(source())) batches.push(batch);
  expect(batches).toEqual([
    ['1', '2'],
    ['3', '4'],
  ]);
});

test('the events a chunk completed before an oversized line or event are handed over before the failure', async () => {
  for (const oversized of [`data: ${'x'.repeat(50)}`, 'data: 0123456789\n'.repeat(3)]) {
    async function* source() {
      yield `data: first\n\n${oversized}`;
    }
    const events: string[] = [];
    let error: unknown;
    try {
      for await (const batch of readServerSentEvents(source(), { maxEventChars: 20 })) events.push(...batch);
    } catch (thrown) {
      error = thrown;
    }
    expect(String(error)).toMatch(/larger than 20 characters/);
    expect(events).toEqual(['first']);
  }
});

test('a stream of small events that never stops fails once it passes its length', async () => {
  async function* source() {
    for (;;) yield 'data: {"delta":"more"}\n\n';
  }
  const events: string[] = [];
  let error: unknown;
  try {
    for await (const batch of readServerSentEvents(source(), { maxStreamChars: 1000 })) events.push(...batch);
  } catch (thrown) {
    error = thrown;
  }
  expect(String(error)).toMatch(/stream longer than 1000 characters/);
  expect(events.length).toBeLessThanOrEqual(1000 / 'data: {"delta":"more"}\n\n'.length);
});
