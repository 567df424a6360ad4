import { statfs } from 'node:fs/promises';

/** What the server keeps free on the disk that holds workspaces unless told otherwise: 1 GiB. */
export const defaultMinFreeDiskBytes = 1024 ** 3;
/** How often free space is read while a command runs: `statfs` costs microseconds. */
const watchIntervalMs = 200;

/** Bytes an unprivileged writer may still use on the filesystem that holds `path`. */
export async function freeDiskBytes(path: string): Promise<number> {
  const stats = await statfs(path);
  return stats.bavail * stats.bsize;
}

/** A command was not started: the disk is below the floor the server keeps free. */
export class DiskFullError extends Error {
  override name = 'DiskFullError';
  readonly code = 'disk_full' as const;

  constructor(options: { freeBytes: number; minFreeBytes: number }) {
    super(
      `The server's disk is nearly full (${megabytes(options.freeBytes)} free; it keeps ` +
        `${megabytes(options.minFreeBytes)} free), so no command runs until space is freed. ${diskAdvice}`,
    );
  }
}

/**
 * Watches free space while a command runs, and calls `onLow` once if it falls below the floor.
 * One session's command must not fill the disk that holds every session's workspace, and the
 * database beside them: a full disk would fail every turn's writes, and lose their replies.
 * A read fails only if the folder is gone, and then the command's own writes fail as well.
 */
export class DiskWatch {
  readonly #timer: NodeJS.Timeout;
  #low = false;
  #reading = false;

  constructor(options: { path: string; minFreeBytes: number; onLow: () => void; intervalMs?: number }) {
    this.#timer = setInterval(() => {
      if (this.#reading || this.#low) return;
      this.#reading = true;
      freeDiskBytes(options.path)
        .then((free) => {
          if (free >= options.minFreeBytes || this.#low) return;
          this.#low = true;
          options.onLow();
        })
        .catch(() => undefined)
        .finally(() => {
          this.#reading = false;
        });
    }, options.intervalMs ?? watchIntervalMs);
    this.#timer.unref();
  }

  /** The command was stopped because free space fell below the floor. */
  get low(): boolean {
    return this.#low;
  }

  dispose(): void {
    clearInterval(this.#timer);
  }
}

/**
 * The disk is shared: another session, or something else on the host, may have filled it. So the
 * model is not told to delete the user's files to make room.
 */
export const diskAdvice =
  'Other sessions share this disk, so this session may not be the cause. Tell the user; delete only ' +
  "files this task made that are no longer needed (delete_file), never the user's own files to make room.";

export function megabytes(bytes: number): string {
  return `${Math.max(0, Math.floor(bytes / 1024 ** 2)).toLocaleString('en')} MB`;
}
