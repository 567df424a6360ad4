import { constants, type FileHandle, open, realpath } from 'node:fs/promises';
import { hasErrorCode } from '../util/error-code.ts';
import { isInside, PathError, resolveWorkspacePath } from './workspace-path.ts';

/** The path names a folder, a FIFO, a device…: something other than a regular file. */
export class NotAFileError extends PathError {
  override name = 'NotAFileError';
}

/**
 * `create` makes a new file and refuses an existing name; `write` (truncated once verified) and
 * `append` create or reuse one; `edit` reads and writes an existing one.
 */
export type WorkspaceOpenMode = 'read' | 'write' | 'append' | 'create' | 'edit';

const modeFlags: Record<WorkspaceOpenMode, number> = {
  read: constants.O_RDONLY,
  // No O_TRUNC: nothing may change before the opened file is verified. `write` truncates after.
  write: constants.O_WRONLY | constants.O_CREAT,
  append: constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND,
  create: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
  edit: constants.O_RDWR,
};

/**
 * Opens a file of the workspace so that the check and the use are one: the path is checked
 * (`resolveWorkspacePath`), opened without following a final symlink and without blocking on a
 * FIFO, and then the opened descriptor itself is checked: a regular file, whose real path is
 * inside the workspace, and (to be written) with no other hard link, since a link made to a file
 * outside cannot be told apart from the original. A link swapped in between cannot escape.
 * Throws PathError for a refusal; ENOENT when a file to read does not exist.
 */
export async function openWorkspaceFile(options: {
  workspaceDir: string;
  path: string;
  mode: WorkspaceOpenMode;
  /** See `resolveWorkspacePath`. */
  names?: 'literal';
}): Promise<{ handle: FileHandle; size: number }> {
  const { path, mode } = options;
  const target = await resolveWorkspacePath(options);
  const root = await realpath(options.workspaceDir);
  let handle: FileHandle;
  try {
    handle = await open(target, modeFlags[mode] | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
  } catch (error) {
    if (hasErrorCode({ error, code: 'ELOOP' }))
      throw new PathError(`"${path}" is a symbolic link; it is not followed.`);
    if (hasErrorCode({ error, code: 'EISDIR' }))
      throw new NotAFileError(`"${path}" is a folder, not a file.`);
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new NotAFileError(`"${path}" is ${info.isDirectory() ? 'a folder' : 'not a regular file'}.`);
    }
    const real = await realpath(`/proc/self/fd/${handle.fd}`);
    if (!isInside({ root, path: real })) {
      throw new PathError(`Path "${path}" leads outside the workspace.`);
    }
    if (mode !== 'read' && info.nlink > 1) {
      throw new PathError(
        `"${path}" has another hard link, which may lead outside the workspace; it is not written. ` +
          'Delete it and write a new file instead.',
      );
    }
    if (mode === 'write') await handle.truncate(0);
    return { handle, size: info.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Up to `limit` bytes of an opened file, read from its start; null if it holds more. Bounded on
 * its own, whatever the file's size was when it was checked: it may have grown since.
 */
export async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer | null> {
  let buffer = Buffer.alloc(Math.min(limit, (await handle.stat()).size) + 1);
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      if (filled > limit) return null;
      const grown = Buffer.alloc(Math.min(limit + 1, buffer.length * 2));
      buffer.copy(grown);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) return buffer.subarray(0, filled);
    filled += bytesRead;
  }
}
