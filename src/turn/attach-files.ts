import { lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import type { FileBlobs } from '../store/file-blobs.ts';
import type { FileRecord, FileStore } from '../store/file-store.ts';
import type { MessageAttachment } from '../store/message-attachments.ts';
import type { Scope } from '../store/session-store.ts';
import { AppError, badRequest, isAppError } from '../util/app-error.ts';
import { hasErrorCode } from '../util/error-code.ts';
import { createId } from '../util/ids.ts';
import { toSafeFileName } from '../util/safe-file-name.ts';

export const attachmentsFolder = 'attachments';
const maxNumberedCopies = 100;

/**
 * The caller's files behind `fileIds` (repeats count once). Unknown ids, another owner's files
 * and files uploaded for another session are all the same 400, so ids of others reveal nothing.
 */
export async function findAttachedFiles(options: {
  files: FileStore;
  scope: Scope;
  fileIds: string[];
}): Promise<FileRecord[]> {
  const { files, scope } = options;
  const found: FileRecord[] = [];
  for (const fileId of new Set(options.fileIds)) {
    const file = await files.getFile({ ownerId: scope.ownerId, fileId });
    if (!file || (file.sessionId !== null && file.sessionId !== scope.sessionId)) {
      throw badRequest('bad_request', `Unknown file: ${fileId}. Upload it with POST /api/files first.`);
    }
    found.push(file);
  }
  return found;
}

/**
 * Copies each file into `attachments/` of the workspace under its safe name, numbered when the
 * name is taken (a file is never overwritten). All or nothing: on failure the copies made are removed.
 */
export async function copyAttachments(options: {
  blobs: FileBlobs;
  workspaceDir: string;
  files: FileRecord[];
}): Promise<MessageAttachment[]> {
  const { blobs, workspaceDir } = options;
  const copied: MessageAttachment[] = [];
  try {
    await prepareAttachmentsFolder(workspaceDir);
    for (const file of options.files) {
      const { path, handle } = await createFreeFile({ workspaceDir, name: file.name });
      copied.push({ fileId: file.id, name: file.name, mediaType: file.mediaType, size: file.size, path });
      const output = handle.createWriteStream();
      const bytes = await blobs.read(file.storageKey);
      if (!bytes) {
        output.destroy();
        throw new Error(`The bytes of file ${file.id} are missing from storage.`);
      }
      await pipeline(bytes, output);
    }
    return copied;
  } catch (error) {
    await removeAttachments({ workspaceDir, attachments: copied });
    if (isAppError(error)) throw error;
    throw new AppError('workspace_error', 'The attached files could not be copied into the workspace.', {
      cause: error,
      retryable: true,
      status: 500,
    });
  }
}

/**
 * Makes `attachments/` a real folder. Whatever the agent put in its place (a symbolic link, to
 * anywhere, or a file) is renamed aside, never followed and never deleted, so nothing is lost.
 */
async function prepareAttachmentsFolder(workspaceDir: string): Promise<void> {
  const root = await realpath(workspaceDir);
  const folder = join(root, attachmentsFolder);
  const found = await lstat(folder).catch((error: unknown) => {
    if (hasErrorCode(error, 'ENOENT')) return null;
    throw error;
  });
  if (found?.isDirectory()) return;
  if (found) await rename(folder, join(root, `${attachmentsFolder}.moved-${createId()}`));
  await mkdir(folder, { mode: 0o700 }).catch((error: unknown) => {
    if (!hasErrorCode(error, 'EEXIST')) throw error;
  });
}

/** Undoes `copyAttachments`, for a message that was not stored after all. */
export async function removeAttachments(options: {
  workspaceDir: string;
  attachments: MessageAttachment[];
}): Promise<void> {
  for (const attachment of options.attachments) {
    const target = await resolveWorkspacePath({ workspaceDir: options.workspaceDir, path: attachment.path });
    await rm(target, { force: true });
  }
}

/** Creates (exclusively) the first free name among `name`, `name (2)`… `name (100)`, then a random one. */
async function createFreeFile(options: { workspaceDir: string; name: string }) {
  const name = toSafeFileName(options.name);
  const extension = extname(name);
  const stem = name.slice(0, name.length - extension.length);
  const candidates = [name];
  for (let number = 2; number <= maxNumberedCopies; number++)
    candidates.push(`${stem} (${number})${extension}`);
  candidates.push(`${createId()}${extension}`);
  for (const candidate of candidates) {
    const path = `${attachmentsFolder}/${candidate}`;
    const target = await resolveWorkspacePath({ workspaceDir: options.workspaceDir, path });
    try {
      return { path, handle: await open(target, 'wx') };
    } catch (error) {
      if (!hasErrorCode(error, 'EEXIST')) throw error;
    }
  }
  throw new Error(`No free name for ${name} in ${attachmentsFolder}/.`);
}
