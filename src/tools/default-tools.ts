import { listFilesTool } from './list-files.ts';
import { readFileTool } from './read-file.ts';
import type { AnyToolDefinition } from './tool.ts';
import { writeFileTool } from './write-file.ts';

/** The tools every session gets. */
export function createDefaultTools(): AnyToolDefinition[] {
  return [listFilesTool, readFileTool, writeFileTool];
}
