import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../util/app-error.ts';
import { defaultMinFreeDiskBytes, NoDiskRoomError, writeWithinFloor } from '../../util/disk-floor.ts';
import { hasErrorCode } from '../../util/error-code.ts';
import type { FileBlobs, StoredBlob } from '../file-blobs.ts';

const storageKeyPattern = /^[0-9a-f]{32}$/;
const partialSuffix = '.partial';

/**
 * Blobs as files under one folder, named by a random key. A blob is written to a temporary file
 * beside its final name and renamed into place only when complete, so a reader never sees half a file.
 */
export class DiskFileBlobs implements FileBlobs {
  readonly maxBytes: number;
  readonly #root: string;
  readonly #minFreeDiskBytes: number;

  /**
   * `minFreeDiskBytes`: the free space kept on the disk, which the workspaces and the database
   * share. A blob is refused when one of the largest size would take it below.
   */
  constructor(options: { root: string; maxBytes: number; minFreeDiskBytes?: number }) {
    this.#root = options.root;
    this.maxBytes = options.maxBytes;
    this.#minFreeDiskBytes = options.minFreeDiskBytes ?? defaultMinFreeDiskBytes;
  }

  async write(source: AsyncIterable<Uint8Array>): Promise<StoredBlob> {
    await mkdir(this.#root, { recursive: true, mode: 0o700 });
    // Its size is not known before it is read: room for the largest is asked for.
    return writeWithinFloor(
      { path: this.#root, bytes: this.maxBytes, minFreeBytes: this.#minFreeDiskBytes },
      () => this.#store(source),
    ).catch((error: unknown) => {
      if (!(error instanceof NoDiskRoomError)) throw error;
      throw new AppError(
        'service_unavailable',
        "The server's disk is nearly full, so the file was not stored. Try again later, or ask the server's operator to free space.",
        { status: 503, retryable: true },
      );
    });
  }

  async #store(source: AsyncIterable<Uint8Array>): Promise<StoredBlob> {
    const storageKey = randomBytes(16).toString('hex');
    const target = join(this.#root, storageKey);
    const temporary = `${target}${partialSuffix}`;
    const hash = createHash('sha256');
    let size = 0;
    const maxBytes = this.maxBytes;
    const handle = await open(temporary, 'wx', 0o600);
    const output = handle.createWriteStream();
    try {
      await pipeline(
        source,
        async function* measure(chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            size += chunk.byteLength;
            if (size > maxBytes) {
              throw new AppError('payload_too_large', `The file is larger than ${maxBytes} bytes.`, {
                status: 413,
              });
            }
            hash.update(chunk);
            yield chunk;
          }
        },
        output,
      );
      await rename(temporary, target);
    } catch (error) {
      // The stream must have let go of the file before it can be removed for good.
      if (!output.closed) await new Promise<void>((resolve) => output.once('close', () => resolve()));
      await rm(temporary, { force: true });
      throw error;
    }
    return { storageKey, size, sha256: hash.digest('hex') };
  }

  async read(storageKey: string): Promise<Readable | null> {
    if (!storageKeyPattern.test(storageKey)) return null;
    try {
      const handle = await open(join(this.#root, storageKey), 'r');
      return handle.createReadStream();
    } catch (error) {
      if (hasErrorCode({ error, code: 'ENOENT' })) return null;
      throw error;
    }
  }

  async remove(storageKey: string): Promise<void> {
    if (!storageKeyPattern.test(storageKey)) return;
    await rm(join(this.#root, storageKey), { force: true });
  }
}
