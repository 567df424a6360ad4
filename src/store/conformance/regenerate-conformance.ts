import { describe, expect, test } from 'vitest';
import { emptyUsage } from '../../protocol/index.ts';
import type { SessionStore } from '../session-store.ts';
import { alice, bob } from './conformance-support.ts';

const newTurn = (id: string) => ({ id, messageId: id, clientMessageId: null, fencingToken: 1 });

export function describeRegenerateConformance(getStore: () => SessionStore): void {
  describe('regenerate and per-turn history', () => {
    test('regenerate takes over the last turn’s user messages and supersedes the rest, which is kept but never listed', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await store.beginTurn({
        ...scope,
        turn: newTurn('t1'),
        messages: [{ id: 'u1', role: 'user', content: 'first', clientMessageId: 'k1' }],
      });
      await store.appendMessage({
        ...scope,
        message: { id: 'a1', role: 'assistant', content: 'one', turnId: 't1' },
      });
      await store.endTurn({ turnId: 't1', status: 'completed' });
      await store.beginTurn({
        ...scope,
        turn: newTurn('t2'),
        messages: [{ id: 'u2', role: 'user', content: 'second', clientMessageId: 'k2' }],
      });
      await store.appendMessage({
        ...scope,
        message: { id: 'a2', role: 'assistant', content: 'partial', turnId: 't2' },
      });
      await store.appendMessage({
        ...scope,
        message: { id: 'm2', role: 'marker', content: 'failed', turnId: 't2' },
      });
      await store.endTurn({ turnId: 't2', status: 'failed' });

      const { turn, messages } = await store.beginTurn({
        ...scope,
        turn: newTurn('t3'),
        messages: [],
        regenerate: true,
      });
      expect(messages.map((row) => [row.id, row.turnId, row.clientMessageId])).toEqual([['u2', 't3', 'k2']]);
      expect(turn).toMatchObject({ id: 't3', userMessageId: 'u2', status: 'running' });
      expect((await store.listMessages(scope)).map((row) => row.id)).toEqual(['u1', 'a1', 'u2']);
      await store.appendMessage({
        ...scope,
        message: { id: 'a3', role: 'assistant', content: 'better', turnId: 't3' },
      });
      expect((await store.listMessages(scope)).map((row) => row.id)).toEqual(['u1', 'a1', 'u2', 'a3']);
      expect((await store.listMessages({ ...scope, limit: 2 })).map((row) => row.id)).toEqual(['u2', 'a3']);
    });

    test('regenerate with no user message is a bad request and stores nothing', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await expect(
        store.beginTurn({ ...scope, turn: newTurn('t1'), messages: [], regenerate: true }),
      ).rejects.toMatchObject({ code: 'bad_request' });
      expect(await store.listRunningTurns()).toEqual([]);
    });

    test('regenerate of a named message runs only while that message is still the last', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      const failedTurn = async (turnId: string, message: { id: string; key: string }) => {
        await store.beginTurn({
          ...scope,
          turn: newTurn(turnId),
          messages: [{ id: message.id, role: 'user', content: message.key, clientMessageId: message.key }],
        });
        await store.appendMessage({
          ...scope,
          message: { id: `m-${turnId}`, role: 'marker', content: 'failed', turnId },
        });
        await store.endTurn({ turnId, status: 'failed' });
      };
      await failedTurn('t1', { id: 'u1', key: 'k1' });
      await failedTurn('t2', { id: 'u2', key: 'k2' });
      const regenerateOf = (turnId: string, name: string) =>
        store.beginTurn({
          ...scope,
          turn: newTurn(turnId),
          messages: [],
          regenerate: true,
          regenerateOf: name,
        });

      // k1 failed, then another client sent k2: a retry of k1 must not run k2.
      await expect(regenerateOf('t3', 'k1')).rejects.toMatchObject({ code: 'message_not_last', status: 409 });
      await expect(regenerateOf('t3', 'u1')).rejects.toMatchObject({ code: 'message_not_last' });
      await expect(regenerateOf('t3', 't1')).rejects.toMatchObject({ code: 'message_not_last' });
      await expect(regenerateOf('t3', 'never-stored')).rejects.toMatchObject({ code: 'message_not_last' });
      expect(await store.getTurn({ ...scope, turnId: 't3' })).toBeNull();
      expect((await store.listMessages(scope)).map((row) => [row.id, row.turnId])).toEqual([
        ['u1', 't1'],
        ['u2', 't2'],
        ['m-t2', 't2'],
      ]);

      // The last message, named by its key (the id it is listed by) or its turn (useChat names a
      // reply by its id); a keyed message's row id is no name of it.
      await expect(regenerateOf('t3', 'u2')).rejects.toMatchObject({ code: 'message_not_last' });
      const byKey = await regenerateOf('t3', 'k2');
      expect(byKey.messages.map((row) => row.id)).toEqual(['u2']);
      await store.endTurn({ turnId: 't3', status: 'failed' });
      expect((await regenerateOf('t4', 'k2')).messages.map((row) => row.id)).toEqual(['u2']);
      await store.endTurn({ turnId: 't4', status: 'failed' });
      expect((await regenerateOf('t5', 't4')).messages.map((row) => row.id)).toEqual(['u2']);
      // The turn a regenerate replaced no longer names the last message.
      await store.endTurn({ turnId: 't5', status: 'failed' });
      await expect(regenerateOf('t6', 't2')).rejects.toMatchObject({ code: 'message_not_last' });
    });

    test('listTurns and getTurnUsage answer per turn, for the owner only', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await store.beginTurn({
        ...scope,
        turn: newTurn('t1'),
        messages: [{ id: 'u1', role: 'user', content: 'x' }],
      });
      const usage = { ...emptyUsage, inputTokens: 3, outputTokens: 4, costUsd: 0.5 };
      await store.recordUsage({ ...scope, turnId: 't1', model: 'm', usage });
      await store.recordUsage({ ...scope, turnId: 't1', model: 'm', usage });

      expect(
        (await store.listTurns({ ...scope, turnIds: ['t1', 'missing'] })).map((turn) => turn.id),
      ).toEqual(['t1']);
      expect(await store.listTurns({ ownerId: bob, sessionId: session.id, turnIds: ['t1'] })).toEqual([]);
      const perTurn = await store.getTurnUsage({ ...scope, turnIds: ['t1', 'missing'] });
      expect([...perTurn.entries()]).toEqual([
        ['t1', { ...usage, inputTokens: 6, outputTokens: 8, costUsd: 1 }],
      ]);
      expect((await store.getTurnUsage({ ownerId: bob, sessionId: session.id, turnIds: ['t1'] })).size).toBe(
        0,
      );
    });
  });
}
