import { expect, test } from 'vitest';
import { Slots } from './slots.ts';

const running = () => new AbortController().signal;

test('waits beyond the slots run in order as slots are released; a second release is ignored', async () => {
  const slots = new Slots(1);
  const order: string[] = [];
  const first = await slots.acquire(running());
  const second = slots.acquire(running()).then((release) => {
    order.push('second');
    return release;
  });
  const third = slots.acquire(running()).then((release) => {
    order.push('third');
    return release;
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(order).toEqual([]);
  first();
  first();
  (await second)();
  await third;
  expect(order).toEqual(['second', 'third']);
});

test('a wait that is stopped leaves the line, and the next waiter gets the slot', async () => {
  const slots = new Slots(1);
  const held = await slots.acquire(running());
  const stop = new AbortController();
  const stopped = slots.acquire(stop.signal);
  const next = slots.acquire(running());
  stop.abort(new Error('stopped'));
  await expect(stopped).rejects.toThrow('stopped');
  held();
  const release = await next;
  release();
  // Every slot is free again: one more is taken at once.
  await slots.acquire(running());
});
