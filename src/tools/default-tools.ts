import { deleteFileTool } from './delete-file.ts';
import { editFileTool } from './edit-file.ts';
import { globTool } from './glob.ts';
import { grepTool } from './grep.ts';
import { listFilesTool } from './list-files.ts';
import { readFileTool } from './read-file.ts';
import { todoWriteTool } from './todo-write.ts';
import type { AnyToolDefinition } from './tool.ts';
import { writeFileTool } from './write-file.ts';

/** The tools every session gets. */
export function createDefaultTools(): AnyToolDefinition[] {
  return [
    listFilesTool,
    readFileTool,
    writeFileTool,
    editFileTool,
    deleteFileTool,
    globTool,
    grepTool,
    todoWriteTool,
  ];
}
