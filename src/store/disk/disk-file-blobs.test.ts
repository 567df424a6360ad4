import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { readDiskRoom } from '../../util/disk-floor.ts';
import { describeFileBlobsConformance } from '../conformance/file-blobs-conformance.ts';
import { DiskFileBlobs } from './disk-file-blobs.ts';

async function* chunks(...parts: Uint8Array[]): AsyncIterable<Uint8Array> {
  yield* parts;
}

describeFileBlobsConformance('disk', async (limit) => {
  const directory = await mkdtemp(join(tmpdir(), 'autopilot-blobs-'));
  return {
    blobs: new DiskFileBlobs({ root: join(directory, 'files'), maxBytes: limit }),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
});

describe('DiskFileBlobs on disk', () => {
  let directory: string | undefined;
  afterEach(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  async function makeBlobs(): Promise<{ blobs: DiskFileBlobs; root: string }> {
    directory = await mkdtemp(join(tmpdir(), 'autopilot-blobs-'));
    const root = join(directory, 'files');
    return { blobs: new DiskFileBlobs({ root, maxBytes: 1000 }), root };
  }

  test('a blob is one file named by its key, nothing else is left beside it', async () => {
    const { blobs, root } = await makeBlobs();
    const stored = await blobs.write(chunks(Buffer.from('hello '), Buffer.from('world')));

    expect(await readdir(root)).toEqual([stored.storageKey]);
    expect(await readFile(join(root, stored.storageKey), 'utf8')).toBe('hello world');
  });

  test('a too-large or failed write leaves no file behind', async () => {
    const { blobs, root } = await makeBlobs();
    await expect(blobs.write(chunks(Buffer.alloc(600), Buffer.alloc(600)))).rejects.toMatchObject({
      code: 'payload_too_large',
    });
    async function* failing(): AsyncIterable<Uint8Array> {
      yield Buffer.alloc(10);
      throw new Error('connection lost');
    }
    await expect(blobs.write(failing())).rejects.toThrow('connection lost');

    expect(await readdir(root)).toEqual([]);
  });

  test('below the disk floor, with room for the largest blob, nothing is stored and the answer is a 503', async () => {
    directory = await mkdtemp(join(tmpdir(), 'autopilot-blobs-'));
    const root = join(directory, 'files');
    const free = (await readDiskRoom(directory)).bytes;
    // 64 MB above the floor: a 20 MB blob fits; a 100 MB one might not, so it is refused before any byte is read.
    const roomy = new DiskFileBlobs({
      root,
      maxBytes: 20 * 1024 ** 2,
      minFreeDiskBytes: free - 64 * 1024 ** 2,
    });
    expect((await roomy.write(chunks(Buffer.from('ok')))).size).toBe(2);

    const tight = new DiskFileBlobs({
      root,
      maxBytes: 100 * 1024 ** 2,
      minFreeDiskBytes: free - 64 * 1024 ** 2,
    });
    let read = false;
    async function* watched(): AsyncIterable<Uint8Array> {
      read = true;
      yield Buffer.from('never stored');
    }
    await expect(tight.write(watched())).rejects.toMatchObject({ code: 'service_unavailable', status: 503 });
    expect(read).toBe(false);
    expect(await readdir(root)).toHaveLength(1);
  });
});
