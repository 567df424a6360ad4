import type { Sandbox } from '../sandbox/sandbox.ts';
import { createBashExecTool } from './bash-exec.ts';
import { deleteFileTool } from './delete-file.ts';
import { editFileTool } from './edit-file.ts';
import { globTool } from './glob.ts';
import { grepTool } from './grep.ts';
import { listFilesTool } from './list-files.ts';
import { readFileTool } from './read-file.ts';
import { todoWriteTool } from './todo-write.ts';
import type { AnyToolDefinition } from './tool.ts';
import { writeFileTool } from './write-file.ts';

/** The tools every session gets; `bash_exec` with the server's sandbox. */
export function createDefaultTools(options: { sandbox?: Sandbox } = {}): AnyToolDefinition[] {
  return [
    listFilesTool,
    readFileTool,
    writeFileTool,
    editFileTool,
    deleteFileTool,
    globTool,
    grepTool,
    todoWriteTool,
    ...(options.sandbox ? [createBashExecTool({ sandbox: options.sandbox })] : []),
  ];
}
