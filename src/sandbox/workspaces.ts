import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultMinFreeDiskBytes, writeWithinFloor } from '../util/disk-floor.ts';
import { toPathKey } from '../util/ids.ts';

/** Per-session workspace folders under one root. Session ids are hashed, never used raw in paths. */
export class Workspaces {
  readonly #root: string;
  /**
   * Folders made by this process, by session id: a turn should pay for neither mkdir nor the
   * path's hash every time.
   */
  readonly #ensured = new Map<string, string>();

  /** The free space kept on the workspaces' disk by what the server writes there itself. */
  readonly minFreeDiskBytes: number;

  constructor(options: { root: string; minFreeDiskBytes?: number }) {
    this.#root = options.root;
    this.minFreeDiskBytes = options.minFreeDiskBytes ?? defaultMinFreeDiskBytes;
  }

  /** Runs `write`, which adds at most `bytes` to the workspaces' disk, if that leaves its floor (`writeWithinFloor`). */
  writeWithinFloor<T>(bytes: number, write: () => Promise<T>): Promise<T> {
    return writeWithinFloor({ path: this.#root, bytes, minFreeBytes: this.minFreeDiskBytes }, write);
  }

  pathOf(sessionId: string): string {
    return this.#ensured.get(sessionId) ?? join(this.#root, toPathKey(sessionId));
  }

  async ensure(sessionId: string): Promise<string> {
    const known = this.#ensured.get(sessionId);
    if (known !== undefined) return known;
    const path = this.pathOf(sessionId);
    await mkdir(path, { recursive: true, mode: 0o700 });
    this.#ensured.set(sessionId, path);
    return path;
  }

  async remove(sessionId: string): Promise<void> {
    const path = this.pathOf(sessionId);
    this.#ensured.delete(sessionId);
    await rm(path, { recursive: true, force: true });
  }
}
