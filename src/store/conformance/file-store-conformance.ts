import { describe, expect, test } from 'vitest';
import type { FileStore, NewFile } from '../file-store.ts';
import type { SessionStore } from '../session-store.ts';
import { alice, bob, freshStorePerTest } from './conformance-support.ts';

/** `sessions` must share the files' database: a session's files go when the session is deleted. */
export type FileStoreFactory = () => Promise<{
  files: FileStore;
  sessions: SessionStore;
  cleanup: () => Promise<void>;
}>;

let counter = 0;

function buildFile(overrides: Partial<NewFile> & Pick<NewFile, 'ownerId'>): NewFile {
  counter += 1;
  return {
    id: `file-${counter}`,
    sessionId: null,
    name: 'report (final).pdf',
    mediaType: 'application/pdf',
    size: 3_000_000_000,
    sha256: 'ab'.repeat(32),
    storageKey: `key-${counter}`,
    ...overrides,
  };
}

/** The behaviour every FileStore must have. Each test gets a fresh, empty store. */
export function describeFileStoreConformance(name: string, makeStore: FileStoreFactory): void {
  describe(`FileStore conformance: ${name}`, () => {
    const getCurrent = freshStorePerTest(makeStore);
    const createSession = async (ownerId: string): Promise<string> =>
      (await getCurrent().sessions.createSession({ ownerId })).id;

    test('create then get returns every field, with a createdAt', async () => {
      const { files } = getCurrent();
      const sessionId = await createSession(alice);
      const file = buildFile({ ownerId: alice, sessionId, name: 'Grüße 世界.txt' });
      const before = Date.now();

      const created = await files.createFile(file);

      expect(created).toEqual({ ...file, createdAt: expect.any(String) });
      expect(await files.getFile({ ownerId: alice, fileId: file.id })).toEqual(created);
      const createdAt = Date.parse(created.createdAt);
      expect(createdAt).toBeGreaterThanOrEqual(before - 1_000);
      expect(createdAt).toBeLessThanOrEqual(Date.now() + 1_000);
    });

    test('a file without a session belongs to its owner alone', async () => {
      const { files } = getCurrent();
      const file = buildFile({ ownerId: alice });
      await files.createFile(file);

      expect(await files.getFile({ ownerId: alice, fileId: file.id })).toMatchObject({ sessionId: null });
      expect(await files.getFile({ ownerId: bob, fileId: file.id })).toBeNull();
    });

    test("another owner's file and an unknown id are null", async () => {
      const { files } = getCurrent();
      const file = buildFile({ ownerId: alice, sessionId: await createSession(alice) });
      await files.createFile(file);

      expect(await files.getFile({ ownerId: bob, fileId: file.id })).toBeNull();
      expect(await files.getFile({ ownerId: alice, fileId: 'no-such-file' })).toBeNull();
    });

    test("creating a file for another owner's session, or a missing one, is not_found and stores nothing", async () => {
      const { files } = getCurrent();
      const bobsSession = await createSession(bob);
      const foreign = buildFile({ ownerId: alice, sessionId: bobsSession });
      const missing = buildFile({ ownerId: alice, sessionId: 'no-such-session' });

      await expect(files.createFile(foreign)).rejects.toMatchObject({ code: 'not_found' });
      await expect(files.createFile(missing)).rejects.toMatchObject({ code: 'not_found' });

      expect(await files.getFile({ ownerId: alice, fileId: foreign.id })).toBeNull();
      expect(await files.getFile({ ownerId: alice, fileId: missing.id })).toBeNull();
    });

    test("sessionStorageKeys lists, and deleteSessionFiles removes, that session's files only", async () => {
      const { files } = getCurrent();
      const sessionId = await createSession(alice);
      const otherSession = await createSession(alice);
      const first = buildFile({ ownerId: alice, sessionId });
      const second = buildFile({ ownerId: alice, sessionId });
      const elsewhere = buildFile({ ownerId: alice, sessionId: otherSession });
      const loose = buildFile({ ownerId: alice });
      for (const file of [first, second, elsewhere, loose]) await files.createFile(file);

      expect(await files.deleteSessionFiles({ ownerId: bob, sessionId })).toEqual([]);
      expect(await files.sessionStorageKeys({ ownerId: bob, sessionId })).toEqual([]);
      expect((await files.sessionStorageKeys({ ownerId: alice, sessionId })).sort()).toEqual(
        [first.storageKey, second.storageKey].sort(),
      );
      const keys = await files.deleteSessionFiles({ ownerId: alice, sessionId });

      expect(keys.sort()).toEqual([first.storageKey, second.storageKey].sort());
      expect(await files.getFile({ ownerId: alice, fileId: first.id })).toBeNull();
      expect(await files.getFile({ ownerId: alice, fileId: second.id })).toBeNull();
      expect(await files.getFile({ ownerId: alice, fileId: elsewhere.id })).not.toBeNull();
      expect(await files.getFile({ ownerId: alice, fileId: loose.id })).not.toBeNull();
      expect(await files.deleteSessionFiles({ ownerId: alice, sessionId })).toEqual([]);
      expect(await files.sessionStorageKeys({ ownerId: alice, sessionId })).toEqual([]);
    });

    test("bindToSession binds only the owner's files of no session, and they go with the session", async () => {
      const { files } = getCurrent();
      const sessionId = await createSession(alice);
      const otherSession = await createSession(alice);
      const loose = buildFile({ ownerId: alice });
      const elsewhere = buildFile({ ownerId: alice, sessionId: otherSession });
      const bobs = buildFile({ ownerId: bob });
      for (const file of [loose, elsewhere, bobs]) await files.createFile(file);

      await files.bindToSession({ ownerId: alice, sessionId, fileIds: [loose.id, elsewhere.id, bobs.id] });
      await files.bindToSession({ ownerId: alice, sessionId, fileIds: [] });

      expect((await files.getFile({ ownerId: alice, fileId: loose.id }))?.sessionId).toBe(sessionId);
      expect((await files.getFile({ ownerId: alice, fileId: elsewhere.id }))?.sessionId).toBe(otherSession);
      expect((await files.getFile({ ownerId: bob, fileId: bobs.id }))?.sessionId).toBeNull();
      expect(await files.deleteSessionFiles({ ownerId: alice, sessionId })).toEqual([loose.storageKey]);
    });

    test('deleteUnboundFiles deletes only files of no session made before the time given', async () => {
      const { files } = getCurrent();
      const sessionId = await createSession(alice);
      const loose = buildFile({ ownerId: alice });
      const bound = buildFile({ ownerId: alice, sessionId });
      const bobs = buildFile({ ownerId: bob });
      for (const file of [loose, bound, bobs]) await files.createFile(file);

      expect(await files.deleteUnboundFiles({ createdBefore: '2000-01-01T00:00:00.000Z' })).toEqual([]);
      const keys = await files.deleteUnboundFiles({
        createdBefore: new Date(Date.now() + 1000).toISOString(),
      });

      expect(keys.sort()).toEqual([loose.storageKey, bobs.storageKey].sort());
      expect(await files.getFile({ ownerId: alice, fileId: loose.id })).toBeNull();
      expect(await files.getFile({ ownerId: alice, fileId: bound.id })).not.toBeNull();
    });

    test("deleting the session deletes its files' records", async () => {
      const { files, sessions } = getCurrent();
      const sessionId = await createSession(alice);
      const file = buildFile({ ownerId: alice, sessionId });
      const loose = buildFile({ ownerId: alice });
      await files.createFile(file);
      await files.createFile(loose);

      expect(await sessions.deleteSession({ ownerId: alice, sessionId })).toBe(true);

      expect(await files.getFile({ ownerId: alice, fileId: file.id })).toBeNull();
      expect(await files.getFile({ ownerId: alice, fileId: loose.id })).not.toBeNull();
    });
  });
}
