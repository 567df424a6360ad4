import { describe, expect, test } from 'vitest';
import type { Usage } from '../../protocol/index.ts';
import type { SessionStore } from '../session-store.ts';
import { alice, bob } from './conformance-support.ts';

const firstUsage: Usage = {
  inputTokens: 100,
  outputTokens: 20,
  cacheReadTokens: 30,
  cacheWriteTokens: 4,
  costUsd: 0.125,
  costKnown: true,
};
const secondUsage: Usage = {
  inputTokens: 7,
  outputTokens: 3,
  cacheReadTokens: 0,
  cacheWriteTokens: 1,
  costUsd: 0.5,
  costKnown: true,
};

export function describeUsageConformance(getStore: () => SessionStore): void {
  describe('usage', () => {
    test('getSessionUsage sums recorded usage, and is zero without any', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      expect(await store.getSessionUsage(scope)).toEqual({
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0,
        costKnown: true,
      });

      await store.recordUsage({ ...scope, turnId: 'turn-1', model: 'model-a', usage: firstUsage });
      await store.recordUsage({ ...scope, turnId: 'turn-2', model: 'model-b', usage: secondUsage });
      const other = await store.createSession({ ownerId: alice });
      await store.recordUsage({
        ownerId: alice,
        sessionId: other.id,
        turnId: 'turn-3',
        model: 'm',
        usage: firstUsage,
      });

      const total = await store.getSessionUsage(scope);
      expect(total).toMatchObject({
        inputTokens: 107,
        outputTokens: 23,
        cacheReadTokens: 30,
        cacheWriteTokens: 5,
      });
      expect(total.costUsd).toBeCloseTo(0.625, 10);
    });

    test('the cost of a sum is known only if every part of it is', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await store.recordUsage({ ...scope, turnId: 'turn-1', model: 'model-a', usage: firstUsage });
      expect(await store.getSessionUsage(scope)).toMatchObject({ costKnown: true });

      const unpriced: Usage = { ...secondUsage, costUsd: 0, costKnown: false };
      await store.recordUsage({ ...scope, turnId: 'turn-2', model: 'local-model', usage: unpriced });
      expect(await store.getSessionUsage(scope)).toMatchObject({ inputTokens: 107, costKnown: false });
      const since = new Date(Date.now() - 60_000).toISOString();
      expect(await store.getOwnerUsage({ ownerId: alice, since })).toMatchObject({ costKnown: false });
    });

    test("usage of another owner's session is invisible and cannot be recorded", async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await store.recordUsage({ ...scope, turnId: 'turn-1', model: 'model', usage: firstUsage });

      const bobScope = { ownerId: bob, sessionId: session.id };
      expect((await store.getSessionUsage(bobScope)).inputTokens).toBe(0);
      await expect(
        store.recordUsage({ ...bobScope, turnId: 'turn-1', model: 'model', usage: secondUsage }),
      ).rejects.toThrow();
      expect((await store.getSessionUsage(scope)).inputTokens).toBe(100);
    });

    test('getOwnerUsage sums the owner’s usage across sessions since a time, and nobody else’s', async () => {
      const store = getStore();
      const before = new Date(Date.now() - 1_000).toISOString();
      const first = await store.createSession({ ownerId: alice });
      const second = await store.createSession({ ownerId: alice });
      const bobs = await store.createSession({ ownerId: bob });
      await store.recordUsage({
        ownerId: alice,
        sessionId: first.id,
        turnId: 't1',
        model: 'm',
        usage: firstUsage,
      });
      await store.recordUsage({
        ownerId: alice,
        sessionId: second.id,
        turnId: 't2',
        model: 'm',
        usage: firstUsage,
      });
      await store.recordUsage({
        ownerId: bob,
        sessionId: bobs.id,
        turnId: 't3',
        model: 'm',
        usage: secondUsage,
      });
      expect((await store.getOwnerUsage({ ownerId: alice, since: before })).inputTokens).toBe(200);
      expect((await store.getOwnerUsage({ ownerId: bob, since: before })).inputTokens).toBe(
        secondUsage.inputTokens,
      );
      const later = new Date(Date.now() + 60_000).toISOString();
      expect((await store.getOwnerUsage({ ownerId: alice, since: later })).inputTokens).toBe(0);
    });
  });
}
