import { describe, expect, test } from 'vitest';
import type { MessageRole, SessionStore } from '../session-store.ts';
import { alice, bob, createSessionWithMessages, waitForNextMillisecond } from './conformance-support.ts';

async function appendRoles(options: { store: SessionStore; sessionId: string; roles: MessageRole[] }) {
  for (const [index, role] of options.roles.entries()) {
    await options.store.appendMessage({
      ownerId: alice,
      sessionId: options.sessionId,
      message: { id: `${options.sessionId}-${index}`, role, content: `${role} ${index}` },
    });
  }
}

export function describeMessageConformance(getStore: () => SessionStore): void {
  describe('messages', () => {
    test('appendMessage returns the stored row with the next seq and defaults', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      const first = await store.appendMessage({
        ...scope,
        message: { id: 'a', role: 'user', content: 'hi' },
      });
      const second = await store.appendMessage({
        ...scope,
        message: { id: 'b', role: 'assistant', content: 'hello', turnId: 'turn', step: 0 },
      });

      expect(first).toEqual({
        id: 'a',
        sessionId: session.id,
        seq: 1,
        role: 'user',
        turnId: null,
        step: null,
        content: 'hi',
        toolCall: null,
        toolCallId: null,
        metadata: {},
        clientMessageId: null,
        createdAt: expect.stringMatching(/Z$/),
      });
      expect(second).toMatchObject({ seq: 2, turnId: 'turn', step: 0 });
      expect(await store.listMessages(scope)).toEqual([first, second]);
    });

    test('getLastUserMessage finds the newest user row, for its owner only', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      expect(await store.getLastUserMessage(scope)).toBeNull();
      await appendRoles({
        store,
        sessionId: session.id,
        roles: ['user', 'assistant', 'user', 'assistant', 'marker'],
      });
      expect(await store.getLastUserMessage(scope)).toMatchObject({ seq: 3, content: 'user 2' });
      expect(await store.getLastUserMessage({ ownerId: bob, sessionId: session.id })).toBeNull();
    });

    test('tool calls and metadata round-trip as JSON', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      const toolCall = {
        id: 'call-1',
        name: 'read_file',
        input: {
          path: 'notes/ünïcode "quoted".md',
          options: { depth: [1, 2.5], recursive: true, none: null },
        },
      };
      const metadata = { marker: { code: 'model_error', retryable: true }, tags: ['a', 'b'], empty: null };
      const written = [
        await store.appendMessage({
          ...scope,
          message: { id: 'call', role: 'assistant', content: '', toolCall },
        }),
        await store.appendMessage({
          ...scope,
          message: { id: 'result', role: 'tool', content: '{"ok":true}', toolCallId: 'call-1', metadata },
        }),
      ];

      const [call, result] = await store.listMessages(scope);
      // What a write returns is what a read gives, and shares no object with the caller's.
      expect(written).toEqual([call, result]);
      expect(written[0]?.toolCall).not.toBe(toolCall);
      expect(written[1]?.metadata).not.toBe(metadata);
      expect(call?.toolCall).toEqual(toolCall);
      expect(call?.metadata).toEqual({});
      expect(result).toMatchObject({
        toolCall: null,
        toolCallId: 'call-1',
        content: '{"ok":true}',
        metadata,
      });
    });

    test('50 concurrent appends get unique, gapless seqs', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      const appended = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          store.appendMessage({ ...scope, message: { id: `m${index}`, role: 'user', content: `${index}` } }),
        ),
      );
      const seqs = appended.map((message) => message.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));

      const listed = await store.listMessages(scope);
      expect(listed.map((message) => message.seq)).toEqual(seqs);
      const bySeq = new Map(appended.map((message) => [message.seq, message.id]));
      expect(listed.map((message) => message.id)).toEqual(listed.map((message) => bySeq.get(message.seq)));

      const next = await store.appendMessage({
        ...scope,
        message: { id: 'last', role: 'user', content: '' },
      });
      expect(next.seq).toBe(51);
    });

    test('seqs are counted per session', async () => {
      const store = getStore();
      const first = await createSessionWithMessages({ store, ownerId: alice, contents: ['a', 'b'] });
      const second = await createSessionWithMessages({ store, ownerId: alice, contents: ['c'] });
      const listed = await store.listMessages({ ownerId: alice, sessionId: second });
      expect(listed.map((message) => [message.seq, message.content])).toEqual([[1, 'c']]);
      expect((await store.listMessages({ ownerId: alice, sessionId: first })).map((m) => m.seq)).toEqual([
        1, 2,
      ]);
    });

    test('appendMessage touches the session and refuses unknown or foreign sessions', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await waitForNextMillisecond();
      const message = await store.appendMessage({
        ...scope,
        message: { id: 'x', role: 'user', content: 'x' },
      });
      const touched = await store.getSession(scope);
      expect(touched?.updatedAt).toBe(message.createdAt);
      expect(touched!.updatedAt > session.updatedAt).toBe(true);

      await expect(
        store.appendMessage({
          ownerId: bob,
          sessionId: session.id,
          message: { id: 'y', role: 'user', content: 'y' },
        }),
      ).rejects.toThrow();
      await expect(
        store.appendMessage({
          ownerId: alice,
          sessionId: 'missing',
          message: { id: 'z', role: 'user', content: '' },
        }),
      ).rejects.toThrow();
      expect((await store.listMessages(scope)).map((stored) => stored.id)).toEqual(['x']);
      expect((await store.getSession(scope))?.updatedAt).toBe(message.createdAt);
    });

    test('listMessages applies beforeSeq, then keeps the last `limit` rows in ascending order', async () => {
      const store = getStore();
      const contents = Array.from({ length: 10 }, (_, index) => `message ${index + 1}`);
      const sessionId = await createSessionWithMessages({ store, ownerId: alice, contents });
      const scope = { ownerId: alice, sessionId };
      const seqsOf = async (options: { limit?: number; beforeSeq?: number }) =>
        (await store.listMessages({ ...scope, ...options })).map((message) => message.seq);

      expect(await seqsOf({})).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await seqsOf({ limit: 3 })).toEqual([8, 9, 10]);
      expect(await seqsOf({ beforeSeq: 5 })).toEqual([1, 2, 3, 4]);
      expect(await seqsOf({ beforeSeq: 5, limit: 2 })).toEqual([3, 4]);
      expect(await seqsOf({ beforeSeq: 1 })).toEqual([]);
      expect(await seqsOf({ limit: 50 })).toHaveLength(10);
      expect(await seqsOf({ limit: 0 })).toEqual([]);
      expect(await store.listMessages({ ownerId: bob, sessionId })).toEqual([]);
    });

    test('deleteTrailingMarkers removes only markers after the last other row', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await appendRoles({
        store,
        sessionId: session.id,
        roles: ['user', 'marker', 'assistant', 'marker', 'marker'],
      });

      expect(await store.deleteTrailingMarkers({ ownerId: bob, sessionId: session.id })).toBe(0);
      expect(await store.listMessages(scope)).toHaveLength(5);

      expect(await store.deleteTrailingMarkers(scope)).toBe(2);
      const remaining = await store.listMessages(scope);
      expect(remaining.map((message) => [message.seq, message.role])).toEqual([
        [1, 'user'],
        [2, 'marker'],
        [3, 'assistant'],
      ]);
      expect(await store.deleteTrailingMarkers(scope)).toBe(0);

      const next = await store.appendMessage({
        ...scope,
        message: { id: 'next', role: 'user', content: '' },
      });
      expect(next.seq).toBeGreaterThan(3);
    });

    test('deleteTrailingMarkers keeps a stop: only error markers go', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await appendRoles({ store, sessionId: session.id, roles: ['user', 'assistant'] });
      const marker = (id: string, metadata: Record<string, unknown>) =>
        store.appendMessage({ ...scope, message: { id, role: 'marker', content: id, metadata } });
      await marker('stopped', { marker: { kind: 'system', message: 'Execution stopped by user' } });
      await marker('failed', { marker: { kind: 'error', error: { code: 'model_error', message: 'x' } } });

      expect(await store.deleteTrailingMarkers(scope)).toBe(1);
      expect((await store.listMessages(scope)).map((message) => message.id)).toEqual([
        `${session.id}-0`,
        `${session.id}-1`,
        'stopped',
      ]);
    });

    test('deleteTrailingMarkers empties a session holding only markers', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const other = await store.createSession({ ownerId: alice });
      await appendRoles({ store, sessionId: session.id, roles: ['marker', 'marker'] });
      await appendRoles({ store, sessionId: other.id, roles: ['marker'] });

      expect(await store.deleteTrailingMarkers({ ownerId: alice, sessionId: session.id })).toBe(2);
      expect(await store.listMessages({ ownerId: alice, sessionId: session.id })).toEqual([]);
      expect(await store.listMessages({ ownerId: alice, sessionId: other.id })).toHaveLength(1);
    });
  });
}
