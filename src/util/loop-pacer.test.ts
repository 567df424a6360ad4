import { expect, test } from 'vitest';
import { LoopPacer } from './loop-pacer.ts';

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Work that holds the loop, as a turn's start-up does.
  }
}

const nextTurnOfTheLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Counts turns of the event loop: an immediate set from an immediate runs on the next one. */
function countTurnsOfTheLoop(): { readonly count: number; stop(): void } {
  let count = 0;
  let counting = true;
  const tick = () => {
    count++;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get count() {
      return count;
    },
    stop() {
      counting = false;
    },
  };
}

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
  // Wide margins, for a loaded machine: a waiter's work is 60 ms against a 100 ms slice.
  const pacer = new LoopPacer({ sliceMs: 100 });
  const turns = countTurnsOfTheLoop();
  expect(pacer.enter()).toBeUndefined();
  busyFor(110);
  const released: { name: string; turn: number }[] = [];
  const events: string[] = [];
  const entries = ['w1', 'w2', 'w3', 'w4'].map(async (name) => {
    await pacer.enter();
    released.push({ name, turn: turns.count });
    events.push(name);
    // Each waiter's work: the second starts within the slice, the third past it.
    busyFor(60);
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
  turns.stop();
  expect(events.filter((event) => event !== 'timer')).toEqual(['w1', 'w2', 'w3', 'w4', 'late']);
  const turnOf = (name: string) => released.find((entry) => entry.name === name)!.turn;
  expect(turnOf('w2')).toBe(turnOf('w1'));
  expect(turnOf('w3')).toBeGreaterThan(turnOf('w2'));
  expect(turnOf('w4')).toBe(turnOf('w3'));
  expect(events.indexOf('timer')).toBeLessThan(events.indexOf('w3'));
});

test('a burst that comes in while the loop’s own slice runs waits a turn more than the slice', async () => {
  const pacer = new LoopPacer({ sliceMs: 20 });
  const turns = countTurnsOfTheLoop();
  // This turn of the loop spends its slice; the next entry waits.
  expect(pacer.enter()).toBeUndefined();
  busyFor(25);
  const enteredIn = turns.count;
  await pacer.enter();
  turns.stop();
  // Not in this turn's check phase, right after the slice, but after another read of the sockets.
  expect(turns.count).toBeGreaterThanOrEqual(enteredIn + 2);
});

test('a slice of zero still lets one waiter go on per turn of the loop', async () => {
  const pacer = new LoopPacer({ sliceMs: 0 });
  const entries = [pacer.enter(), pacer.enter(), pacer.enter()];
  await Promise.all(entries);
});
