import { describe, expect, test } from 'vitest';
import { InFlightBySession } from './in-flight-by-session.ts';

const alice = { ownerId: 'alice', sessionId: 's1' };
const mallory = { ownerId: 'mallory', sessionId: 's1' };

function held(): {
  promise: Promise<string>;
  resolve: (value: string) => void;
  reject: (error: Error) => void;
} {
  let resolve!: (value: string) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<string>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('InFlightBySession', () => {
  test("settled waits for the session's work that started before it, however it ends", async () => {
    const inFlight = new InFlightBySession();
    const first = held();
    const second = held();
    const running = [inFlight.run(alice, () => first.promise), inFlight.run(alice, () => second.promise)];
    const waiting = inFlight.settled(alice);
    first.reject(new Error('refused'));
    expect(await isSettled(waiting)).toBe(false);
    second.resolve('admitted');
    expect(await isSettled(waiting)).toBe(true);
    await expect(running[0]).rejects.toThrow('refused');
    await expect(running[1]).resolves.toBe('admitted');
  });

  test("another owner's session of the same id, and work started later, are not waited for", async () => {
    const inFlight = new InFlightBySession();
    const alices = held();
    void inFlight.run(alice, () => alices.promise);
    expect(await isSettled(inFlight.settled(mallory))).toBe(true);

    const inFlightLater = new InFlightBySession();
    const early = held();
    void inFlightLater.run(alice, () => early.promise);
    const waiting = inFlightLater.settled(alice);
    const late = held();
    void inFlightLater.run(alice, () => late.promise);
    early.resolve('done');
    expect(await isSettled(waiting)).toBe(true);
    alices.resolve('done');
    late.resolve('done');
  });

  test('a session whose work has all settled has nothing left to wait for', async () => {
    const inFlight = new InFlightBySession();
    await inFlight.run(alice, async () => 'done');
    await inFlight
      .run(alice, async () => {
        throw new Error('refused');
      })
      .catch(() => undefined);
    expect(await isSettled(inFlight.settled(alice))).toBe(true);
  });
});
