import { afterEach, describe, expect, test } from 'vitest';
import type { TurnJob, TurnQueue } from '../coord/turn-queue.ts';
import { lockKeyOf } from './admit-turn.ts';
import { collect, createTestTurnService } from './turn-service-fixture.ts';

/** A queue whose runner slots are all taken until `open()`: admitted turns wait in it. */
class FullQueue implements TurnQueue {
  readonly #jobs: TurnJob[] = [];
  #handler: ((job: TurnJob) => Promise<void>) | null = null;
  readonly #running: Promise<void>[] = [];
  async enqueue(job: TurnJob): Promise<void> {
    this.#jobs.push(job);
  }
  consume(options: { handler: (job: TurnJob) => Promise<void> }): void {
    this.#handler = options.handler;
  }
  /** A slot frees up: every waiting job starts. */
  async open(): Promise<void> {
    for (const job of this.#jobs.splice(0)) this.#running.push(this.#handler!(job));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  async close(): Promise<void> {
    await Promise.allSettled(this.#running);
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('turns waiting for a runner slot', () => {
  let fixture: Awaited<ReturnType<typeof createTestTurnService>> | undefined;
  afterEach(async () => fixture?.close());

  async function admitOne(lockTtlMs = 60_000) {
    const queue = new FullQueue();
    fixture = await createTestTurnService({ queue, lockTtlMs });
    const session = await fixture.store.createSession({ ownerId: 'u' });
    const scope = { ownerId: 'u', sessionId: session.id };
    const result = await fixture.service.submit({ ...scope, text: 'hello' });
    if (result.kind !== 'stream') throw new Error('expected a turn');
    return { queue, scope, turnId: result.turnId, fixture };
  }

  test('keep their lock past its TTL, are not interrupted by the watchdog, and run once a slot frees up', async () => {
    // Margins are wide so a loaded machine's late timers cannot fail it: three refreshes per TTL.
    const { queue, scope, turnId, fixture } = await admitOne(600);
    await pause(2_000);
    expect(await fixture.service.checkTurns()).toBe(0);
    expect((await fixture.lock.holder(lockKeyOf(scope.sessionId)))?.owner).toBe(turnId);
    await queue.open();
    expect(fixture.runtime.runs).toBe(1);
    expect((await fixture.store.getTurn({ ...scope, turnId }))?.status).toBe('running');
    await fixture.service.cancel(scope);
  });

  test('a cancel ends a waiting turn as stopped, frees the session, and the turn never runs', async () => {
    const { queue, scope, turnId, fixture } = await admitOne();
    const viewer = collect(await fixture.registry.subscribe({ streamId: turnId, after: 0 }));
    expect(await fixture.service.cancel(scope)).toEqual({ cancelled: true, unsent: [] });
    const events = await viewer;
    expect(events.map((event) => event.chunk.type)).toEqual([
      'start',
      'data-system',
      'message-metadata',
      'finish',
    ]);
    expect((await fixture.store.getTurn({ ...scope, turnId }))?.status).toBe('cancelled');
    expect(await fixture.lock.holder(lockKeyOf(scope.sessionId))).toBeNull();
    await queue.open();
    expect(fixture.runtime.runs).toBe(0);
  });

  test('a turn whose lock was lost while it waited is interrupted, not run beside the new holder', async () => {
    const { queue, scope, turnId, fixture } = await admitOne();
    const holder = await fixture.lock.holder(lockKeyOf(scope.sessionId));
    await fixture.lock.release({
      key: lockKeyOf(scope.sessionId),
      owner: turnId,
      fencingToken: holder!.fencingToken,
    });
    await fixture.lock.acquire({ key: lockKeyOf(scope.sessionId), owner: 'another-turn', ttlMs: 60_000 });
    await queue.open();
    expect(fixture.runtime.runs).toBe(0);
    expect((await fixture.store.getTurn({ ...scope, turnId }))?.status).toBe('interrupted');
    expect((await fixture.lock.holder(lockKeyOf(scope.sessionId)))?.owner).toBe('another-turn');
  });
});
