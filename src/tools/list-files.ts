import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import { defineTool, ToolError } from './tool.ts';

const maxEntries = 1000;
/** Entries read, folders and the rest included: 200,000 empty folders must not walk for seconds. */
const maxEntriesVisited = 20_000;

export const listFilesTool = defineTool({
  name: 'list_files',
  description:
    'List files in the session workspace. `path` is a folder relative to the workspace root (default: the root). ' +
    `Recursive by default, shallowest folders first; at most ${maxEntries} entries.`,
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
    let visited = 0;
    let truncated = false;
    // Breadth first, so a listing cut short still shows the top of the tree.
    const folders = [folder];
    for (let next = 0; next < folders.length && !truncated; next++) {
      context.signal.throwIfAborted();
      const path = folders[next] as string;
      const dir = await opendir(path, { bufferSize: 256 }).catch(() => null);
      // A folder removed since it was seen is left out, as an entry deleted mid-listing would be.
      if (!dir) continue;
      for await (const entry of dir) {
        if (files.length >= maxEntries || ++visited > maxEntriesVisited) {
          truncated = true;
          break;
        }
        const full = join(path, entry.name);
        if (entry.isDirectory()) {
          if (input.recursive !== false) folders.push(full);
          else files.push({ path: `${relative(root, full)}/`, size: 0 });
        } else if (entry.isFile()) {
          const size = await lstat(full).then(
            (entryInfo) => entryInfo.size,
            () => null,
          );
          if (size !== null) files.push({ path: relative(root, full), size });
        }
      }
    }
    files.sort((a, b) => a.path.localeCompare(b.path));
    return { output: { files, truncated } };
  },
});
