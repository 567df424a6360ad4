import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger } from '../util/logger.ts';
import { DiskFileBlobs } from './disk/disk-file-blobs.ts';
import { openSqliteDatabase } from './sqlite/open-sqlite-database.ts';
import { SqliteFileStore } from './sqlite/sqlite-file-store.ts';
import { SqliteSessionStore } from './sqlite/sqlite-session-store.ts';
import { UnboundFilesSweep } from './unbound-files-sweep.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setUp() {
  const root = await mkdtemp(join(tmpdir(), 'autopilot-sweep-'));
  const database = await openSqliteDatabase({ path: ':memory:' });
  cleanups.push(
    () => database.destroy(),
    () => rm(root, { recursive: true, force: true }),
  );
  const files = new SqliteFileStore(database);
  const blobs = new DiskFileBlobs({ root, maxBytes: 1024 });
  const upload = async (options: { ownerId: string; sessionId: string | null }) => {
    const blob = await blobs.write(Readable.from([Buffer.from('bytes')]));
    const id = `file-${blob.storageKey}`;
    await files.createFile({ ...options, id, name: 'a.txt', mediaType: 'text/plain', ...blob });
    return id;
  };
  return { root, files, blobs, sessions: new SqliteSessionStore(database), upload };
}

describe('UnboundFilesSweep', () => {
  test('removes the record and bytes of uploads never sent, past the age, and nothing else', async () => {
    const { root, files, blobs, sessions, upload } = await setUp();
    const sessionId = (await sessions.createSession({ ownerId: 'alice' })).id;
    const loose = await upload({ ownerId: 'alice', sessionId: null });
    const bound = await upload({ ownerId: 'alice', sessionId });
    const logger = createLogger({ level: 'silent' });

    expect(await new UnboundFilesSweep({ files, blobs, logger }).sweep()).toBe(0);
    expect(await readdir(root)).toHaveLength(2);

    expect(await new UnboundFilesSweep({ files, blobs, logger, maxAgeMs: -1000 }).sweep()).toBe(1);
    expect(await files.getFile({ ownerId: 'alice', fileId: loose })).toBeNull();
    expect(await files.getFile({ ownerId: 'alice', fileId: bound })).not.toBeNull();
    expect(await readdir(root)).toHaveLength(1);
  });

  test('a file a message lists is kept, though bound to no session (sent before files were bound)', async () => {
    const { files, blobs, sessions, upload } = await setUp();
    const sessionId = (await sessions.createSession({ ownerId: 'alice' })).id;
    const sent = await upload({ ownerId: 'alice', sessionId: null });
    const attachment = {
      fileId: sent,
      name: 'a.txt',
      mediaType: 'text/plain',
      size: 5,
      path: 'attachments/a.txt',
    };
    await sessions.beginTurn({
      ownerId: 'alice',
      sessionId,
      turn: { id: 't1', messageId: 't1', clientMessageId: null, fencingToken: 1 },
      messages: [
        {
          id: 'u1',
          role: 'user',
          content: 'see file',
          clientMessageId: 'k1',
          metadata: { attachments: [attachment] },
        },
      ],
    });
    const logger = createLogger({ level: 'silent' });

    expect(await new UnboundFilesSweep({ files, blobs, logger, maxAgeMs: -1000 }).sweep()).toBe(0);
    expect(await files.getFile({ ownerId: 'alice', fileId: sent })).not.toBeNull();
  });
});
