import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { TurnJob, TurnQueue } from '../turn-queue.ts';

export type TurnQueueFactory = () => Promise<{ queue: TurnQueue; cleanup: () => Promise<void> }>;

const settleMs = 30;
/** Long enough for any backend, short enough that a lost job fails the test instead of timing it out. */
const deadlineMs = 2_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, label: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > deadlineMs) throw new Error(`Timed out waiting for ${label}`);
    await sleep(2);
  }
}

/** Whether `promise` is still pending after the event loop has had a moment to run. */
async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  const winner = await Promise.race([
    promise.then(
      () => null,
      () => null,
    ),
    sleep(settleMs).then(() => pending),
  ]);
  return winner === pending;
}

/** A promise the test resolves by hand: lets a handler run until the test says it is done. */
function createGate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * The behaviour every TurnQueue must have. Turn ids are unique per test so the suite runs
 * unchanged against a shared backend.
 */
export function describeTurnQueueConformance(name: string, makeQueue: TurnQueueFactory): void {
  describe(`TurnQueue conformance: ${name}`, () => {
    let current: Awaited<ReturnType<TurnQueueFactory>> | undefined;
    let prefix = '';

    beforeEach(async () => {
      current = await makeQueue();
      prefix = `turn-queue-conformance:${Date.now()}:${Math.random().toString(36).slice(2)}`;
    });

    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    const getQueue = (): TurnQueue => {
      if (!current) throw new Error('The queue is only available inside a test.');
      return current.queue;
    };
    const job = (index: number): TurnJob => ({
      turnId: `${prefix}:turn-${index}`,
      sessionId: `${prefix}:session-${index}`,
      ownerId: 'alice',
    });
    const jobs = (count: number): TurnJob[] => Array.from({ length: count }, (_, index) => job(index));

    test('every job is delivered exactly once, with its fields', async () => {
      const queue = getQueue();
      const delivered: TurnJob[] = [];
      queue.consume({
        concurrency: 4,
        handler: async (received) => {
          await sleep(1);
          delivered.push(received);
        },
      });
      const sent = jobs(25);
      await Promise.all(sent.map((entry) => queue.enqueue(entry)));

      await waitFor(() => delivered.length >= sent.length, 'every job');
      await sleep(settleMs);
      const byTurnId = (left: TurnJob, right: TurnJob) => left.turnId.localeCompare(right.turnId);
      expect([...delivered].sort(byTurnId)).toEqual([...sent].sort(byTurnId));
    });

    test('at most `concurrency` handlers run at once, and that many do', async () => {
      const queue = getQueue();
      let running = 0;
      let mostAtOnce = 0;
      let finished = 0;
      queue.consume({
        concurrency: 3,
        handler: async () => {
          running++;
          mostAtOnce = Math.max(mostAtOnce, running);
          await sleep(15);
          running--;
          finished++;
        },
      });
      for (const entry of jobs(12)) await queue.enqueue(entry);

      await waitFor(() => finished === 12, 'every job');
      expect(mostAtOnce).toBe(3);
    });

    test('extra jobs wait and start in the order they were enqueued', async () => {
      const queue = getQueue();
      const started: string[] = [];
      const gates = new Map<string, ReturnType<typeof createGate>>();
      const sent = jobs(5);
      for (const entry of sent) gates.set(entry.turnId, createGate());
      queue.consume({
        concurrency: 1,
        handler: async (received) => {
          started.push(received.turnId);
          await gates.get(received.turnId)?.promise;
        },
      });
      for (const entry of sent) await queue.enqueue(entry);

      await waitFor(() => started.length === 1, 'the first job');
      await sleep(settleMs);
      expect(started).toEqual([sent[0]!.turnId]);
      for (const [index, entry] of sent.entries()) {
        gates.get(entry.turnId)!.open();
        if (index + 1 < sent.length) await waitFor(() => started.length === index + 2, `job ${index + 1}`);
      }
      expect(started).toEqual(sent.map((entry) => entry.turnId));
    });

    test('jobs enqueued before consume are delivered once a handler is registered', async () => {
      const queue = getQueue();
      const sent = jobs(3);
      for (const entry of sent) await queue.enqueue(entry);
      await sleep(settleMs);

      const delivered: string[] = [];
      queue.consume({
        concurrency: 2,
        handler: async (received) => {
          delivered.push(received.turnId);
        },
      });

      await waitFor(() => delivered.length >= 3, 'the early jobs');
      expect([...delivered].sort()).toEqual(sent.map((entry) => entry.turnId).sort());
    });

    test('a handler that throws does not stop later jobs', async () => {
      const queue = getQueue();
      const completed: string[] = [];
      const sent = jobs(4);
      queue.consume({
        concurrency: 1,
        handler: async (received) => {
          if (received.turnId === sent[0]!.turnId) throw new Error('the turn failed');
          if (received.turnId === sent[2]!.turnId) return Promise.reject(new Error('rejected'));
          completed.push(received.turnId);
        },
      });
      for (const entry of sent) await queue.enqueue(entry);

      await waitFor(() => completed.length === 2, 'the jobs after the failures');
      expect(completed).toEqual([sent[1]!.turnId, sent[3]!.turnId]);
      // The queue still works afterwards.
      await queue.enqueue(job(99));
      await waitFor(() => completed.includes(job(99).turnId), 'a later job');
    });

    test('close waits for running handlers, starts no waiting job, and refuses new jobs', async () => {
      const queue = getQueue();
      const gate = createGate();
      const started: string[] = [];
      const finished: string[] = [];
      const sent = jobs(3);
      queue.consume({
        concurrency: 1,
        handler: async (received) => {
          started.push(received.turnId);
          await gate.promise;
          await sleep(5);
          finished.push(received.turnId);
        },
      });
      for (const entry of sent) await queue.enqueue(entry);
      await waitFor(() => started.length === 1, 'the first job');

      const closing = queue.close();
      expect(await isPending(closing)).toBe(true);
      gate.open();
      await closing;

      expect(finished).toEqual([sent[0]!.turnId]);
      await sleep(settleMs);
      expect(started).toEqual([sent[0]!.turnId]);
      await expect(queue.enqueue(job(99))).rejects.toThrow();
      await sleep(settleMs);
      expect(started).toEqual([sent[0]!.turnId]);
    });

    test('close with nothing running resolves at once', async () => {
      const queue = getQueue();
      queue.consume({ concurrency: 2, handler: async () => {} });

      expect(await isPending(queue.close())).toBe(false);
    });
  });
}
