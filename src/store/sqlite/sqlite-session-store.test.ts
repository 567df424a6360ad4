import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import { describeSessionStoreConformance } from '../conformance/session-store-conformance.ts';
import { createSqliteSessionStore } from './sqlite-session-store.ts';

async function withTemporaryDirectory<T>(run: (directory: string) => Promise<T>): Promise<T> {
  const directory = await mkdtemp(join(tmpdir(), 'autopilot-store-'));
  try {
    return await run(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describeSessionStoreConformance('sqlite in memory', async () => {
  const store = await createSqliteSessionStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describeSessionStoreConformance('sqlite file', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'autopilot-store-'));
  const store = await createSqliteSessionStore({ path: join(directory, 'nested', 'autopilot.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
});

describe('SqliteSessionStore files', () => {
  test('reopening the file keeps the data, and migrating again is a no-op', async () => {
    await withTemporaryDirectory(async (directory) => {
      const path = join(directory, 'data', 'autopilot.db');
      const first = await createSqliteSessionStore({ path });
      await first.ensureUser({ id: 'alice', name: 'Alice' });
      const session = await first.createSession({ ownerId: 'alice', title: 'Kept' });
      const scope = { ownerId: 'alice', sessionId: session.id };
      await first.appendMessage({ ...scope, message: { id: 'm1', role: 'user', content: 'hello' } });
      await first.createTurn({
        id: 'turn-1',
        ...scope,
        messageId: 'a1',
        clientMessageId: null,
        userMessageId: 'm1',
        fencingToken: 1,
      });
      await first.close();

      const second = await createSqliteSessionStore({ path });
      expect(await second.getSession(scope)).toMatchObject({ title: 'Kept', status: 'running' });
      expect((await second.listMessages(scope)).map((message) => message.content)).toEqual(['hello']);
      const next = await second.appendMessage({
        ...scope,
        message: { id: 'm2', role: 'user', content: 'again' },
      });
      expect(next.seq).toBe(2);
      await second.close();

      const third = await createSqliteSessionStore({ path });
      expect(await third.listMessages(scope)).toHaveLength(2);
      await third.close();
    });
  });

  test('two stores open on the same file see each other', async () => {
    await withTemporaryDirectory(async (directory) => {
      const path = join(directory, 'autopilot.db');
      const writer = await createSqliteSessionStore({ path });
      const reader = await createSqliteSessionStore({ path });
      const session = await writer.createSession({ ownerId: 'alice' });
      expect((await reader.getSession({ ownerId: 'alice', sessionId: session.id }))?.id).toBe(session.id);
      await Promise.all([writer.close(), reader.close()]);
    });
  });

  test('a deleted session leaves the files even while the background worker checkpoints', async () => {
    await withTemporaryDirectory(async (directory) => {
      const path = join(directory, 'autopilot.db');
      // The worker checkpoints almost all the time, so the delete's own checkpoint meets one.
      const store = await createSqliteSessionStore({ path, checkpointIntervalMs: 1, checkpointFrames: 1 });
      const other = { ownerId: 'alice', sessionId: (await store.createSession({ ownerId: 'alice' })).id };
      let filler = 0;
      for (let round = 0; round < 10; round++) {
        const canary = `CANARY-${round}-${Math.random().toString(36).slice(2)}`;
        const scope = { ownerId: 'alice', sessionId: (await store.createSession({ ownerId: 'alice' })).id };
        await store.appendMessage({ ...scope, message: { id: `c${round}`, role: 'user', content: canary } });
        // Another conversation goes on: the log has pages for the worker to copy.
        for (let index = 0; index < 100; index++) {
          const message = { id: `o${filler++}`, role: 'assistant' as const, content: 'y'.repeat(2000) };
          await store.appendMessage({ ...other, message });
        }
        expect(await store.deleteSession(scope)).toBe(true);
        for (const file of [path, `${path}-wal`]) {
          const bytes = await readFile(file).catch(() => Buffer.alloc(0));
          expect(bytes.includes(canary), `${file} after round ${round}`).toBe(false);
        }
      }
      await store.close();
    });
  });

  test('a delete does not hold the event loop while another connection reads an older snapshot', async () => {
    await withTemporaryDirectory(async (directory) => {
      const path = join(directory, 'autopilot.db');
      const store = await createSqliteSessionStore({ path });
      const scope = { ownerId: 'alice', sessionId: (await store.createSession({ ownerId: 'alice' })).id };
      await store.appendMessage({ ...scope, message: { id: 'm1', role: 'user', content: 'secret' } });
      // A reader (a backup, a sqlite3 shell) holds a snapshot that still needs the log.
      const reader = new BetterSqlite3(path, { readonly: true });
      reader.exec('BEGIN');
      reader.prepare('select count(*) from messages').get();
      // It lets go after 300 ms, by a timer of this loop: a delete that held the loop would wait
      // out SQLite's whole busy timeout first.
      const released = setTimeout(() => reader.exec('COMMIT'), 300);
      let longestStall = 0;
      let last = performance.now();
      const beat = setInterval(() => {
        const now = performance.now();
        longestStall = Math.max(longestStall, now - last);
        last = now;
      }, 5);
      expect(await store.deleteSession(scope)).toBe(true);
      longestStall = Math.max(longestStall, performance.now() - last);
      clearInterval(beat);
      clearTimeout(released);
      reader.close();
      expect(longestStall).toBeLessThan(1_000);
      const bytes = await readFile(`${path}-wal`).catch(() => Buffer.alloc(0));
      expect(bytes.includes('secret')).toBe(false);
      await store.close();
    });
  });
});
