import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { openWorkspaceFile } from '../sandbox/open-workspace-file.ts';
import { resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import { defineTool } from './tool.ts';

const maxContentChars = 5_000_000;

export const writeFileTool = defineTool({
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
    return {
      output: { path: input.path, bytesWritten: Buffer.byteLength(input.content), appended: !!input.append },
    };
  },
});
