import { statfs } from 'node:fs/promises';

/** What the server keeps free on the disk that holds workspaces unless told otherwise: 1 GiB. */
export const defaultMinFreeDiskBytes = 1024 ** 3;
/** How often free space is read while a command runs: `statfs` costs microseconds. */
const watchIntervalMs = 200;
const nearFloorIntervalMs = 25;

/**
 * What is left on the filesystem that holds `path`: bytes an unprivileged writer may still use,
 * and entries for new files (inodes), which a command can use up with empty files while bytes
 * stay plentiful. `inodeFloor` is the entries kept free unless told otherwise: 1% of the
 * filesystem's, none where it has no fixed number (btrfs reports 0).
 */
export async function readDiskRoom(path: string): Promise<DiskRoom> {
  const stats = await statfs(path);
  return { bytes: stats.bavail * stats.bsize, inodes: stats.ffree, inodeFloor: Math.ceil(stats.files / 100) };
}

/** What is left on a disk: free bytes, free entries for new files, and the entries kept free. */
export interface DiskRoom {
  bytes: number;
  inodes: number;
  inodeFloor: number;
}

/** How a disk's room is read: `readDiskRoom`, or a test's stand-in. */
export type DiskRoomReader = (path: string) => Promise<DiskRoom>;

/** The floor a disk is kept above: free bytes, and free entries for new files. */
export interface DiskFloor {
  minFreeBytes: number;
  minFreeInodes: number;
}

/** Why the disk is below `floor`, in words for the model; null when it is not. */
export function shortfallOf(room: { bytes: number; inodes: number }, floor: DiskFloor): string | null {
  if (room.bytes < floor.minFreeBytes) {
    return `the server's disk is nearly full (${megabytes(room.bytes)} free; it keeps ${megabytes(floor.minFreeBytes)} free)`;
  }
  if (room.inodes < floor.minFreeInodes) {
    return (
      `the server's disk has room for only ${room.inodes.toLocaleString('en')} more files ` +
      `(it keeps room for ${floor.minFreeInodes.toLocaleString('en')})`
    );
  }
  return null;
}

/**
 * Why writing `bytes` more would take a disk with `room` left below the free space the server
 * keeps (or below 1% of its file entries), in words for the model; null when there is room.
 */
export function shortfallOfWriting(options: {
  room: DiskRoom;
  bytes: number;
  minFreeBytes: number;
}): string | null {
  const { room, bytes, minFreeBytes } = options;
  // A write of nothing (one that empties a file) may go on below the floor.
  if (bytes > 0 && room.bytes - bytes < minFreeBytes) {
    return (
      `the server's disk is nearly full: writing ${megabytes(bytes)} would leave less than the ` +
      `${megabytes(minFreeBytes)} it keeps free (${megabytes(room.bytes)} free)`
    );
  }
  return shortfallOf(
    { bytes: Number.POSITIVE_INFINITY, inodes: room.inodes },
    { minFreeBytes: 0, minFreeInodes: room.inodeFloor },
  );
}

/** A write was not made: it would have taken the disk below its floor. */
export class NoDiskRoomError extends Error {
  override name = 'NoDiskRoomError';
  readonly shortfall: string;
  constructor(shortfall: string) {
    super(shortfall);
    this.shortfall = shortfall;
  }
}

/**
 * Bytes this process is writing through `writeWithinFloor` now. `statfs` sees a write only as it
 * lands, so without them parallel writes (uploads, tool calls) would each find the same room.
 */
let bytesBeingWritten = 0;

/**
 * Runs `write`, which adds at most `bytes` to the disk that holds `path`, if that leaves the
 * free space the server keeps: for what the server writes itself (a tool's file, an upload, an
 * attachment's copy, a saved tool output). Otherwise throws `NoDiskRoomError` and writes nothing.
 * The bytes count as used until `write` ends.
 */
export async function writeWithinFloor<T>(
  options: { path: string; bytes: number; minFreeBytes: number; readRoom?: DiskRoomReader },
  write: () => Promise<T>,
): Promise<T> {
  const { bytes } = options;
  const room = await (options.readRoom ?? readDiskRoom)(options.path);
  const shortfall = shortfallOfWriting({
    room: { ...room, bytes: room.bytes - bytesBeingWritten },
    bytes,
    minFreeBytes: options.minFreeBytes,
  });
  if (shortfall) throw new NoDiskRoomError(shortfall);
  bytesBeingWritten += bytes;
  try {
    return await write();
  } finally {
    bytesBeingWritten -= bytes;
  }
}

/** A command was not started: the disk is below the floor the server keeps free. */
export class DiskFullError extends Error {
  override name = 'DiskFullError';
  readonly code = 'disk_full' as const;

  constructor(shortfall: string) {
    super(
      `${shortfall.charAt(0).toUpperCase()}${shortfall.slice(1)}, so no command runs until space is freed. ${diskAdvice}`,
    );
  }
}

/**
 * Watches free space while a command runs, and calls `onLow` once if it falls below the floor
 * (bytes, or entries for new files).
 * One session's command must not fill the disk that holds every session's workspace, and the
 * database beside them: a full disk would fail every turn's writes, and lose their replies.
 */
export class DiskWatch {
  #timer: NodeJS.Timeout | undefined;
  #shortfall: string | null = null;
  #disposed = false;

  constructor(options: { path: string; floor: DiskFloor; onLow: () => void }) {
    const read = () => {
      readDiskRoom(options.path)
        .then((room) => {
          const shortfall = shortfallOf(room, options.floor);
          if (shortfall !== null) {
            this.#shortfall = shortfall;
            options.onLow();
          } else {
            schedule(nearFloor(room, options.floor) ? nearFloorIntervalMs : watchIntervalMs);
          }
        })
        // The folder went away (its session was deleted): the command's own writes fail too.
        .catch(() => schedule(watchIntervalMs));
    };
    const schedule = (ms: number) => {
      if (this.#disposed) return;
      this.#timer = setTimeout(read, ms);
      this.#timer.unref();
    };
    schedule(watchIntervalMs);
  }

  /** Why the command was stopped, when the disk fell below the floor; else null. */
  get shortfall(): string | null {
    return this.#shortfall;
  }

  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#timer);
  }
}

/**
 * Within twice the floor, a fast disk could write past it between two reads 200 ms apart (a
 * review measured 700 MB with parallel direct writes), so reads come eight times as often there.
 */
function nearFloor(room: { bytes: number; inodes: number }, floor: DiskFloor): boolean {
  return room.bytes < floor.minFreeBytes * 2 || room.inodes < floor.minFreeInodes * 2;
}

/**
 * The disk is shared: another session, or something else on the host, may have filled it. So the
 * model is not told to delete the user's files to make room.
 */
export const diskAdvice =
  'Other sessions share this disk, so this session may not be the cause. Tell the user; delete only ' +
  "files this task made that are no longer needed (delete_file), never the user's own files to make room.";

export function megabytes(bytes: number): string {
  if (bytes > 0 && bytes < 1024 ** 2) return 'under 1 MB';
  return `${Math.max(0, Math.floor(bytes / 1024 ** 2)).toLocaleString('en')} MB`;
}
