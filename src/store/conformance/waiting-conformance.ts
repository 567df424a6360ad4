import { describe, expect, test } from 'vitest';
import type { NewWaitingMessage, SessionStore } from '../session-store.ts';
import { alice, bob } from './conformance-support.ts';

const waiting = (key: string, delivery: NewWaitingMessage['delivery'] = 'next-turn'): NewWaitingMessage => ({
  id: `id-${key}`,
  clientMessageId: key,
  delivery,
  text: `text ${key}`,
});

export function describeWaitingConformance(getStore: () => SessionStore): void {
  describe('waiting messages and client message ids', () => {
    async function sessionOf(store: SessionStore) {
      const session = await store.createSession({ ownerId: alice });
      return { ownerId: alice, sessionId: session.id };
    }

    test('waiting messages keep their order, share the first one’s turn, and are bounded', async () => {
      const store = getStore();
      const scope = await sessionOf(store);
      const first = await store.addWaitingMessage({
        ...scope,
        message: waiting('a'),
        newTurnId: 'next-1',
        max: 2,
      });
      const second = await store.addWaitingMessage({
        ...scope,
        message: waiting('b', 'steer'),
        newTurnId: 'next-2',
        max: 2,
      });
      expect(first).toMatchObject({ kind: 'added', message: { turnId: 'next-1', clientMessageId: 'a' } });
      expect(second).toMatchObject({ kind: 'added', message: { turnId: 'next-1', delivery: 'steer' } });
      expect(
        await store.addWaitingMessage({ ...scope, message: waiting('c'), newTurnId: 'x', max: 2 }),
      ).toEqual({
        kind: 'full',
        count: 2,
      });
      const listed = await store.listWaitingMessages(scope);
      expect(listed.map((message) => [message.clientMessageId, message.text, message.claimedBy])).toEqual([
        ['a', 'text a', null],
        ['b', 'text b', null],
      ]);
      expect(await store.listWaitingMessages({ ownerId: bob, sessionId: scope.sessionId })).toEqual([]);
      expect(await store.listSessionsWithWaiting()).toEqual([scope]);
      // Nothing runs, yet messages wait: the session is queued.
      expect((await store.getSession(scope))?.status).toBe('queued');
      expect((await store.listSessions({ ownerId: alice, limit: 5 })).sessions[0]?.status).toBe('queued');
    });

    test('a key already waiting or stored is a duplicate; another owner’s session is not found', async () => {
      const store = getStore();
      const scope = await sessionOf(store);
      await store.addWaitingMessage({ ...scope, message: waiting('a'), newTurnId: 'n', max: 10 });
      await store.appendMessage({
        ...scope,
        message: { id: 'u', role: 'user', content: 'x', clientMessageId: 'k' },
      });
      for (const key of ['a', 'k']) {
        expect(
          await store.addWaitingMessage({
            ...scope,
            message: { ...waiting(key), id: `again-${key}` },
            newTurnId: 'n',
            max: 10,
          }),
        ).toEqual({ kind: 'duplicate' });
      }
      await expect(
        store.addWaitingMessage({
          ownerId: bob,
          sessionId: scope.sessionId,
          message: waiting('z'),
          newTurnId: 'n',
          max: 10,
        }),
      ).rejects.toMatchObject({ code: 'not_found' });
      expect((await store.findUserMessage({ ...scope, clientMessageId: 'k' }))?.id).toBe('u');
      expect(
        await store.findUserMessage({ ownerId: bob, sessionId: scope.sessionId, clientMessageId: 'k' }),
      ).toBeNull();
    });

    test('a client message id is unique per session, not across sessions', async () => {
      const store = getStore();
      const scope = await sessionOf(store);
      const other = await sessionOf(store);
      const message = { id: 'm1', role: 'user' as const, content: 'x', clientMessageId: 'same' };
      await store.appendMessage({ ...scope, message });
      await expect(store.appendMessage({ ...scope, message: { ...message, id: 'm2' } })).rejects.toThrow();
      await store.appendMessage({ ...other, message: { ...message, id: 'm3' } });
      expect((await store.listMessages(scope)).map((row) => row.id)).toEqual(['m1']);
    });

    test('beginTurn with takeWaiting stores the waiting messages after the new ones, in order, in one step', async () => {
      const store = getStore();
      const scope = await sessionOf(store);
      await store.addWaitingMessage({ ...scope, message: waiting('a'), newTurnId: 'turn-2', max: 10 });
      await store.addWaitingMessage({ ...scope, message: waiting('b'), newTurnId: 'x', max: 10 });
      const { turn, messages } = await store.beginTurn({
        ...scope,
        turn: { id: 'turn-2', messageId: 'turn-2', clientMessageId: null, fencingToken: 1 },
        messages: [],
        takeWaiting: true,
      });
      expect(messages.map((row) => [row.clientMessageId, row.content, row.turnId])).toEqual([
        ['a', 'text a', 'turn-2'],
        ['b', 'text b', 'turn-2'],
      ]);
      expect(turn.userMessageId).toBe(messages[0]?.id);
      expect(await store.listWaitingMessages(scope)).toEqual([]);
      expect(await store.listSessionsWithWaiting()).toEqual([]);
    });

    test('a failed beginTurn leaves the waiting messages waiting', async () => {
      const store = getStore();
      const scope = await sessionOf(store);
      await store.createTurn({
        id: 'taken',
        ...scope,
        messageId: 'taken',
        clientMessageId: null,
        userMessageId: 'u',
        fencingToken: 1,
      });
      await store.addWaitingMessage({ ...scope, message: waiting('a'), newTurnId: 'taken', max: 10 });
      await expect(
        store.beginTurn({
          ...scope,
          turn: { id: 'taken', messageId: 'taken', clientMessageId: null, fencingToken: 2 },
          messages: [],
          takeWaiting: true,
        }),
      ).rejects.toThrow();
      expect((await store.listWaitingMessages(scope)).map((message) => message.clientMessageId)).toEqual([
        'a',
      ]);
      expect(await store.listMessages(scope)).toEqual([]);
    });

    test('steered messages are claimed once, delivered into the claiming turn, and kept by a cancel', async () => {
      const store = getStore();
      const scope = await sessionOf(store);
      await store.addWaitingMessage({ ...scope, message: waiting('next'), newTurnId: 'n', max: 10 });
      await store.addWaitingMessage({ ...scope, message: waiting('s1', 'steer'), newTurnId: 'n', max: 10 });
      await store.addWaitingMessage({ ...scope, message: waiting('s2', 'steer'), newTurnId: 'n', max: 10 });
      const claimed = await store.claimSteeredMessages({ ...scope, turnId: 'running' });
      expect(claimed.map((message) => message.clientMessageId)).toEqual(['s1', 's2']);
      expect(await store.claimSteeredMessages({ ...scope, turnId: 'running' })).toEqual([]);

      const taken = await store.takeWaitingMessages({
        ...scope,
        keepClaimedBy: 'running',
        keptTurnId: 'kept',
      });
      expect(taken.map((message) => message.clientMessageId)).toEqual(['next']);
      // The kept ones no longer wait for the turn whose messages were taken back (its stream ended).
      expect((await store.listWaitingMessages(scope)).map((message) => message.turnId)).toEqual([
        'kept',
        'kept',
      ]);

      const stored = await store.deliverWaitingMessages({
        ...scope,
        turnId: 'running',
        step: 2,
        ids: claimed.map((message) => message.id),
      });
      expect(stored.map((row) => [row.clientMessageId, row.role, row.turnId, row.step])).toEqual([
        ['s1', 'user', 'running', 2],
        ['s2', 'user', 'running', 2],
      ]);
      expect(await store.listWaitingMessages(scope)).toEqual([]);
      // Delivered once: a second delivery of the same ids stores nothing.
      expect(
        await store.deliverWaitingMessages({ ...scope, turnId: 'running', step: 2, ids: ['id-s1'] }),
      ).toEqual([]);
      expect(await store.listMessages(scope)).toHaveLength(2);
    });
  });
}
