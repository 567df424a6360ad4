import { expect, test } from 'vitest';
import { TurnToolCallIds } from './turn-tool-call-ids.ts';

test('an id keeps its announcement through its call; a repeat in a later step, or an empty id, gets a new one', () => {
  const ids = new TurnToolCallIds();
  ids.startStep();
  expect(ids.announce('x:0')).toBe('x:0');
  expect(ids.call('x:0')).toBe('x:0');
  ids.startStep();
  const repeat = ids.announce('x:0');
  expect(repeat).toMatch(/^call_/);
  expect(ids.call('x:0')).toBe(repeat);
  // A call never announced, and an empty id.
  expect(ids.call('y')).toBe('y');
  const empty = ids.call('');
  expect(empty).toMatch(/^call_/);
  expect(new Set([repeat, empty]).size).toBe(2);
});
