import { constants as fsConstants } from 'node:fs';
import { type FileHandle, lstat, open, readdir } from 'node:fs/promises';
import type { WorkspaceListing } from '../protocol/index.ts';
import { AppError } from '../util/app-error.ts';

const maxListedFiles = 5_000;
/** Folders deeper than this are not listed: each level holds a descriptor open while it is walked. */
const maxListedDepth = 64;
const folderFlags = fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW;

/*
 * A command in the sandbox may swap a folder for a link out of the workspace while these walk (no
 * tool lock covers the routes): so each folder is opened through its parent's descriptor, never by
 * a path resolved again, and without following a link. Names are read as bytes and listed as
 * UTF-8, where a byte that is not UTF-8 reads as U+FFFD (an archive's names, or `printf` in the
 * shell, make such names); `openListedFile` finds a file by the path the listing gave it.
 */

function inFolder(folder: FileHandle, name: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`/proc/self/fd/${folder.fd}/`), name]);
}

function entriesOf(folder: FileHandle) {
  return readdir(`/proc/self/fd/${folder.fd}`, { withFileTypes: true, encoding: 'buffer' });
}

/** The workspace's regular files, by path; none if the workspace does not exist yet. */
export async function listFiles(root: string): Promise<WorkspaceListing['files']> {
  const files: WorkspaceListing['files'] = [];
  const walk = async (folder: FileHandle, prefix: string, depth: number): Promise<void> => {
    const entries = await entriesOf(folder).catch(() => []);
    for (const entry of entries) {
      if (files.length >= maxListedFiles) return;
      const path = `${prefix}${entry.name.toString()}`;
      if (entry.isDirectory() && depth < maxListedDepth) {
        const child = await open(inFolder(folder, entry.name), folderFlags).catch(() => null);
        if (!child) continue;
        try {
          await walk(child, `${path}/`, depth + 1);
        } finally {
          await child.close();
        }
      } else if (entry.isFile()) {
        // Gone (or replaced) since the folder was read, as while a build runs: left out.
        const info = await lstat(inFolder(folder, entry.name)).catch(() => null);
        if (info?.isFile()) files.push({ path, size: info.size, modifiedAt: info.mtime.toISOString() });
      }
    }
  };
  const top = await open(root, folderFlags).catch(() => null);
  if (!top) return files;
  try {
    await walk(top, '', 0);
  } finally {
    await top.close();
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The regular file the listing gave `path`, opened to read, walking to it as the listing did and
 * matching each name as the listing wrote it; null if there is none. A name that reads alike as
 * another's in its folder (their bytes that are not UTF-8 differ) is refused: which one was meant
 * cannot be told.
 */
export async function openListedFile(
  root: string,
  path: string,
): Promise<{ handle: FileHandle; size: number } | null> {
  const names = path.split('/');
  if (names.length > maxListedDepth + 1) return null;
  let folder = await open(root, folderFlags).catch(() => null);
  try {
    for (const [index, name] of names.entries()) {
      if (!folder) return null;
      const matches = (await entriesOf(folder).catch(() => [])).filter(
        (entry) => entry.name.toString() === name,
      );
      if (matches.length > 1) {
        throw new AppError(
          'bad_request',
          `More than one file or folder here reads as "${name}"; rename them in the shell to tell them apart.`,
          { status: 409 },
        );
      }
      const [match] = matches;
      if (!match) return null;
      const last = index === names.length - 1;
      const opened = await open(
        inFolder(folder, match.name),
        last ? fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK : folderFlags,
      ).catch(() => null);
      await folder.close();
      folder = null;
      if (!last) {
        folder = opened;
        continue;
      }
      if (!opened) return null;
      const info = await opened.stat();
      if (!info.isFile()) {
        await opened.close();
        return null;
      }
      return { handle: opened, size: info.size };
    }
    return null;
  } finally {
    await folder?.close();
  }
}
