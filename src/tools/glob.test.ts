import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { useToolWorkspace } from './tool-test-workspace.ts';

const workspace = useToolWorkspace();
const create = async (path: string, base = workspace.workspaceDir) => {
  await mkdir(dirname(join(base, path)), { recursive: true });
  await writeFile(join(base, path), path);
};
const glob = async (input: unknown) => {
  const outcome = await workspace.run('glob', input);
  if (outcome.isError) throw new Error(outcome.modelText);
  return outcome.output as { files: string[]; truncated: boolean };
};

describe('glob', () => {
  beforeEach(async () => {
    for (const path of [
      'README.md',
      'src/a.ts',
      'src/b.js',
      'src/lib/c.ts',
      'src/lib/c.test.ts',
      '.hidden/x.ts',
    ]) {
      await create(path);
    }
  });

  test('matches within one folder level, or at any depth with **, sorted', async () => {
    expect(await glob({ pattern: '*.md' })).toEqual({ files: ['README.md'], truncated: false });
    expect((await glob({ pattern: '**/*.ts' })).files).toEqual([
      '.hidden/x.ts',
      'src/a.ts',
      'src/lib/c.test.ts',
      'src/lib/c.ts',
    ]);
    expect((await glob({ pattern: 'src/?.{ts,js}' })).files).toEqual(['src/a.ts', 'src/b.js']);
  });

  test('with path, the pattern is relative to that folder and results to the workspace root', async () => {
    expect((await glob({ pattern: '*.ts', path: 'src' })).files).toEqual(['src/a.ts']);
    expect((await glob({ pattern: '**/*.test.ts', path: 'src/lib' })).files).toEqual(['src/lib/c.test.ts']);
  });

  test('at most 500 files, with truncated set', async () => {
    await Promise.all(Array.from({ length: 510 }, (_, index) => create(`many/f${index}.txt`)));

    const result = await glob({ pattern: 'many/*.txt' });

    expect(result.files).toHaveLength(500);
    expect(result.truncated).toBe(true);
  });

  test('bad patterns and folders are clear errors', async () => {
    const unclosed = await workspace.run('glob', { pattern: '*.{ts' });
    const absolute = await workspace.run('glob', { pattern: '/etc/*' });
    const notFolder = await workspace.run('glob', { pattern: '*', path: 'README.md' });

    expect(unclosed.modelText).toMatch(/has a "\{" without its closing "\}"/);
    expect(absolute.modelText).toMatch(/must be relative; put the folder to search in `path`/);
    expect(notFolder.modelText).toBe('"README.md" is not a folder in the workspace.');
  });

  test('never lists anything outside the workspace', async () => {
    await create('secret.ts', workspace.outside);
    await symlink(workspace.outside, join(workspace.workspaceDir, 'linked-dir'));
    await symlink(join(workspace.outside, 'secret.ts'), join(workspace.workspaceDir, 'linked-secret.ts'));
    await symlink(join(workspace.workspaceDir, 'src/a.ts'), join(workspace.workspaceDir, 'alias.ts'));

    expect((await glob({ pattern: '**/*.ts' })).files).toEqual([
      '.hidden/x.ts',
      'alias.ts',
      'src/a.ts',
      'src/lib/c.test.ts',
      'src/lib/c.ts',
    ]);
    const climbing = await workspace.run('glob', { pattern: '*', path: '../outside' });
    const absolute = await workspace.run('glob', { pattern: '*', path: workspace.outside });
    const throughLink = await workspace.run('glob', { pattern: '*', path: 'linked-dir' });
    expect(climbing.modelText).toMatch(/contains "\.\."/);
    expect(absolute.modelText).toMatch(/is outside the workspace/);
    expect(throughLink.modelText).toMatch(/leads outside the workspace/);
  });

  test('does not descend into a symlinked folder even when it points inside', async () => {
    await symlink(join(workspace.workspaceDir, 'src'), join(workspace.workspaceDir, 'src-link'));

    expect((await glob({ pattern: '**/a.ts' })).files).toEqual(['src/a.ts']);
  });
});
