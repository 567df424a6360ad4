import { describe, expect, test } from 'vitest';
import type { Usage } from '../../protocol/index.ts';
import type { SessionStore } from '../session-store.ts';
import { alice, bob, buildTurn } from './conformance-support.ts';

const firstUsage: Usage = {
  inputTokens: 100,
  outputTokens: 20,
  cacheReadTokens: 30,
  cacheWriteTokens: 4,
  costUsd: 0.125,
};
const secondUsage: Usage = {
  inputTokens: 7,
  outputTokens: 3,
  cacheReadTokens: 0,
  cacheWriteTokens: 1,
  costUsd: 0.5,
};

export function describeTurnConformance(getStore: () => SessionStore): void {
  describe('turns', () => {
    test('createTurn stores a running turn that getTurn returns, for its owner only', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      const turn = await store.createTurn(
        buildTurn({ id: 'turn-1', ...scope, clientMessageId: 'client-1', fencingToken: 2 ** 40 }),
      );

      expect(turn).toEqual({
        id: 'turn-1',
        sessionId: session.id,
        ownerId: alice,
        status: 'running',
        messageId: 'turn-1-assistant',
        clientMessageId: 'client-1',
        userMessageId: 'turn-1-user',
        errorCode: null,
        fencingToken: 2 ** 40,
        startedAt: expect.stringMatching(/Z$/),
        endedAt: null,
      });
      expect(await store.getTurn({ ...scope, turnId: 'turn-1' })).toEqual(turn);
      expect(await store.getTurn({ ownerId: bob, sessionId: session.id, turnId: 'turn-1' })).toBeNull();
      expect(await store.getTurn({ ...scope, turnId: 'missing' })).toBeNull();
    });

    test("createTurn refuses another owner's session", async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      await expect(
        store.createTurn(buildTurn({ id: 'turn-1', ownerId: bob, sessionId: session.id })),
      ).rejects.toThrow();
      expect(await store.listRunningTurns()).toEqual([]);
    });

    test('session status is running while a turn runs', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      expect(await store.getActiveTurn(scope)).toBeNull();

      const turn = await store.createTurn(buildTurn({ id: 'turn-1', ...scope }));
      expect((await store.getSession(scope))?.status).toBe('running');
      expect((await store.listSessions({ ownerId: alice, limit: 5 })).sessions[0]?.status).toBe('running');
      expect(await store.getActiveTurn(scope)).toEqual(turn);
      expect(await store.getActiveTurn({ ownerId: bob, sessionId: session.id })).toBeNull();

      await store.endTurn({ turnId: 'turn-1', status: 'completed' });
      expect((await store.getSession(scope))?.status).toBe('idle');
      expect((await store.listSessions({ ownerId: alice, limit: 5 })).sessions[0]?.status).toBe('idle');
      expect(await store.getActiveTurn(scope)).toBeNull();
    });

    test('endTurn is a compare-and-set from running', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await store.createTurn(buildTurn({ id: 'turn-1', ...scope }));

      expect(await store.endTurn({ turnId: 'turn-1', status: 'failed', errorCode: 'model_error' })).toBe(
        true,
      );
      expect(await store.endTurn({ turnId: 'turn-1', status: 'completed' })).toBe(false);
      const ended = await store.getTurn({ ...scope, turnId: 'turn-1' });
      expect(ended).toMatchObject({
        status: 'failed',
        errorCode: 'model_error',
        endedAt: expect.stringMatching(/Z$/),
      });
      expect(await store.endTurn({ turnId: 'missing', status: 'cancelled' })).toBe(false);

      await store.createTurn(buildTurn({ id: 'turn-2', ...scope }));
      const racing = await Promise.all([
        store.endTurn({ turnId: 'turn-2', status: 'cancelled' }),
        store.endTurn({ turnId: 'turn-2', status: 'interrupted' }),
      ]);
      expect(racing.filter(Boolean)).toHaveLength(1);
      const winner = racing[0] ? 'cancelled' : 'interrupted';
      expect((await store.getTurn({ ...scope, turnId: 'turn-2' }))?.status).toBe(winner);
    });

    test('findTurnByClientMessageId finds the turn of an idempotency key in its session', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const other = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await store.createTurn(buildTurn({ id: 'turn-1', ...scope, clientMessageId: 'key' }));
      await store.createTurn(buildTurn({ id: 'turn-2', ...scope }));
      await store.createTurn(buildTurn({ id: 'turn-3', ...scope }));
      await store.createTurn(
        buildTurn({ id: 'turn-4', ownerId: alice, sessionId: other.id, clientMessageId: 'key' }),
      );

      expect((await store.findTurnByClientMessageId({ ...scope, clientMessageId: 'key' }))?.id).toBe(
        'turn-1',
      );
      expect(
        (
          await store.findTurnByClientMessageId({
            ownerId: alice,
            sessionId: other.id,
            clientMessageId: 'key',
          })
        )?.id,
      ).toBe('turn-4');
      expect(await store.findTurnByClientMessageId({ ...scope, clientMessageId: 'other' })).toBeNull();
      expect(
        await store.findTurnByClientMessageId({
          ownerId: bob,
          sessionId: session.id,
          clientMessageId: 'key',
        }),
      ).toBeNull();
      await expect(
        store.createTurn(buildTurn({ id: 'turn-5', ...scope, clientMessageId: 'key' })),
      ).rejects.toThrow();
    });

    test('listRunningTurns lists running turns of every owner', async () => {
      const store = getStore();
      const aliceSession = await store.createSession({ ownerId: alice });
      const bobSession = await store.createSession({ ownerId: bob });
      await store.createTurn(buildTurn({ id: 'alice-turn', ownerId: alice, sessionId: aliceSession.id }));
      await store.createTurn(buildTurn({ id: 'bob-turn', ownerId: bob, sessionId: bobSession.id }));
      await store.createTurn(buildTurn({ id: 'ended-turn', ownerId: bob, sessionId: bobSession.id }));
      await store.endTurn({ turnId: 'ended-turn', status: 'completed' });

      const running = await store.listRunningTurns();
      expect(running.map((turn) => turn.id).sort()).toEqual(['alice-turn', 'bob-turn']);
      expect(running.every((turn) => turn.status === 'running')).toBe(true);
    });
  });

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
  });
}
