import { lstat, mkdir, readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../util/logger.ts';
import type { E2bRemote } from './e2b-client.ts';
import { openWorkspaceFile } from './open-workspace-file.ts';
import { PathError, resolveWorkspacePath } from './workspace-path.ts';

/**
 * Copies the workspace's regular files into `remoteDir`; symlinks and anything else stay behind.
 * Returns the relative paths it copied.
 */
export async function upload(options: {
  remote: E2bRemote;
  workspaceDir: string;
  remoteDir: string;
}): Promise<Set<string>> {
  const uploaded = new Set<string>();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(join(options.workspaceDir, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      if (!entry.isFile()) continue;
      const { handle } = await openWorkspaceFile({ workspaceDir: options.workspaceDir, path, mode: 'read' });
      try {
        await options.remote.writeFile({
          path: `${options.remoteDir}/${path}`,
          data: await handle.readFile(),
        });
      } finally {
        await handle.close();
      }
      uploaded.add(path);
    }
  };
  await walk('');
  return uploaded;
}

/**
 * Copies the regular files of `remoteDir` back into the workspace, each through
 * `openWorkspaceFile` (no write through a host link, no name leading outside), and deletes the
 * uploaded files the command removed.
 */
export async function download(options: {
  remote: E2bRemote;
  workspaceDir: string;
  remoteDir: string;
  uploaded: Set<string>;
  logger: Logger;
}): Promise<void> {
  const { remote, workspaceDir, remoteDir } = options;
  const present = new Set<string>();
  for (const file of await remote.listFiles(remoteDir)) {
    if (file.type !== 'file') continue;
    present.add(file.path);
    try {
      const target = await resolveWorkspacePath({ workspaceDir, path: file.path });
      await mkdir(dirname(target), { recursive: true });
      const { handle } = await openWorkspaceFile({ workspaceDir, path: file.path, mode: 'write' });
      try {
        await handle.writeFile(await remote.readFile(`${remoteDir}/${file.path}`));
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (!(error instanceof PathError)) throw error;
      options.logger.warn(
        { path: file.path, reason: error.message },
        'a file from the E2B sandbox was not copied back',
      );
    }
  }
  for (const path of options.uploaded) {
    if (present.has(path)) continue;
    const target = await resolveWorkspacePath({ workspaceDir, path });
    if ((await lstat(target).catch(() => null))?.isFile()) await unlink(target);
  }
}
