import { randomUUID } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { openWorkspaceFile } from '../sandbox/open-workspace-file.ts';
import { resolveWorkspacePath } from '../sandbox/workspace-path.ts';
import { defineTool } from './tool.ts';

/** Where the task list lives, relative to the workspace root; the UI reads it from there. */
export const todosPath = '.autopilot/todos.json';

export const todoWriteTool = defineTool({
  name: 'todo_write',
  description:
    'Keep a task list for work with several steps; the user sees it. Send the whole list every time: it ' +
    'replaces the previous one. Mark a task in_progress before starting it (one at a time) and completed as ' +
    'soon as it is done; add tasks you discover. Skip this for simple one-step requests.',
  inputSchema: z.object({
    todos: z
      .array(
        z.object({
          content: z.string().min(1).max(500).describe('What to do, in a short imperative sentence'),
          status: z.enum(['pending', 'in_progress', 'completed']),
        }),
      )
      .max(100),
  }),
  async execute(input, context) {
    const file = await resolveWorkspacePath({ workspaceDir: context.workspaceDir, path: todosPath });
    await mkdir(dirname(file), { recursive: true });
    // Re-check after creating folders: a symlinked folder must not redirect the write.
    await resolveWorkspacePath({ workspaceDir: context.workspaceDir, path: todosPath });
    // Written whole, then renamed: a reader never sees half a list. `wx` refuses an existing name.
    const temporary = `${todosPath}.${randomUUID()}.tmp`;
    const { handle } = await openWorkspaceFile({
      workspaceDir: context.workspaceDir,
      path: temporary,
      mode: 'create',
    });
    try {
      await handle.writeFile(`${JSON.stringify({ todos: input.todos }, null, 2)}\n`, 'utf8');
    } finally {
      await handle.close();
    }
    await rename(join(dirname(file), basename(temporary)), file);
    return { output: { todos: input.todos } };
  },
});
