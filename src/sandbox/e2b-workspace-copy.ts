import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { megabytes, NoDiskRoomError, writeWithinFloor } from '../util/disk-floor.ts';
import { hasErrorCode } from '../util/error-code.ts';
import type { Logger } from '../util/logger.ts';
import type { E2bRemote, E2bRemoteFile } from './e2b-client.ts';
import { openWorkspaceFile } from './open-workspace-file.ts';
import { PathError, resolveWorkspacePath } from './workspace-path.ts';

/** The remote workspace's regular files as a command found them: path → size and modification. */
export type RemoteSnapshot = Map<string, string>;

/**
 * Per file, the host's and the remote's signatures (size, modification, inode) when both last
 * held the same content: while neither changed, the file is not uploaded again.
 */
export type SyncedFiles = Map<string, { host: string; remote: string }>;

/**
 * Makes the remote workspace hold exactly the host workspace's regular files: the host is the
 * source of truth, so a file deleted there (by `delete_file`) is deleted remotely too instead of
 * coming back after the next command. Symlinks and anything else on the host stay behind; files
 * unchanged on both sides since they were last in step are not sent again. While another
 * command of the session runs (`othersRunning`), what it may be changing is left alone: a remote
 * file never in step is not deleted, and one whose host side is unchanged is not reverted; its
 * own copy-back brings those changes home. Returns the remote's files as the command will find them.
 */
export async function upload(options: {
  remote: E2bRemote;
  workspaceDir: string;
  remoteDir: string;
  synced: SyncedFiles;
  othersRunning: boolean;
}): Promise<RemoteSnapshot> {
  const { remote, workspaceDir, remoteDir, synced, othersRunning } = options;
  const local = await listHostFiles(workspaceDir);
  const present = snapshotOf(await remote.listFiles(remoteDir));
  for (const path of present.keys()) {
    if (local.has(path) || (othersRunning && !synced.has(path))) continue;
    await remote.removeFile(`${remoteDir}/${path}`);
    synced.delete(path);
  }
  const sent = new Map<string, string>();
  for (const path of local) {
    const { handle } = await openWorkspaceFile({ workspaceDir, path, mode: 'read' });
    try {
      const host = hostSignature(await handle.stat());
      const known = synced.get(path);
      if (known?.host === host && known.remote === present.get(path)) continue;
      if (othersRunning && known?.host === host && present.has(path)) continue;
      await remote.writeFile({ path: `${remoteDir}/${path}`, data: await handle.readFile() });
      sent.set(path, host);
    } finally {
      await handle.close();
    }
  }
  const snapshot = snapshotOf(await remote.listFiles(remoteDir));
  for (const [path, host] of sent) {
    const remoteSignature = snapshot.get(path);
    if (remoteSignature) synced.set(path, { host, remote: remoteSignature });
  }
  return snapshot;
}

/**
 * Brings back what the command changed: files it made or modified are copied into the
 * workspace, each through `openWorkspaceFile` (no write through a host link, no name leading
 * outside), and files it deleted are deleted. Files it did not touch are left alone, so a file
 * tool's write on the host while the command ran is not undone. A file over `maxFileBytes` (as
 * listed) stays remote: it would be held in memory whole, and bubblewrap's commands cannot write
 * one either; so do the changed files past the first `maxCopiedFiles`, so that copying a flood of
 * files ends, and a file that would take the host's disk below `minFreeDiskBytes`, which the
 * workspaces and the database share. Returns a note per file left behind, for the command's output.
 */
export async function download(options: {
  remote: E2bRemote;
  workspaceDir: string;
  remoteDir: string;
  before: RemoteSnapshot;
  synced: SyncedFiles;
  maxFileBytes: number;
  /** Changed files copied back at most; a flood of files beyond it stays remote, and the copy ends. */
  maxCopiedFiles: number;
  minFreeDiskBytes: number;
  logger: Logger;
}): Promise<string[]> {
  const { remote, workspaceDir, remoteDir, before, synced, maxFileBytes, maxCopiedFiles } = options;
  const notes: string[] = [];
  const listed = await remote.listFiles(remoteDir);
  const after = snapshotOf(listed);
  const sizes = new Map(listed.map((file) => [file.path, file.size]));
  const skip = (path: string, reason: string) => {
    options.logger.warn({ path, reason }, 'a file from the E2B sandbox was not copied back');
    notes.push(`"${path}" was not copied back to the workspace: ${reason} ${untilNext}`);
  };
  let copied = 0;
  let leftOver = 0;
  // Deletions first: a file the command replaced by a folder must be gone before the folder's files come.
  for (const path of before.keys()) {
    if (after.has(path)) continue;
    synced.delete(path);
    try {
      const target = await resolveWorkspacePath({ workspaceDir, path });
      if ((await lstat(target).catch(() => null))?.isFile()) await unlink(target);
    } catch (error) {
      // A name the workspace refuses was never copied back, so there is nothing to delete.
      if (!(error instanceof PathError)) throw error;
    }
  }
  for (const [path, signature] of after) {
    if (before.get(path) === signature) continue;
    if (copied >= maxCopiedFiles) {
      leftOver += 1;
      continue;
    }
    copied += 1;
    const size = sizes.get(path) ?? 0;
    if (size > maxFileBytes) {
      skip(path, `it is larger than ${maxFileBytes} bytes.`);
      continue;
    }
    try {
      await writeWithinFloor(
        { path: workspaceDir, bytes: size, minFreeBytes: options.minFreeDiskBytes },
        async () => {
          const target = await resolveWorkspacePath({ workspaceDir, path });
          await mkdir(dirname(target), { recursive: true });
          const { handle } = await openWorkspaceFile({ workspaceDir, path, mode: 'write' });
          try {
            await handle.writeFile(await remote.readFile(`${remoteDir}/${path}`));
            synced.set(path, { host: hostSignature(await handle.stat()), remote: signature });
          } finally {
            await handle.close();
          }
        },
      );
    } catch (error) {
      if (error instanceof NoDiskRoomError) {
        skip(
          path,
          `the server's disk is too full to take it (it keeps ${megabytes(options.minFreeDiskBytes)} and 1% of its file entries free).`,
        );
      } else if (error instanceof PathError) skip(path, error.message);
      // A file the host has where the command made a folder (written meanwhile by a file tool).
      else if (hasErrorCode({ error, code: 'EEXIST' }) || hasErrorCode({ error, code: 'ENOTDIR' }))
        skip(path, 'a file of the workspace is in the way.');
      else throw error;
    }
  }
  if (leftOver > 0) {
    options.logger.warn({ leftOver, maxCopiedFiles }, 'a command changed too many files to copy back');
    notes.push(
      `${leftOver} more changed files were not copied back to the workspace: at most ${maxCopiedFiles} are, per command. ${untilNext}`,
    );
  }
  return notes;
}

/** The host is the source of truth: the next command's upload removes what did not come back. */
const untilNext = 'The sandbox keeps such files only until the next command.';

function hostSignature(stats: Stats): string {
  return `${stats.size}:${stats.mtimeMs}:${stats.ino}`;
}

function snapshotOf(files: E2bRemoteFile[]): RemoteSnapshot {
  return new Map(
    files
      .filter((file) => file.type === 'file')
      .map((file) => [file.path, `${file.size}:${file.modifiedMs}`]),
  );
}

/** The workspace's regular files, relative and `/`-separated; links are not followed. */
async function listHostFiles(workspaceDir: string): Promise<Set<string>> {
  const files = new Set<string>();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(join(workspaceDir, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.add(path);
    }
  };
  await walk('');
  return files;
}
