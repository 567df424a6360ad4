import { expect, test } from 'vitest';
import { LoopPacer } from './loop-pacer.ts';

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Work that holds the loop, as a turn's start-up does.
  }
}

const nextTurnOfTheLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

test('work goes on at once while the turn of the loop has time left, and again on a fresh turn', async () => {
  const pacer = new LoopPacer({ sliceMs: 50 });
  expect(pacer.enter()).toBeUndefined();
  busyFor(5);
  expect(pacer.enter()).toBeUndefined();
  busyFor(60);
  const waiting = pacer.enter();
  expect(waiting).toBeInstanceOf(Promise);
  await waiting;
  await nextTurnOfTheLoop();
  await nextTurnOfTheLoop();
  expect(pacer.enter()).toBeUndefined();
});

test('past the slice, waiters go on in order, a slice’s worth per turn of the loop, with timers run between', async () => {
  const pacer = new LoopPacer({ sliceMs: 5 });
  let turn = 0;
  let counting = true;
  const countTurns = () => {
    turn++;
    if (counting) setImmediate(countTurns);
  };
  setImmediate(countTurns);
  expect(pacer.enter()).toBeUndefined();
  busyFor(6);
  const released: { name: string; turn: number }[] = [];
  const events: string[] = [];
  const entries = ['w1', 'w2', 'w3', 'w4'].map(async (name) => {
    await pacer.enter();
    released.push({ name, turn });
    events.push(name);
    // Each waiter's work: two fit in one slice, a third does not.
    busyFor(3);
  });
  // A latecomer queues behind them even once a new turn of the loop has begun.
  const late = (async () => {
    await nextTurnOfTheLoop();
    await pacer.enter();
    events.push('late');
  })();
  // Something else the loop has to do, due by its next turn.
  setTimeout(() => events.push('timer'), 0);
  busyFor(2);
  await Promise.all([...entries, late]);
  counting = false;
  expect(events.filter((event) => event !== 'timer')).toEqual(['w1', 'w2', 'w3', 'w4', 'late']);
  const turnOf = (name: string) => released.find((entry) => entry.name === name)!.turn;
  expect(turnOf('w2')).toBe(turnOf('w1'));
  expect(turnOf('w3')).toBeGreaterThan(turnOf('w2'));
  expect(turnOf('w4')).toBe(turnOf('w3'));
  expect(events.indexOf('timer')).toBeLessThan(events.indexOf('w3'));
});
