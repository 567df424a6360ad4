import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Lock } from '../lock.ts';

export type LockFactory = () => Promise<{
  lock: Lock;
  /** For implementations on a fake clock: moves it forward. Real sleeps happen either way. */
  advance?: (ms: number) => void;
  cleanup: () => Promise<void>;
}>;

/**
 * The behaviour every Lock must have. TTLs are real and short (tens of milliseconds) so the
 * suite runs unchanged against a shared backend such as Redis; keys are unique per test.
 */
export function describeLockConformance(name: string, makeLock: LockFactory): void {
  describe(`Lock conformance: ${name}`, () => {
    let current: Awaited<ReturnType<LockFactory>> | undefined;
    let keyPrefix = '';

    beforeEach(async () => {
      current = await makeLock();
      keyPrefix = `lock-conformance:${Date.now()}:${Math.random().toString(36).slice(2)}`;
    });

    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    const getLock = (): Lock => {
      if (!current) throw new Error('The lock is only available inside a test.');
      return current.lock;
    };
    const key = (name: string): string => `${keyPrefix}:${name}`;
    /** Lets `ms` pass on both the real clock and the implementation's clock. */
    const elapse = async (ms: number): Promise<void> => {
      current?.advance?.(ms);
      await new Promise((resolve) => setTimeout(resolve, ms));
    };

    test('acquire returns a lease naming the key, the owner and a fencing token', async () => {
      const lock = getLock();
      const lease = await lock.acquire({ key: key('a'), owner: 'worker-1', ttlMs: 5_000 });

      expect(lease).toEqual({ key: key('a'), owner: 'worker-1', fencingToken: expect.any(Number) });
      expect(await lock.holder(key('a'))).toEqual({ owner: 'worker-1', fencingToken: lease!.fencingToken });
    });

    test('a held key cannot be acquired by another owner', async () => {
      const lock = getLock();
      const lease = await lock.acquire({ key: key('a'), owner: 'worker-1', ttlMs: 5_000 });

      expect(await lock.acquire({ key: key('a'), owner: 'worker-2', ttlMs: 5_000 })).toBeNull();
      expect(await lock.holder(key('a'))).toEqual({ owner: 'worker-1', fencingToken: lease!.fencingToken });
    });

    test('different keys are independent', async () => {
      const lock = getLock();
      await lock.acquire({ key: key('a'), owner: 'worker-1', ttlMs: 5_000 });

      const other = await lock.acquire({ key: key('b'), owner: 'worker-2', ttlMs: 5_000 });
      expect(other).toMatchObject({ key: key('b'), owner: 'worker-2' });
      expect(await lock.holder(key('b'))).toMatchObject({ owner: 'worker-2' });
    });

    test('an unheld key has no holder', async () => {
      expect(await getLock().holder(key('never'))).toBeNull();
    });

    test('fencing tokens strictly increase across acquisitions of the same key', async () => {
      const lock = getLock();
      const tokens: number[] = [];
      for (const owner of ['worker-1', 'worker-2', 'worker-1']) {
        const lease = await lock.acquire({ key: key('a'), owner, ttlMs: 5_000 });
        expect(lease).not.toBeNull();
        tokens.push(lease!.fencingToken);
        expect(await lock.release(lease!)).toBe(true);
      }
      // A takeover after expiry also gets a larger token than the holder it replaces.
      const expiring = await lock.acquire({ key: key('a'), owner: 'worker-3', ttlMs: 40 });
      tokens.push(expiring!.fencingToken);
      await elapse(80);
      const takeover = await lock.acquire({ key: key('a'), owner: 'worker-4', ttlMs: 5_000 });
      tokens.push(takeover!.fencingToken);

      for (let index = 1; index < tokens.length; index++) {
        expect(tokens[index]).toBeGreaterThan(tokens[index - 1]!);
      }
    });

    test('release frees the key, returns true once and false after (idempotent)', async () => {
      const lock = getLock();
      const lease = await lock.acquire({ key: key('a'), owner: 'worker-1', ttlMs: 5_000 });

      expect(await lock.release(lease!)).toBe(true);
      expect(await lock.holder(key('a'))).toBeNull();
      expect(await lock.release(lease!)).toBe(false);
      expect(await lock.acquire({ key: key('a'), owner: 'worker-2', ttlMs: 5_000 })).toMatchObject({
        owner: 'worker-2',
      });
    });

    test('only the current lease can release: a lease with another fencing token is refused', async () => {
      const lock = getLock();
      const lease = await lock.acquire({ key: key('a'), owner: 'worker-1', ttlMs: 5_000 });
      const forged = { ...lease!, owner: 'worker-2', fencingToken: lease!.fencingToken + 1 };

      expect(await lock.release(forged)).toBe(false);
      expect(await lock.refresh({ lease: forged, ttlMs: 5_000 })).toBe(false);
      expect(await lock.holder(key('a'))).toEqual({ owner: 'worker-1', fencingToken: lease!.fencingToken });
    });

    test('a stale lease cannot refresh or release once someone else took the key', async () => {
      const lock = getLock();
      const stale = await lock.acquire({ key: key('a'), owner: 'worker-1', ttlMs: 40 });
      await elapse(80);
      const fresh = await lock.acquire({ key: key('a'), owner: 'worker-2', ttlMs: 5_000 });
      expect(fresh).not.toBeNull();

      expect(await lock.refresh({ lease: stale!, ttlMs: 5_000 })).toBe(false);
      expect(await lock.release(stale!)).toBe(false);
      expect(await lock.holder(key('a'))).toEqual({ owner: 'worker-2', fencingToken: fresh!.fencingToken });
      expect(await lock.refresh({ lease: fresh!, ttlMs: 5_000 })).toBe(true);
    });

    test('an expired lease cannot be refreshed back to life', async () => {
      const lock = getLock();
      const lease = await lock.acquire({ key: key('a'), owner: 'worker-1', ttlMs: 40 });
      await elapse(80);

      expect(await lock.refresh({ lease: lease!, ttlMs: 5_000 })).toBe(false);
      expect(await lock.holder(key('a'))).toBeNull();
    });

    test('refresh extends the TTL beyond the original expiry', async () => {
      const lock = getLock();
      const lease = await lock.acquire({ key: key('a'), owner: 'worker-1', ttlMs: 100 });
      await elapse(50);
      expect(await lock.refresh({ lease: lease!, ttlMs: 150 })).toBe(true);
      // Past the original 100 ms, well before the refreshed expiry.
      await elapse(80);

      expect(await lock.holder(key('a'))).toEqual({ owner: 'worker-1', fencingToken: lease!.fencingToken });
      expect(await lock.acquire({ key: key('a'), owner: 'worker-2', ttlMs: 5_000 })).toBeNull();
    });

    test('expiry frees the key for another owner', async () => {
      const lock = getLock();
      await lock.acquire({ key: key('a'), owner: 'worker-1', ttlMs: 50 });
      expect(await lock.acquire({ key: key('a'), owner: 'worker-2', ttlMs: 5_000 })).toBeNull();
      await elapse(100);

      expect(await lock.holder(key('a'))).toBeNull();
      expect(await lock.acquire({ key: key('a'), owner: 'worker-2', ttlMs: 5_000 })).toMatchObject({
        owner: 'worker-2',
      });
    });

    test('twenty owners acquiring the same key at once yield exactly one winner', async () => {
      const lock = getLock();
      const owners = Array.from({ length: 20 }, (_, index) => `worker-${index}`);
      const leases = await Promise.all(
        owners.map((owner) => lock.acquire({ key: key('contended'), owner, ttlMs: 5_000 })),
      );

      const winners = leases.filter((lease) => lease !== null);
      expect(winners).toHaveLength(1);
      expect(await lock.holder(key('contended'))).toEqual({
        owner: winners[0]!.owner,
        fencingToken: winners[0]!.fencingToken,
      });
    });
  });
}
