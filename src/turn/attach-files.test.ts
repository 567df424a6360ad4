import { mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DiskFileBlobs } from '../store/disk/disk-file-blobs.ts';
import type { FileRecord } from '../store/file-store.ts';
import { copyAttachments } from './attach-files.ts';

describe('copyAttachments', () => {
  let directory: string;
  let workspaceDir: string;
  let blobs: DiskFileBlobs;

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'autopilot-attach-'));
    workspaceDir = join(directory, 'workspace');
    await mkdir(workspaceDir);
    blobs = new DiskFileBlobs({ root: join(directory, 'files'), maxBytes: 1024 });
  });
  afterEach(async () => rm(directory, { recursive: true, force: true }));

  async function storedFile(name: string, text: string): Promise<FileRecord> {
    const blob = await blobs.write(
      (async function* () {
        yield Buffer.from(text);
      })(),
    );
    return {
      id: `id-${name}`,
      ownerId: 'alice',
      sessionId: null,
      name,
      mediaType: 'text/plain',
      createdAt: new Date(0).toISOString(),
      ...blob,
    };
  }

  test('copies under attachments/, numbering names that are taken, never overwriting', async () => {
    await mkdir(join(workspaceDir, 'attachments'));
    await writeFile(join(workspaceDir, 'attachments', 'a.txt'), 'the agent wrote this');
    const first = await storedFile('a.txt', 'one');
    const second = await storedFile('a.txt', 'two');
    const hidden = await storedFile('.env', 'three');

    const attachments = await copyAttachments({ blobs, workspaceDir, files: [first, second, hidden] });

    expect(attachments).toEqual([
      { fileId: 'id-a.txt', name: 'a.txt', mediaType: 'text/plain', size: 3, path: 'attachments/a (2).txt' },
      { fileId: 'id-a.txt', name: 'a.txt', mediaType: 'text/plain', size: 3, path: 'attachments/a (3).txt' },
      { fileId: 'id-.env', name: '.env', mediaType: 'text/plain', size: 5, path: 'attachments/.env' },
    ]);
    const read = (name: string) => readFile(join(workspaceDir, 'attachments', name), 'utf8');
    expect(await read('a.txt')).toBe('the agent wrote this');
    expect(await read('a (2).txt')).toBe('one');
    expect(await read('a (3).txt')).toBe('two');
    expect(await read('.env')).toBe('three');
  });

  test('all or nothing: when one file cannot be copied, the copies made are removed', async () => {
    const kept = await storedFile('kept.txt', 'fine');
    const lost = await storedFile('lost.txt', 'gone');
    await blobs.remove(lost.storageKey);

    await expect(copyAttachments({ blobs, workspaceDir, files: [kept, lost] })).rejects.toMatchObject({
      code: 'workspace_error',
    });

    expect(await readdir(join(workspaceDir, 'attachments'))).toEqual([]);
  });

  test.each([
    ['links outside the workspace', 'outside'],
    ['links inside the workspace', 'inside'],
    ['is a file', 'file'],
  ])('an attachments entry that %s is moved aside, kept, and never written through', async (_name, kind) => {
    const outside = join(directory, 'outside');
    await mkdir(outside);
    await mkdir(join(workspaceDir, 'docs'));
    const entry = join(workspaceDir, 'attachments');
    if (kind === 'outside') await symlink(outside, entry);
    if (kind === 'inside') await symlink('docs', entry);
    if (kind === 'file') await writeFile(entry, 'the agent wrote this');

    const [attachment] = await copyAttachments({
      blobs,
      workspaceDir,
      files: [await storedFile('a.txt', 'x')],
    });

    expect(attachment?.path).toBe('attachments/a.txt');
    expect(await readFile(join(workspaceDir, 'attachments', 'a.txt'), 'utf8')).toBe('x');
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(join(workspaceDir, 'docs'))).toEqual([]);
    const moved = (await readdir(workspaceDir)).filter((name) => name.startsWith('attachments.moved-'));
    expect(moved).toHaveLength(1);
    if (kind === 'file')
      expect(await readFile(join(workspaceDir, moved[0]!), 'utf8')).toBe('the agent wrote this');
    else expect(await readlink(join(workspaceDir, moved[0]!))).toBe(kind === 'inside' ? 'docs' : outside);
  });
});
