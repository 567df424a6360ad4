import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Workspaces } from '../sandbox/workspaces.ts';
import { DiskFileBlobs } from '../store/disk/disk-file-blobs.ts';
import type { FileRecord } from '../store/file-store.ts';
import { openSqliteDatabase } from '../store/sqlite/open-sqlite-database.ts';
import { SqliteSessionStore } from '../store/sqlite/sqlite-session-store.ts';
import { readDiskRoom } from '../util/disk-floor.ts';
import { createLogger } from '../util/logger.ts';
import { beginTurn, type TurnAttachments } from './admit-turn.ts';

describe('beginTurn with attachments', () => {
  let directory: string;
  let store: SqliteSessionStore;
  let attach: TurnAttachments;
  let workspaces: Workspaces;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'autopilot-admit-'));
    store = new SqliteSessionStore(await openSqliteDatabase({ path: ':memory:' }));
    workspaces = new Workspaces({ root: join(directory, 'workspaces') });
    const blobs = new DiskFileBlobs({ root: join(directory, 'files'), maxBytes: 1024 });
    const blob = await blobs.write(
      (async function* () {
        yield Buffer.from('a,b\n1,2\n');
      })(),
    );
    const file: FileRecord = {
      id: 'file-1',
      ownerId: 'alice',
      sessionId: null,
      name: 'data.csv',
      mediaType: 'text/csv',
      createdAt: new Date(0).toISOString(),
      ...blob,
    };
    attach = { files: [file], blobs, workspaces, logger: createLogger({ level: 'silent' }) };
  });
  afterEach(async () => {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  const lease = { key: 'session', owner: 'turn-1', fencingToken: 1 };
  const messages = [{ text: 'plot it', clientMessageId: 'key-1' }];

  test('the copies are in the workspace and listed in the first message’s metadata', async () => {
    const session = await store.createSession({ ownerId: 'alice' });
    const scope = { ownerId: 'alice', sessionId: session.id };

    const { userMessages } = await beginTurn({ store, scope, lease, turnId: 'turn-1', messages, attach });

    expect(userMessages[0]?.metadata).toEqual({
      attachments: [
        { fileId: 'file-1', name: 'data.csv', mediaType: 'text/csv', size: 8, path: 'attachments/data.csv' },
      ],
    });
    const copy = join(workspaces.pathOf(session.id), 'attachments', 'data.csv');
    expect(await readFile(copy, 'utf8')).toBe('a,b\n1,2\n');
  });

  test('when the message cannot be stored, the copies are removed again', async () => {
    const scope = { ownerId: 'alice', sessionId: 'no-such-session' };

    await expect(
      beginTurn({ store, scope, lease, turnId: 'turn-1', messages, attach }),
    ).rejects.toMatchObject({ code: 'not_found' });

    expect(await readdir(join(workspaces.pathOf(scope.sessionId), 'attachments'))).toEqual([]);
  });

  test('copies that would take the disk below its floor are refused: no copy, no message, a 503 to retry', async () => {
    const session = await store.createSession({ ownerId: 'alice' });
    const scope = { ownerId: 'alice', sessionId: session.id };
    const free = (await readDiskRoom(directory)).bytes;
    const nearlyFull = new Workspaces({
      root: join(directory, 'workspaces'),
      minFreeDiskBytes: free + 1024 ** 2,
    });

    await expect(
      beginTurn({
        store,
        scope,
        lease,
        turnId: 'turn-1',
        messages,
        attach: { ...attach, workspaces: nearlyFull },
      }),
    ).rejects.toMatchObject({ code: 'service_unavailable', status: 503, retryable: true });

    expect(await readdir(join(nearlyFull.pathOf(session.id)))).toEqual([]);
    expect(await store.listMessages(scope)).toEqual([]);
    expect(await store.getTurn({ ...scope, turnId: 'turn-1' })).toBeNull();
  });
});

describe('beginTurn and the session title', () => {
  test('only the session’s first message is its first, whether regenerated or followed', async () => {
    const store = new SqliteSessionStore(await openSqliteDatabase({ path: ':memory:' }));
    const session = await store.createSession({ ownerId: 'alice' });
    const scope = { ownerId: 'alice', sessionId: session.id };
    const begin = async (turnId: string, options: { regenerate?: boolean } = {}) => {
      const lease = { key: 'session', owner: turnId, fencingToken: 1 };
      const messages = options.regenerate ? [] : [{ text: 'hello', clientMessageId: `key-${turnId}` }];
      const begun = await beginTurn({ store, scope, lease, turnId, messages, ...options });
      await store.endTurn({ ...scope, turnId, status: 'completed' });
      return begun.isFirstMessage;
    };

    expect(await begin('turn-1')).toBe(true);
    expect(await begin('turn-2', { regenerate: true })).toBe(false);
    expect(await begin('turn-3')).toBe(false);
    await store.close();
  });
});
