import { z } from 'zod';
import { openWorkspaceFile, readAtMost } from '../sandbox/open-workspace-file.ts';
import { isMissing } from '../util/error-code.ts';
import { defineTool, ToolError } from './tool.ts';

const defaultLineLimit = 2000;
const maxReadBytes = 10 * 1024 * 1024;

export const readFileTool = defineTool({
  name: 'read_file',
  description:
    'Read a text file from the session workspace. Lines are numbered from 1. ' +
    `Use offset (first line, 1-based) and limit (number of lines, default ${defaultLineLimit}) to read large files in pieces.`,
  inputSchema: z.object({
    path: z.string().describe('File path relative to the workspace root'),
    offset: z.number().int().min(1).optional(),
    limit: z.number().int().min(1).max(100_000).optional(),
  }),
  async execute(input, context) {
    const { handle, size } = await openWorkspaceFile({
      workspaceDir: context.workspaceDir,
      path: input.path,
      mode: 'read',
    }).catch((error: unknown) => {
      if (isMissing(error)) throw new ToolError(`File "${input.path}" does not exist in the workspace.`);
      throw error;
    });
    let bytes: Buffer | null;
    try {
      bytes = size > maxReadBytes ? null : await readAtMost(handle, maxReadBytes);
    } finally {
      await handle.close();
    }
    if (bytes === null) {
      // It may have grown past the limit after it was opened: then its size then says nothing.
      const shown = size > maxReadBytes ? `${size} bytes` : `over ${maxReadBytes} bytes`;
      throw new ToolError(
        `File "${input.path}" is ${shown}; files over ${maxReadBytes} bytes cannot be read.`,
      );
    }
    const text = bytes.toString('utf8');
    // A final newline ends the last line; it does not start another.
    const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
    const offset = input.offset ?? 1;
    const limit = input.limit ?? defaultLineLimit;
    const slice = lines.slice(offset - 1, offset - 1 + limit);
    return {
      output: {
        path: input.path,
        content: slice.join('\n'),
        startLine: offset,
        endLine: offset - 1 + slice.length,
        totalLines: lines.length,
      },
    };
  },
});
