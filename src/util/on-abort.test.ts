import { expect, test } from 'vitest';
import { onAbort } from './on-abort.ts';

test('a listener on a signal that has already aborted runs at once', () => {
  const controller = new AbortController();
  controller.abort();
  let calls = 0;
  onAbort(controller.signal, () => calls++);
  expect(calls).toBe(1);
});

test('a listener runs once on abort, and not at all once removed', () => {
  const first = new AbortController();
  let calls = 0;
  onAbort(first.signal, () => calls++);
  first.abort();
  first.abort();
  expect(calls).toBe(1);

  const second = new AbortController();
  const stop = onAbort(second.signal, () => calls++);
  stop();
  second.abort();
  expect(calls).toBe(1);
});
