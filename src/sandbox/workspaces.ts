import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultMinFreeDiskBytes, shortfallOfWrite } from '../util/disk-floor.ts';
import { toPathKey } from '../util/ids.ts';

/** Per-session workspace folders under one root. Session ids are hashed, never used raw in paths. */
export class Workspaces {
  readonly #root: string;
  /** Folders made by this process: a turn should not pay for mkdir every time. */
  readonly #ensured = new Set<string>();

  /** The free space kept on the workspaces' disk by what the server writes there itself. */
  readonly minFreeDiskBytes: number;

  constructor(options: { root: string; minFreeDiskBytes?: number }) {
    this.#root = options.root;
    this.minFreeDiskBytes = options.minFreeDiskBytes ?? defaultMinFreeDiskBytes;
  }

  /** Why writing `bytes` more would take the workspaces' disk below its floor; null when there is room. */
  shortfallOfWrite(bytes: number): Promise<string | null> {
    return shortfallOfWrite({ path: this.#root, bytes, minFreeBytes: this.minFreeDiskBytes });
  }

  pathOf(sessionId: string): string {
    return join(this.#root, toPathKey(sessionId));
  }

  async ensure(sessionId: string): Promise<string> {
    const path = this.pathOf(sessionId);
    if (this.#ensured.has(path)) return path;
    await mkdir(path, { recursive: true, mode: 0o700 });
    this.#ensured.add(path);
    return path;
  }

  async remove(sessionId: string): Promise<void> {
    const path = this.pathOf(sessionId);
    this.#ensured.delete(path);
    await rm(path, { recursive: true, force: true });
  }
}
