import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { FileBlobs } from '../file-blobs.ts';

/** `maxBytes` of the returned blobs must be `limit`. */
export type FileBlobsFactory = (limit: number) => Promise<{ blobs: FileBlobs; cleanup: () => Promise<void> }>;

const limit = 64 * 1024;

async function* chunksOf(bytes: Uint8Array, chunkSize = 1000): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    yield bytes.subarray(offset, offset + chunkSize);
  }
}

async function readAll(stream: Readable | null): Promise<Buffer | null> {
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function bytesOf(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => (index * 31 + 7) % 256);
}

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The behaviour every FileBlobs must have. Each test gets fresh, empty storage with a 64 KiB limit. */
export function describeFileBlobsConformance(name: string, makeBlobs: FileBlobsFactory): void {
  describe(`FileBlobs conformance: ${name}`, () => {
    let current: Awaited<ReturnType<FileBlobsFactory>> | undefined;

    beforeEach(async () => {
      current = await makeBlobs(limit);
    });

    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    const getBlobs = (): FileBlobs => {
      if (!current) throw new Error('The blobs are only available inside a test.');
      return current.blobs;
    };

    test('write then read returns the same bytes, with their size and sha256', async () => {
      const blobs = getBlobs();
      const bytes = bytesOf(50_001);

      const stored = await blobs.write(chunksOf(bytes));

      expect(stored).toEqual({ storageKey: expect.any(String), size: bytes.length, sha256: sha256Of(bytes) });
      expect(await readAll(await blobs.read(stored.storageKey))).toEqual(Buffer.from(bytes));
    });

    test('an empty blob and one of exactly maxBytes are kept', async () => {
      const blobs = getBlobs();
      expect(blobs.maxBytes).toBe(limit);

      const empty = await blobs.write(chunksOf(new Uint8Array(0)));
      const full = await blobs.write(chunksOf(bytesOf(limit)));

      expect(empty.size).toBe(0);
      expect(await readAll(await blobs.read(empty.storageKey))).toEqual(Buffer.alloc(0));
      expect(full.size).toBe(limit);
      expect((await readAll(await blobs.read(full.storageKey)))?.length).toBe(limit);
    });

    test('the same bytes twice get two keys; removing one keeps the other', async () => {
      const blobs = getBlobs();
      const bytes = bytesOf(100);
      const first = await blobs.write(chunksOf(bytes));
      const second = await blobs.write(chunksOf(bytes));
      expect(first.storageKey).not.toBe(second.storageKey);

      await blobs.remove(first.storageKey);

      expect(await blobs.read(first.storageKey)).toBeNull();
      expect(await readAll(await blobs.read(second.storageKey))).toEqual(Buffer.from(bytes));
    });

    test('one byte over maxBytes is payload_too_large, and the rest of the source is not read', async () => {
      const blobs = getBlobs();
      let yielded = 0;
      async function* endless(): AsyncIterable<Uint8Array> {
        for (;;) {
          yielded += 1;
          yield bytesOf(1000);
        }
      }

      await expect(blobs.write(chunksOf(bytesOf(limit + 1)))).rejects.toMatchObject({
        code: 'payload_too_large',
        status: 413,
      });
      await expect(blobs.write(endless())).rejects.toMatchObject({ code: 'payload_too_large' });
      expect(yielded).toBeLessThan(limit / 1000 + 5);
    });

    test("a source that fails rejects with the source's error", async () => {
      const blobs = getBlobs();
      async function* failing(): AsyncIterable<Uint8Array> {
        yield bytesOf(10);
        throw new Error('connection lost');
      }

      await expect(blobs.write(failing())).rejects.toThrow('connection lost');
    });

    test('unknown and malformed keys read as null, and removing them is harmless', async () => {
      const blobs = getBlobs();
      for (const key of ['0'.repeat(32), '../../etc/passwd', '', 'a/b']) {
        expect(await blobs.read(key)).toBeNull();
        await blobs.remove(key);
      }
    });
  });
}
