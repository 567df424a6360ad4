import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { openWorkspaceFile } from '../sandbox/open-workspace-file.ts';
import { resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import { type DiskRoomReader, diskAdvice, NoDiskRoomError, writeWithinFloor } from '../util/disk-floor.ts';
import { defineTool, ToolError } from './tool.ts';

const maxContentChars = 5_000_000;

/**
 * `minFreeDiskBytes`: the free space the server keeps on the workspaces' disk. A write that would
 * take it below is refused, as a command would be (`bash_exec`): one session's files must not fill
 * the disk every session and the database share.
 */
export function createWriteFileTool(options: { minFreeDiskBytes: number; readRoom?: DiskRoomReader }) {
  return defineTool({
    name: 'write_file',
    description:
      'Create or overwrite a text file in the session workspace. Parent folders are created as needed. ' +
      'Set append to true to add to the end of an existing file. For large content (more than a few hundred ' +
      'lines), write the first part, then the rest in further calls with append: true; a very long single call ' +
      'can be cut off. To change part of an existing file, use edit_file instead of rewriting it.',
    inputSchema: z.object({
      path: z.string().describe('File path relative to the workspace root'),
      content: z.string().max(maxContentChars),
      append: z.boolean().optional(),
    }),
    async execute(input, context) {
      const file = await resolveWorkspacePath({ workspaceDir: context.workspaceDir, path: input.path });
      // Counted whole, even over a file of a like size: emptying a file need not free its size (a
      // sparse file, a copy sharing its blocks). A write of nothing, which empties a file, goes on.
      const bytes = Buffer.byteLength(input.content);
      await writeWithinFloor(
        {
          path: context.workspaceDir,
          bytes,
          minFreeBytes: options.minFreeDiskBytes,
          readRoom: options.readRoom,
        },
        async () => {
          await mkdir(dirname(file), { recursive: true });
          // Re-check after creating folders: a symlinked parent must not redirect the write.
          await resolveWorkspacePath({ workspaceDir: context.workspaceDir, path: input.path });
          const { handle } = await openWorkspaceFile({
            workspaceDir: context.workspaceDir,
            path: input.path,
            mode: input.append ? 'append' : 'write',
          });
          try {
            await handle.writeFile(input.content, 'utf8');
          } finally {
            await handle.close();
          }
        },
      ).catch((error: unknown) => {
        if (error instanceof NoDiskRoomError) {
          throw new ToolError(`disk_full: ${error.shortfall}. Nothing was written. ${diskAdvice}`);
        }
        throw error;
      });
      return {
        output: { path: input.path, bytesWritten: bytes, appended: !!input.append },
      };
    },
  });
}
