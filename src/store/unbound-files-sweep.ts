import type { Logger } from '../util/logger.ts';
import type { FileBlobs } from './file-blobs.ts';
import type { FileStore } from './file-store.ts';

/** How long an upload may wait to be sent before it goes. */
export const unboundFileMaxAgeMs = 24 * 60 * 60_000;
const sweepIntervalMs = 60 * 60_000;

/**
 * Removes uploads never sent, record and bytes, once they are a day old. The new-chat page uploads
 * before its chat exists, and a file taken out of the composer is never sent: nothing else would
 * ever delete those, and there is no route to. A file sent is bound to its session and goes with it.
 */
export class UnboundFilesSweep {
  readonly #options: { files: FileStore; blobs: FileBlobs; logger: Logger; maxAgeMs: number };
  #timer: NodeJS.Timeout | undefined;

  constructor(options: { files: FileStore; blobs: FileBlobs; logger: Logger; maxAgeMs?: number }) {
    this.#options = { ...options, maxAgeMs: options.maxAgeMs ?? unboundFileMaxAgeMs };
  }

  /** Sweeps now, then every hour until `stop`. */
  start(): void {
    void this.sweep();
    this.#timer = setInterval(() => void this.sweep(), sweepIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** The number of files removed; a failure is logged, and the next sweep tries again. */
  async sweep(): Promise<number> {
    const { files, blobs, logger, maxAgeMs } = this.#options;
    try {
      const createdBefore = new Date(Date.now() - maxAgeMs).toISOString();
      const storageKeys = await files.deleteUnboundFiles({ createdBefore });
      await Promise.all(storageKeys.map((storageKey) => blobs.remove(storageKey)));
      if (storageKeys.length > 0) logger.info({ files: storageKeys.length }, 'removed uploads never sent');
      return storageKeys.length;
    } catch (error) {
      logger.warn({ err: error }, 'removing uploads never sent failed');
      return 0;
    }
  }
}
