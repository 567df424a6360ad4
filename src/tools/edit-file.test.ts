import { readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { useToolWorkspace } from './tool-test-workspace.ts';

const workspace = useToolWorkspace();
const write = (path: string, content: string | Buffer) =>
  writeFile(join(workspace.workspaceDir, path), content);
const contentOf = (path: string) => readFile(join(workspace.workspaceDir, path), 'utf8');

describe('edit_file', () => {
  test('replaces the one occurrence and reports it', async () => {
    await write('app.ts', 'const a = 1;\nconst b = 2;\n');

    const outcome = await workspace.run('edit_file', {
      path: 'app.ts',
      old_text: 'const b = 2;',
      new_text: 'const b = 3;',
    });

    expect(outcome).toMatchObject({ isError: false, output: { path: 'app.ts', replacements: 1 } });
    expect(await contentOf('app.ts')).toBe('const a = 1;\nconst b = 3;\n');
  });

  test('new_text is inserted literally, replacement patterns included', async () => {
    await write('a.txt', 'price: X');

    await workspace.run('edit_file', { path: 'a.txt', old_text: 'X', new_text: "$& $' $1 $$" });

    expect(await contentOf('a.txt')).toBe("price: $& $' $1 $$");
  });

  test('text that is not in the file is an actionable error, and the file is untouched', async () => {
    await write('a.txt', 'hello world');

    const outcome = await workspace.run('edit_file', { path: 'a.txt', old_text: 'Hello', new_text: 'Bye' });

    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toMatch(/^old_text was not found in "a\.txt"\..*Read the file again/);
    expect(await contentOf('a.txt')).toBe('hello world');
  });

  test('several occurrences without replace_all say how many and change nothing', async () => {
    await write('a.txt', 'x = 1; x = 2; x = 3;');

    const outcome = await workspace.run('edit_file', { path: 'a.txt', old_text: 'x =', new_text: 'y =' });

    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toMatch(/^old_text occurs 3 times in "a\.txt"\..*set replace_all to true/);
    expect(await contentOf('a.txt')).toBe('x = 1; x = 2; x = 3;');
  });

  test('replace_all replaces every occurrence', async () => {
    await write('a.txt', 'x = 1; x = 2; x = 3;');

    const outcome = await workspace.run('edit_file', {
      path: 'a.txt',
      old_text: 'x =',
      new_text: 'y =',
      replace_all: true,
    });

    expect(outcome.output).toEqual({ path: 'a.txt', replacements: 3 });
    expect(await contentOf('a.txt')).toBe('y = 1; y = 2; y = 3;');
  });

  test('an edit that would make the file larger than the edit limit is refused, and the file is untouched', async () => {
    const original = 'x,'.repeat(50_000);
    await write('big.txt', original);

    const outcome = await workspace.run('edit_file', {
      path: 'big.txt',
      old_text: 'x',
      new_text: 'y'.repeat(300),
      replace_all: true,
    });

    expect(outcome.isError).toBe(true);
    expect(outcome.modelText).toMatch(/files over 10485760 bytes cannot be edited/);
    expect(await contentOf('big.txt')).toBe(original);
  });

  test('a missing file points to write_file; a binary file is refused', async () => {
    const missing = await workspace.run('edit_file', { path: 'nope.txt', old_text: 'a', new_text: 'b' });
    expect(missing.modelText).toBe(
      'File "nope.txt" does not exist in the workspace. Use write_file to create a new file.',
    );

    await write('image.bin', Buffer.from([0x61, 0x00, 0x62]));
    const binary = await workspace.run('edit_file', { path: 'image.bin', old_text: 'a', new_text: 'c' });
    expect(binary.modelText).toMatch(/is not a text file/);
  });

  test('paths leaving the workspace are refused and nothing outside changes', async () => {
    const secret = join(workspace.outside, 'secret.txt');
    await writeFile(secret, 'password=1');
    await symlink(secret, join(workspace.workspaceDir, 'link.txt'));
    const edit = { old_text: 'password=1', new_text: 'password=2' };

    const climbing = await workspace.run('edit_file', { path: '../outside/secret.txt', ...edit });
    const absolute = await workspace.run('edit_file', { path: secret, ...edit });
    const throughLink = await workspace.run('edit_file', { path: 'link.txt', ...edit });

    expect(climbing.modelText).toMatch(/contains "\.\."/);
    expect(absolute.modelText).toMatch(/is outside the workspace/);
    expect(throughLink.modelText).toMatch(/leads outside the workspace/);
    expect(await readFile(secret, 'utf8')).toBe('password=1');
  });
});
