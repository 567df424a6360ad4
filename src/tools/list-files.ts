import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import { defineTool, ToolError } from './tool.ts';

const maxEntries = 1000;

export const listFilesTool = defineTool({
  name: 'list_files',
  description:
    'List files in the session workspace. `path` is a folder relative to the workspace root (default: the root). ' +
    `Recursive by default; at most ${maxEntries} entries.`,
  inputSchema: z.object({
    path: z.string().optional().describe('Folder relative to the workspace root'),
    recursive: z.boolean().optional().describe('Include sub-folders (default true)'),
  }),
  async execute(input, context) {
    const folder = await resolveWorkspacePath({
      workspaceDir: context.workspaceDir,
      path: input.path ?? '.',
    });
    const info = await stat(folder).catch(() => null);
    if (!info?.isDirectory()) throw new ToolError(`"${input.path ?? '.'}" is not a folder in the workspace.`);
    // The folder is under the workspace's real path; listed paths are relative to that, not to a symlink.
    const root = await realpath(context.workspaceDir);
    const files: { path: string; size: number }[] = [];
    let truncated = false;
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (files.length >= maxEntries) {
          truncated = true;
          return;
        }
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (input.recursive !== false) await walk(full);
          else files.push({ path: `${relative(root, full)}/`, size: 0 });
        } else if (entry.isFile()) {
          files.push({ path: relative(root, full), size: (await stat(full)).size });
        }
      }
    };
    await walk(folder);
    files.sort((a, b) => a.path.localeCompare(b.path));
    return { output: { files, truncated } };
  },
});
