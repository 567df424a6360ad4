import { describe, expect, test } from 'vitest';
import type { SessionRecord, SessionStore } from '../session-store.ts';
import { alice, bob, buildTurn, waitForNextMillisecond } from './conformance-support.ts';

const isoTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function listAll(options: { store: SessionStore; ownerId: string; limit: number }) {
  const pages: SessionRecord[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await options.store.listSessions({ ownerId: options.ownerId, limit: options.limit, cursor });
    pages.push(page.sessions);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
}

export function describeSessionConformance(getStore: () => SessionStore): void {
  describe('sessions', () => {
    test('ensureUser is idempotent', async () => {
      const store = getStore();
      await store.ensureUser({ id: alice, name: 'Alice again' });
      await expect(store.ensureUser({ id: 'carol', name: 'Carol' })).resolves.toBeUndefined();
      await expect(store.ensureUser({ id: 'carol', name: 'Carol' })).resolves.toBeUndefined();
    });

    test('createSession stores an idle session that getSession returns', async () => {
      const store = getStore();
      const created = await store.createSession({ ownerId: alice });
      expect(created).toMatchObject({ ownerId: alice, title: null, status: 'idle' });
      expect(created.createdAt).toMatch(isoTimestamp);
      expect(created.updatedAt).toBe(created.createdAt);
      expect(await store.getSession({ ownerId: alice, sessionId: created.id })).toEqual(created);

      const titled = await store.createSession({ ownerId: alice, title: 'Plans' });
      expect(titled.id).not.toBe(created.id);
      expect((await store.getSession({ ownerId: alice, sessionId: titled.id }))?.title).toBe('Plans');
    });

    test("another owner's session is invisible", async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice, title: 'Secret' });
      const bobScope = { ownerId: bob, sessionId: session.id };

      expect(await store.getSession(bobScope)).toBeNull();
      expect(await store.getSession({ ownerId: alice, sessionId: 'missing' })).toBeNull();
      expect((await store.listSessions({ ownerId: bob, limit: 10 })).sessions).toEqual([]);
      expect(await store.renameSession({ ...bobScope, title: 'Stolen' })).toBeNull();
      expect(await store.setTitleIfEmpty({ ...bobScope, title: 'Stolen' })).toBe(false);
      expect(await store.deleteSession(bobScope)).toBe(false);

      const stored = await store.getSession({ ownerId: alice, sessionId: session.id });
      expect(stored?.title).toBe('Secret');
    });

    test('listSessions is newest first, and a touched session moves to the top', async () => {
      const store = getStore();
      const first = await store.createSession({ ownerId: alice });
      await waitForNextMillisecond();
      const second = await store.createSession({ ownerId: alice });
      await waitForNextMillisecond();
      const third = await store.createSession({ ownerId: alice });
      await store.createSession({ ownerId: bob });

      const before = await store.listSessions({ ownerId: alice, limit: 10 });
      expect(before.sessions.map((session) => session.id)).toEqual([third.id, second.id, first.id]);
      expect(before.nextCursor).toBeNull();

      await waitForNextMillisecond();
      await store.appendMessage({
        ownerId: alice,
        sessionId: first.id,
        message: { id: 'touch', role: 'user', content: 'hello' },
      });
      const after = await store.listSessions({ ownerId: alice, limit: 10 });
      expect(after.sessions.map((session) => session.id)).toEqual([first.id, third.id, second.id]);
    });

    test('listSessions pages through every session once, in order', async () => {
      const store = getStore();
      const ids: string[] = [];
      for (let index = 0; index < 7; index++) ids.push((await store.createSession({ ownerId: alice })).id);
      // Same-millisecond timestamps must still page deterministically (tie-break by id).
      const everything = await store.listSessions({ ownerId: alice, limit: 100 });
      expect(everything.sessions).toHaveLength(7);

      const pages = await listAll({ store, ownerId: alice, limit: 3 });
      expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
      const paged = pages.flat().map((session) => session.id);
      expect(paged).toEqual(everything.sessions.map((session) => session.id));
      expect(new Set(paged).size).toBe(7);
      expect([...paged].sort()).toEqual([...ids].sort());
    });

    test('listSessions returns no cursor when the last page is exactly full', async () => {
      const store = getStore();
      for (let index = 0; index < 4; index++) await store.createSession({ ownerId: alice });
      const pages = await listAll({ store, ownerId: alice, limit: 2 });
      expect(pages.map((page) => page.length)).toEqual([2, 2]);
    });

    test('listSessions rejects a cursor it did not make', async () => {
      const store = getStore();
      await expect(
        store.listSessions({ ownerId: alice, limit: 2, cursor: 'not a cursor' }),
      ).rejects.toThrow();
    });

    test('renameSession sets the title and touches updatedAt', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice, title: 'Old' });
      await waitForNextMillisecond();
      const renamed = await store.renameSession({ ownerId: alice, sessionId: session.id, title: 'New' });
      expect(renamed).toMatchObject({ id: session.id, title: 'New', createdAt: session.createdAt });
      expect(renamed!.updatedAt > session.updatedAt).toBe(true);
      expect(await store.getSession({ ownerId: alice, sessionId: session.id })).toEqual(renamed);
      expect(await store.renameSession({ ownerId: alice, sessionId: 'missing', title: 'x' })).toBeNull();
    });

    test('a new session allows every tool; setSessionPermissions replaces the lists, scoped by owner', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      expect(session.permissions).toEqual({ allow: null, deny: [] });
      const scope = { ownerId: alice, sessionId: session.id };
      const permissions = { allow: ['read_file', 'mcp__docs__search'], deny: ['write_file'] };
      expect(await store.setSessionPermissions({ ...scope, permissions })).toMatchObject({ permissions });
      expect((await store.getSession(scope))?.permissions).toEqual(permissions);
      expect((await store.listSessions({ ownerId: alice, limit: 10 })).sessions[0]?.permissions).toEqual(
        permissions,
      );
      const stolen = { allow: [], deny: [] };
      expect(
        await store.setSessionPermissions({ ownerId: bob, sessionId: session.id, permissions: stolen }),
      ).toBeNull();
      expect((await store.getSession(scope))?.permissions).toEqual(permissions);
    });

    test('setSessionPermissions keeps a list left out of the change', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await store.setSessionPermissions({ ...scope, permissions: { allow: [] } });
      await store.setSessionPermissions({ ...scope, permissions: { deny: ['web_fetch'] } });
      expect((await store.getSession(scope))?.permissions).toEqual({ allow: [], deny: ['web_fetch'] });
      await store.setSessionPermissions({ ...scope, permissions: {} });
      expect((await store.getSession(scope))?.permissions).toEqual({ allow: [], deny: ['web_fetch'] });
      await store.setSessionPermissions({ ...scope, permissions: { allow: null } });
      expect((await store.getSession(scope))?.permissions).toEqual({ allow: null, deny: ['web_fetch'] });
    });

    test('setTitleIfEmpty sets the title once, even when racing', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      const results = await Promise.all(
        ['one', 'two', 'three', 'four'].map((title) => store.setTitleIfEmpty({ ...scope, title })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = ['one', 'two', 'three', 'four'][results.indexOf(true)];
      expect((await store.getSession(scope))?.title).toBe(winner);

      const titled = await store.createSession({ ownerId: alice, title: 'Kept' });
      expect(await store.setTitleIfEmpty({ ownerId: alice, sessionId: titled.id, title: 'Lost' })).toBe(
        false,
      );
      expect((await store.getSession({ ownerId: alice, sessionId: titled.id }))?.title).toBe('Kept');
    });

    test('listUntitledSessions: untitled sessions with a first message and no running turn, newest first', async () => {
      const store = getStore();
      const begin = async (options: { title?: string; texts: string[]; running?: boolean }) => {
        const session = await store.createSession({ ownerId: alice, title: options.title ?? null });
        const scope = { ownerId: alice, sessionId: session.id };
        for (const [index, content] of options.texts.entries()) {
          const turnId = `${session.id}-turn-${index}`;
          await store.beginTurn({
            ...scope,
            turn: { id: turnId, messageId: turnId, clientMessageId: null, fencingToken: 1 },
            messages: [{ id: `${turnId}-user`, role: 'user', content }],
          });
          if (!options.running) await store.endTurn({ turnId, status: 'interrupted' });
        }
        return { scope, turnId: `${session.id}-turn-0` };
      };
      const older = await begin({ texts: ['the first words', 'then more'] });
      await waitForNextMillisecond();
      const newer = await begin({ texts: ['a newer one'] });
      await begin({ title: 'Named', texts: ['named already'] });
      await begin({ texts: ['its turn still runs'], running: true });
      await store.createSession({ ownerId: bob });

      expect(await store.listUntitledSessions({ limit: 10 })).toEqual([
        { ...newer, text: 'a newer one' },
        { ...older, text: 'the first words' },
      ]);
      expect(await store.listUntitledSessions({ limit: 1 })).toEqual([{ ...newer, text: 'a newer one' }]);
    });

    test('deleteSession removes the session with its messages and turns; its usage stays in the owner’s ledger', async () => {
      const store = getStore();
      const session = await store.createSession({ ownerId: alice });
      const scope = { ownerId: alice, sessionId: session.id };
      await store.appendMessage({ ...scope, message: { id: 'message-1', role: 'user', content: 'hi' } });
      await store.createTurn(buildTurn({ id: 'turn-1', ...scope }));
      await store.recordUsage({
        ...scope,
        turnId: 'turn-1',
        model: 'model',
        usage: {
          inputTokens: 5,
          outputTokens: 5,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          costUsd: 1,
          costKnown: true,
        },
      });

      expect(await store.deleteSession(scope)).toBe(true);
      expect(await store.getSession(scope)).toBeNull();
      expect(await store.deleteSession(scope)).toBe(false);
      expect(await store.listMessages(scope)).toEqual([]);
      expect(await store.getTurn({ ...scope, turnId: 'turn-1' })).toBeNull();
      expect(
        (await store.getOwnerUsage({ ownerId: alice, since: '1970-01-01T00:00:00.000Z' })).inputTokens,
      ).toBe(5);
      // listRunningTurns is not scoped, so it shows whether the turn row itself is gone.
      expect((await store.listRunningTurns()).map((turn) => turn.id)).not.toContain('turn-1');

      // Ids are unique across sessions: reusing them succeeds only if the old rows are gone.
      const other = await store.createSession({ ownerId: alice });
      const otherScope = { ownerId: alice, sessionId: other.id };
      await store.appendMessage({
        ...otherScope,
        message: { id: 'message-1', role: 'user', content: 'again' },
      });
      await store.createTurn(buildTurn({ id: 'turn-1', ...otherScope }));
      expect((await store.listMessages(otherScope)).map((message) => message.id)).toEqual(['message-1']);
    });
  });
}
