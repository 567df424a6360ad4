import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { useToolWorkspace } from './tool-test-workspace.ts';

const workspace = useToolWorkspace();
const storedTodos = async () =>
  JSON.parse(await readFile(join(workspace.workspaceDir, '.autopilot/todos.json'), 'utf8'));

describe('todo_write', () => {
  test('stores the list in the workspace and returns it; the next call replaces it', async () => {
    const first = [
      { content: 'Read the config', status: 'completed' },
      { content: 'Add the flag', status: 'in_progress' },
      { content: 'Write tests', status: 'pending' },
    ];

    const outcome = await workspace.run('todo_write', { todos: first });

    expect(outcome).toMatchObject({ isError: false, output: { todos: first } });
    expect(await storedTodos()).toEqual({ todos: first });
    const second = [{ content: 'Write tests', status: 'in_progress' }];
    await workspace.run('todo_write', { todos: second });
    expect(await storedTodos()).toEqual({ todos: second });
    expect(await readdir(join(workspace.workspaceDir, '.autopilot'))).toEqual(['todos.json']);
    const read = await workspace.run('read_file', { path: '.autopilot/todos.json' });
    expect(read.output).toMatchObject({ content: expect.stringContaining('"Write tests"') });
  });

  test('more than 100 items, over-long content or an unknown status are refused, and nothing is stored', async () => {
    const item = { content: 'x', status: 'pending' };

    const tooMany = await workspace.run('todo_write', { todos: Array.from({ length: 101 }, () => item) });
    const tooLong = await workspace.run('todo_write', { todos: [{ ...item, content: 'x'.repeat(501) }] });
    const badStatus = await workspace.run('todo_write', { todos: [{ ...item, status: 'done' }] });

    expect(tooMany.modelText).toMatch(/^Invalid input for todo_write: todos: .*100/);
    expect(tooLong.modelText).toMatch(/^Invalid input for todo_write: todos\.0\.content: .*500/);
    expect(badStatus.modelText).toMatch(/^Invalid input for todo_write: todos\.0\.status: /);
    expect(await readdir(workspace.workspaceDir)).toEqual([]);
    expect(
      (await workspace.run('todo_write', { todos: Array.from({ length: 100 }, () => item) })).isError,
    ).toBe(false);
  });

  test('a .autopilot folder linked outside the workspace is refused', async () => {
    await mkdir(join(workspace.outside, 'elsewhere'));
    await symlink(join(workspace.outside, 'elsewhere'), join(workspace.workspaceDir, '.autopilot'));

    const outcome = await workspace.run('todo_write', { todos: [{ content: 'x', status: 'pending' }] });

    expect(outcome.modelText).toMatch(/leads outside the workspace/);
    expect(await readdir(join(workspace.outside, 'elsewhere'))).toEqual([]);
  });
});
