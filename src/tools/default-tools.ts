import type { Sandbox } from '../sandbox/sandbox.ts';
import { type DiskRoomReader, defaultMinFreeDiskBytes } from '../util/disk-floor.ts';
import { createBashExecTool } from './bash-exec.ts';
import { deleteFileTool } from './delete-file.ts';
import { createEditFileTool } from './edit-file.ts';
import { globTool } from './glob.ts';
import { grepTool } from './grep.ts';
import { listFilesTool } from './list-files.ts';
import { readFileTool } from './read-file.ts';
import { todoWriteTool } from './todo-write.ts';
import type { AnyToolDefinition } from './tool.ts';
import { createWriteFileTool } from './write-file.ts';

/**
 * The tools every session gets; `bash_exec` with the server's sandbox. `minFreeDiskBytes` is the
 * free space the file tools keep on the workspaces' disk (the sandbox has its own).
 */
export function createDefaultTools(
  options: { sandbox?: Sandbox; minFreeDiskBytes?: number; readRoom?: DiskRoomReader } = {},
): AnyToolDefinition[] {
  const room = {
    minFreeDiskBytes: options.minFreeDiskBytes ?? defaultMinFreeDiskBytes,
    ...(options.readRoom ? { readRoom: options.readRoom } : {}),
  };
  return [
    listFilesTool,
    readFileTool,
    createWriteFileTool(room),
    createEditFileTool(room),
    deleteFileTool,
    globTool,
    grepTool,
    todoWriteTool,
    ...(options.sandbox ? [createBashExecTool({ sandbox: options.sandbox })] : []),
  ];
}
