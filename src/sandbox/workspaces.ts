import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { toPathKey } from '../util/ids.ts';

/** Per-session workspace folders under one root. Session ids are hashed, never used raw in paths. */
export class Workspaces {
  readonly #root: string;

  constructor(options: { root: string }) {
    this.#root = options.root;
  }

  pathOf(sessionId: string): string {
    return join(this.#root, toPathKey(sessionId));
  }

  async ensure(sessionId: string): Promise<string> {
    const path = this.pathOf(sessionId);
    await mkdir(path, { recursive: true, mode: 0o700 });
    return path;
  }

  async remove(sessionId: string): Promise<void> {
    await rm(this.pathOf(sessionId), { recursive: true, force: true });
  }
}
