import { expect, test } from 'vitest';
import { readServerSentEvents } from './server-sent-events.ts';

async function dataOf(chunks: string[]): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const events: string[] = [];
  for await (const data of readServerSentEvents(source())) events.push(data);
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
