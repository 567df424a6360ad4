import { describe, expect, test } from 'vitest';
import { DuplicateMessageKeyError, type Scope, type SessionStore } from '../session-store.ts';
import { alice, bob, buildTurn } from './conformance-support.ts';

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

    test("endTurn with usage records it once, with the status, under the turn's own session and owner", async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      const usage = {
        inputTokens: 10,
        outputTokens: 5,
        cacheReadTokens: 2,
        cacheWriteTokens: 1,
        costUsd: 0.25,
        costKnown: true,
      };
      await store.createTurn(buildTurn({ id: 'turn-u', ...scope }));
      const racing = await Promise.all([
        store.endTurn({ turnId: 'turn-u', status: 'completed', usage: { model: 'm', usage } }),
        store.endTurn({ turnId: 'turn-u', status: 'cancelled', usage: { model: 'm', usage } }),
      ]);
      expect(racing.filter(Boolean)).toHaveLength(1);
      // Only the call that ended the turn charged it.
      expect(await store.getTurnUsage({ ...scope, turnIds: ['turn-u'] })).toEqual(
        new Map([['turn-u', usage]]),
      );
      expect(await store.getSessionUsage(scope)).toEqual(usage);
      expect(await store.endTurn({ turnId: 'missing', status: 'failed', usage: { model: 'm', usage } })).toBe(
        false,
      );
      expect(await store.getSessionUsage(scope)).toEqual(usage);
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

  describe('beginTurn', () => {
    /** A session of alice holding user, marker, assistant, marker, marker (seqs 1–5). */
    async function createSessionEndingInMarkers(store: SessionStore): Promise<Scope> {
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      for (const [index, role] of (['user', 'marker', 'assistant', 'marker', 'marker'] as const).entries()) {
        await store.appendMessage({ ...scope, message: { id: `old-${index}`, role, content: role } });
      }
      return scope;
    }

    const startTurn = (options: {
      store: SessionStore;
      scope: Scope;
      id: string;
      clientMessageId?: string;
    }) =>
      options.store.beginTurn({
        ...options.scope,
        turn: {
          id: options.id,
          messageId: `${options.id}-assistant`,
          clientMessageId: options.clientMessageId ?? null,
          fencingToken: 3,
        },
        messages: [
          { id: `${options.id}-first`, role: 'user', content: 'first' },
          { id: `${options.id}-second`, role: 'user', content: 'second' },
        ],
      });

    test('stores the messages with the next seqs and the turn id, and a running turn on the first', async () => {
      const store = getStore();
      const scope = await createSessionEndingInMarkers(store);

      const { turn, messages } = await startTurn({ store, scope, id: 'turn-1', clientMessageId: 'key' });

      expect(messages.map((message) => [message.id, message.role, message.content, message.turnId])).toEqual([
        ['turn-1-first', 'user', 'first', 'turn-1'],
        ['turn-1-second', 'user', 'second', 'turn-1'],
      ]);
      expect(messages[0]!.seq).toBeGreaterThan(3);
      expect(messages[1]!.seq).toBe(messages[0]!.seq + 1);
      expect((await store.listMessages(scope)).slice(-2)).toEqual(messages);
      expect(turn).toEqual({
        id: 'turn-1',
        sessionId: scope.sessionId,
        ownerId: alice,
        status: 'running',
        messageId: 'turn-1-assistant',
        clientMessageId: 'key',
        userMessageId: 'turn-1-first',
        errorCode: null,
        fencingToken: 3,
        startedAt: expect.stringMatching(/Z$/),
        endedAt: null,
      });
      expect(await store.getActiveTurn(scope)).toEqual(turn);
      expect((await store.getSession(scope))?.status).toBe('running');
    });

    test('removes the trailing markers first and keeps earlier ones', async () => {
      const store = getStore();
      const scope = await createSessionEndingInMarkers(store);

      await startTurn({ store, scope, id: 'turn-1' });

      expect((await store.listMessages(scope)).map((message) => message.id)).toEqual([
        'old-0',
        'old-1',
        'old-2',
        'turn-1-first',
        'turn-1-second',
      ]);
    });

    test('stores nothing when the clientMessageId already has a turn in the session', async () => {
      const store = getStore();
      const scope = await createSessionEndingInMarkers(store);
      await startTurn({ store, scope, id: 'turn-1', clientMessageId: 'key' });
      await store.endTurn({ turnId: 'turn-1', status: 'failed' });
      await store.appendMessage({ ...scope, message: { id: 'error', role: 'marker', content: 'failed' } });
      const before = await store.listMessages(scope);

      await expect(startTurn({ store, scope, id: 'turn-2', clientMessageId: 'key' })).rejects.toBeInstanceOf(
        DuplicateMessageKeyError,
      );

      // The trailing marker is back, no user row was added, and no seq was used up.
      expect(await store.listMessages(scope)).toEqual(before);
      expect(await store.getTurn({ ...scope, turnId: 'turn-2' })).toBeNull();
      expect(await store.getActiveTurn(scope)).toBeNull();
      const next = await store.appendMessage({
        ...scope,
        message: { id: 'next', role: 'user', content: '' },
      });
      expect(next.seq).toBe(before.at(-1)!.seq + 1);
    });

    test("refuses another owner's session with not_found and stores nothing", async () => {
      const store = getStore();
      const scope = await createSessionEndingInMarkers(store);
      const before = await store.listMessages(scope);

      await expect(
        startTurn({ store, scope: { ownerId: bob, sessionId: scope.sessionId }, id: 'turn-1' }),
      ).rejects.toMatchObject({ code: 'not_found' });
      await expect(
        startTurn({ store, scope: { ownerId: alice, sessionId: 'missing' }, id: 'turn-2' }),
      ).rejects.toMatchObject({ code: 'not_found' });

      expect(await store.listMessages(scope)).toEqual(before);
      expect(await store.listRunningTurns()).toEqual([]);
    });
  });
}
