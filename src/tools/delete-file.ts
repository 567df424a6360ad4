import { lstat, realpath, unlink } from 'node:fs/promises';
import { relative } from 'node:path';
import { z } from 'zod';
import { resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import { defineTool, ToolError } from './tool.ts';

export const deleteFileTool = defineTool({
  name: 'delete_file',
  description:
    'Delete one file from the session workspace. Folders cannot be deleted with this tool. ' +
    'A symbolic link is removed itself; what it points to is kept. Deletion cannot be undone.',
  inputSchema: z.object({
    path: z.string().describe('File path relative to the workspace root'),
  }),
  async execute(input, context) {
    const file = await resolveWorkspacePath({ workspaceDir: context.workspaceDir, path: input.path });
    if (relative(await realpath(context.workspaceDir), file) === '') {
      throw new ToolError('The workspace root cannot be deleted. Name a single file inside it.');
    }
    // lstat: a link is judged (and removed) as a link, never as what it points to.
    const info = await lstat(file).catch(() => null);
    if (!info) throw new ToolError(`File "${input.path}" does not exist in the workspace.`);
    if (info.isDirectory()) {
      throw new ToolError(`"${input.path}" is a folder; delete_file deletes single files only.`);
    }
    await unlink(file);
    return { output: { path: input.path, deleted: true } };
  },
});
