import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { PathError, resolveWorkspacePath } from './workspace-path.ts';

/**
 * Layout of each test:
 *   <base>/workspace/          the workspace (real path `root`)
 *   <base>/workspace-link  ->  workspace
 *   <base>/outside/secret.txt  a file the model must never reach
 *   <base>/workspace-evil/     a sibling whose name starts with the workspace's
 */
let base: string;
let root: string;
let outside: string;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'autopilot-path-')));
  root = join(base, 'workspace');
  outside = join(base, 'outside');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(outside);
  await mkdir(join(base, 'workspace-evil'));
  await writeFile(join(root, 'sub', 'inside.txt'), 'inside');
  await writeFile(join(outside, 'secret.txt'), 'secret');
  await symlink(root, join(base, 'workspace-link'));
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const resolveIn = (path: string, workspaceDir = root) => resolveWorkspacePath({ workspaceDir, path });

describe('resolveWorkspacePath accepts places inside the workspace', () => {
  test('a relative path resolves under the workspace', async () => {
    expect(await resolveIn('sub/inside.txt')).toBe(join(root, 'sub', 'inside.txt'));
    expect(await resolveIn('./sub/./inside.txt')).toBe(join(root, 'sub', 'inside.txt'));
  });

  test('a path through folders that do not exist yet resolves under the workspace', async () => {
    expect(await resolveIn('new/deeper/still/file.txt')).toBe(
      join(root, 'new', 'deeper', 'still', 'file.txt'),
    );
  });

  test('"." and "" resolve to the workspace root', async () => {
    expect(await resolveIn('.')).toBe(root);
    expect(await resolveIn('')).toBe(root);
  });

  test('an absolute path inside the workspace is accepted', async () => {
    expect(await resolveIn(join(root, 'sub', 'inside.txt'))).toBe(join(root, 'sub', 'inside.txt'));
    expect(await resolveIn(root)).toBe(root);
  });

  test('with a symlinked workspace root, absolute paths via the link and via the real path are accepted', async () => {
    const link = join(base, 'workspace-link');

    expect(await resolveIn(join(link, 'sub', 'inside.txt'), link)).toBe(join(root, 'sub', 'inside.txt'));
    expect(await resolveIn(join(root, 'sub', 'inside.txt'), link)).toBe(join(root, 'sub', 'inside.txt'));
    expect(await resolveIn('sub/new.txt', link)).toBe(join(root, 'sub', 'new.txt'));
  });

  test('a symlink from inside to inside is accepted', async () => {
    await symlink(join(root, 'sub'), join(root, 'alias'));
    await symlink(join(root, 'sub', 'inside.txt'), join(root, 'inside-link.txt'));

    expect(await resolveIn('alias/inside.txt')).toBe(join(root, 'alias', 'inside.txt'));
    expect(await resolveIn('alias/new/file.txt')).toBe(join(root, 'alias', 'new', 'file.txt'));
    expect(await resolveIn('inside-link.txt')).toBe(join(root, 'inside-link.txt'));
  });

  test('a segment of exactly 255 bytes is accepted', async () => {
    const name = 'x'.repeat(255);
    expect(await resolveIn(`sub/${name}`)).toBe(join(root, 'sub', name));
  });
});

describe('resolveWorkspacePath refuses places outside the workspace', () => {
  test.each([['../outside/secret.txt'], ['sub/../../outside/secret.txt'], ['sub/..'], ['..']])(
    '"%s" is refused because it contains ..',
    async (path) => {
      await expect(resolveIn(path)).rejects.toThrow(PathError);
      await expect(resolveIn(path)).rejects.toThrow(/contains ".."/);
    },
  );

  test('a backslash is refused, whatever it separates', async () => {
    await expect(resolveIn('sub\\..\\..\\outside')).rejects.toThrow(/backslash/);
  });

  test('an absolute path with .. is refused even when it would land inside', async () => {
    await expect(resolveIn(`${root}/sub/../sub/inside.txt`)).rejects.toThrow(PathError);
    await expect(resolveIn(`${root}/sub/../sub/inside.txt`)).rejects.toThrow(/contains ".."/);
  });

  test.each([
    ['/etc/passwd'],
    ['the outside folder'],
    ['a sibling whose name starts with the workspace name'],
    ['the parent of the workspace'],
  ])('the absolute path of %s is refused', async (which) => {
    const path = {
      '/etc/passwd': '/etc/passwd',
      'the outside folder': join(outside, 'secret.txt'),
      'a sibling whose name starts with the workspace name': join(base, 'workspace-evil', 'x.txt'),
      'the parent of the workspace': base,
    }[which]!;

    await expect(resolveIn(path)).rejects.toThrow(PathError);
    await expect(resolveIn(path)).rejects.toThrow(/outside the workspace/);
  });

  test('a symlink to a file outside is refused', async () => {
    await symlink(join(outside, 'secret.txt'), join(root, 'leak.txt'));

    await expect(resolveIn('leak.txt')).rejects.toThrow(PathError);
    await expect(resolveIn('leak.txt')).rejects.toThrow(/symbolic link/);
  });

  test('a symlink to a folder outside is refused, for existing and new files beneath it', async () => {
    await symlink(outside, join(root, 'sub', 'escape'));

    await expect(resolveIn('sub/escape')).rejects.toThrow(PathError);
    await expect(resolveIn('sub/escape/secret.txt')).rejects.toThrow(PathError);
    await expect(resolveIn('sub/escape/new/file.txt')).rejects.toThrow(PathError);
  });

  test('a dangling symlink to a file outside is refused (writing through it would create that file)', async () => {
    await symlink(join(outside, 'created-by-write.txt'), join(root, 'dangling.txt'));
    await symlink(join(outside, 'missing-folder'), join(root, 'dangling-folder'));
    await symlink('../../outside/relative.txt', join(root, 'sub', 'dangling-relative.txt'));

    await expect(resolveIn('dangling.txt')).rejects.toThrow(PathError);
    await expect(resolveIn('sub/dangling-relative.txt')).rejects.toThrow(PathError);
    await expect(resolveIn('dangling-folder/file.txt')).rejects.toThrow(PathError);
  });

  test('a dangling symlink to a place inside is accepted', async () => {
    await symlink(join(root, 'not-yet.txt'), join(root, 'pending.txt'));

    expect(await resolveIn('pending.txt')).toBe(join(root, 'pending.txt'));
  });
});

describe('resolveWorkspacePath refuses malformed paths', () => {
  test('a NUL byte is refused', async () => {
    await expect(resolveIn('sub/inside.txt\0.png')).rejects.toThrow(PathError);
    await expect(resolveIn('sub/inside.txt\0.png')).rejects.toThrow(/NUL/);
  });

  test('a path over 1024 characters is refused', async () => {
    const path = 'abcdefghi/'.repeat(103);
    await expect(resolveIn(path)).rejects.toThrow(PathError);
    await expect(resolveIn(path)).rejects.toThrow(/longer than 1024 characters/);
  });

  test('a segment over 255 bytes is refused, counting bytes rather than characters', async () => {
    await expect(resolveIn(`sub/${'x'.repeat(256)}`)).rejects.toThrow(/segment is longer than 255 bytes/);
    // 128 two-byte characters: 128 characters but 256 bytes.
    await expect(resolveIn(`sub/${'é'.repeat(128)}`)).rejects.toThrow(PathError);
  });
});
