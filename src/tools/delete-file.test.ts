import { access, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { useToolWorkspace } from './tool-test-workspace.ts';

const workspace = useToolWorkspace();
const inWorkspace = (path: string) => join(workspace.workspaceDir, path);
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('delete_file', () => {
  test('deletes the one file named and keeps its neighbours', async () => {
    await mkdir(inWorkspace('notes'));
    await writeFile(inWorkspace('notes/old.txt'), 'old');
    await writeFile(inWorkspace('notes/keep.txt'), 'keep');

    const outcome = await workspace.run('delete_file', { path: 'notes/old.txt' });

    expect(outcome).toMatchObject({ isError: false, output: { path: 'notes/old.txt', deleted: true } });
    expect(await readdir(inWorkspace('notes'))).toEqual(['keep.txt']);
  });

  test('a missing file is a clear error', async () => {
    const outcome = await workspace.run('delete_file', { path: 'ghost.txt' });

    expect(outcome).toMatchObject({
      isError: true,
      output: 'File "ghost.txt" does not exist in the workspace.',
    });
  });

  test('folders and the workspace root are refused and kept', async () => {
    await mkdir(inWorkspace('src'));
    await writeFile(inWorkspace('src/a.ts'), 'a');

    const folder = await workspace.run('delete_file', { path: 'src' });
    const root = await workspace.run('delete_file', { path: '.' });
    const rootAbsolute = await workspace.run('delete_file', { path: `${workspace.workspaceDir}/` });

    expect(folder.modelText).toBe('"src" is a folder; delete_file deletes single files only.');
    expect(root.modelText).toMatch(/workspace root cannot be deleted/);
    expect(rootAbsolute.modelText).toMatch(/workspace root cannot be deleted/);
    expect(await readFile(inWorkspace('src/a.ts'), 'utf8')).toBe('a');
  });

  test('a symlink inside the workspace is removed itself, not its target', async () => {
    await writeFile(inWorkspace('target.txt'), 'kept');
    await symlink(inWorkspace('target.txt'), inWorkspace('link.txt'));

    const outcome = await workspace.run('delete_file', { path: 'link.txt' });

    expect(outcome.isError).toBe(false);
    expect(await readdir(workspace.workspaceDir)).toEqual(['target.txt']);
  });

  test('paths leaving the workspace are refused and nothing outside is deleted', async () => {
    const secret = join(workspace.outside, 'secret.txt');
    await writeFile(secret, 'keep me');
    await symlink(secret, inWorkspace('link.txt'));
    await symlink(workspace.outside, inWorkspace('outside-dir'));

    const climbing = await workspace.run('delete_file', { path: '../outside/secret.txt' });
    const absolute = await workspace.run('delete_file', { path: secret });
    const throughLink = await workspace.run('delete_file', { path: 'link.txt' });
    const throughFolderLink = await workspace.run('delete_file', { path: 'outside-dir/secret.txt' });

    expect(climbing.modelText).toMatch(/contains "\.\."/);
    expect(absolute.modelText).toMatch(/is outside the workspace/);
    expect(throughLink.modelText).toMatch(/leads outside the workspace/);
    expect(throughFolderLink.modelText).toMatch(/leads outside the workspace/);
    expect(await exists(secret)).toBe(true);
  });
});
