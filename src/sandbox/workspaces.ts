import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { toPathKey } from '../util/ids.ts';

/** Per-session workspace folders under one root. Session ids are hashed, never used raw in paths. */
export class Workspaces {
  readonly #root: string;
  /** Folders made by this process: a turn should not pay for mkdir every time. */
  readonly #ensured = new Set<string>();

  constructor(options: { root: string }) {
    this.#root = options.root;
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
