import { realpath, stat } from 'node:fs/promises';
import { z } from 'zod';
import { resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import { compileGlob } from './glob-pattern.ts';
import { defineTool, ToolError } from './tool.ts';
import { walkWorkspaceFiles } from './walk-workspace-files.ts';

const maxFiles = 500;

export const globTool = defineTool({
  name: 'glob',
  description:
    'Find files in the session workspace by name pattern. The pattern is matched against paths relative ' +
    'to `path` (default: the workspace root): `*` and `?` match within one folder level, `**` matches any ' +
    'number of folders, `{a,b}` matches either. So `*.ts` finds TypeScript files directly in the folder, ' +
    '`**/*.ts` finds them at any depth, and `src/**/*.{test,spec}.ts` finds tests under src. ' +
    `Returns paths relative to the workspace root (ready for read_file), sorted; at most ${maxFiles}. ` +
    'Symlinked folders are not searched. To search file contents, use grep.',
  inputSchema: z.object({
    pattern: z.string().min(1).describe('Glob pattern, e.g. "**/*.md"'),
    path: z
      .string()
      .optional()
      .describe('Folder to search, relative to the workspace root (default: the root)'),
  }),
  async execute(input, context) {
    if (input.pattern.startsWith('/')) {
      throw new ToolError('The pattern must be relative; put the folder to search in `path` instead.');
    }
    const matches = compileGlob(input.pattern);
    const resolved = await resolveWorkspacePath({
      workspaceDir: context.workspaceDir,
      path: input.path ?? '.',
    });
    const info = await stat(resolved).catch(() => null);
    if (!info?.isDirectory()) throw new ToolError(`"${input.path ?? '.'}" is not a folder in the workspace.`);
    const files: string[] = [];
    let truncated = false;
    const { limitReached } = await walkWorkspaceFiles({
      root: await realpath(context.workspaceDir),
      folder: await realpath(resolved),
      signal: context.signal,
      visit(file) {
        if (!matches(file.pathInFolder)) return true;
        if (files.length >= maxFiles) {
          truncated = true;
          return false;
        }
        files.push(file.path);
        return true;
      },
    });
    files.sort();
    return { output: { files, truncated: truncated || limitReached } };
  },
});
