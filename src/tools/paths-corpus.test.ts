import { link, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, test } from 'vitest';
import { BubblewrapSandbox } from '../sandbox/bubblewrap-sandbox.ts';
import { createLogger } from '../util/logger.ts';
import { createDefaultTools } from './default-tools.ts';
import { useToolWorkspace } from './tool-test-workspace.ts';
import { snapshotTree } from './workspace-tree-snapshot.ts';

/**
 * The paths corpus (SPEC §6 "Paths"): hostile path arguments through every file tool, and
 * links planted through bash_exec. Each case asserts the refusal and that nothing changed on disk,
 * inside the workspace or outside it.
 */
describe('the paths corpus through the tools', () => {
  const sandbox = new BubblewrapSandbox({ logger: createLogger({ level: 'silent' }) });
  const workspace = useToolWorkspace({ tools: () => createDefaultTools({ sandbox }) });
  const secret = 'host secret 91d2';
  /** Another session's workspace, beside this one. */
  const otherSession = () => join(dirname(workspace.workspaceDir), 'other-session');

  beforeEach(async () => {
    await writeFile(join(workspace.outside, 'secret.txt'), secret);
    await mkdir(otherSession());
    await writeFile(join(otherSession(), 'private.txt'), 'other session private');
    await mkdir(join(workspace.workspaceDir, 'sub'));
    await writeFile(join(workspace.workspaceDir, 'inside.txt'), 'inside');
  });

  const operations: [string, (path: string) => unknown][] = [
    ['read_file', (path) => ({ path })],
    ['write_file', (path) => ({ path, content: 'pwned' })],
    ['write_file', (path) => ({ path, content: 'pwned', append: true })],
    ['edit_file', (path) => ({ path, old_text: secret, new_text: 'pwned' })],
    ['delete_file', (path) => ({ path })],
    ['list_files', (path) => ({ path })],
  ];

  /** Expects every call to be refused, and the workspace, the outside folder and the other session unchanged. */
  async function expectRefusedAndUnchanged(calls: [string, unknown][]): Promise<void> {
    const roots = [dirname(workspace.workspaceDir)];
    const before = await Promise.all(roots.map(snapshotTree));
    for (const [tool, input] of calls) {
      const outcome = await workspace.run(tool, input);
      expect(outcome.isError, `${tool} ${JSON.stringify(input).slice(0, 200)}: ${outcome.modelText}`).toBe(
        true,
      );
      expect(outcome.modelText).not.toContain(secret);
      expect(outcome.modelText).not.toContain('other session private');
    }
    expect(await Promise.all(roots.map(snapshotTree))).toEqual(before);
  }

  const hostilePaths: [string, () => string][] = [
    ['.. to a sibling', () => '../outside/secret.txt'],
    ['many ..', () => '../../../../../../../../etc/passwd'],
    ['.. after a folder', () => 'sub/../../outside/secret.txt'],
    ['./..', () => './../outside/secret.txt'],
    ['sub/./../..', () => 'sub/./../../outside/secret.txt'],
    ['bare ..', () => '..'],
    ['../', () => '../'],
    ['.. then the workspace itself', () => `../${'workspace'}/inside.txt`],
    ['absolute outside', () => join(workspace.outside, 'secret.txt')],
    ['/etc/passwd', () => '/etc/passwd'],
    ['/proc/self/environ', () => '/proc/self/environ'],
    ['/proc/self/root', () => '/proc/self/root/etc/passwd'],
    ['absolute through the workspace and ..', () => `${workspace.workspaceDir}/../outside/secret.txt`],
    ['double-slash absolute', () => `/${join(workspace.outside, 'secret.txt')}`],
    ['another session by absolute path', () => join(otherSession(), 'private.txt')],
    ['another session by ..', () => '../other-session/private.txt'],
    ['~/', () => '~/secret.txt'],
    ['~user', () => '~root/.bashrc'],
    ['bare ~', () => '~'],
    ['backslash ..', () => '..\\outside\\secret.txt'],
    ['backslash after a folder', () => 'sub\\..\\..\\outside\\secret.txt'],
    ['mixed slashes', () => 'sub/..\\../outside/secret.txt'],
    ['NUL inside', () => 'inside.txt\0../../outside/secret.txt'],
    ['NUL alone', () => '\0'],
    ['5,000-character name', () => 'a'.repeat(5_000)],
    ['300-byte segment', () => `sub/${'b'.repeat(300)}`],
    ['two-dot leader', () => '\u2025/outside/secret.txt'],
    ['fullwidth full stops', () => '\uFF0E\uFF0E/outside/secret.txt'],
    ['one-dot leaders', () => '\u2024\u2024/outside/secret.txt'],
    ['division slash', () => '..\u2215outside\u2215secret.txt'],
    ['fraction slash', () => '..\u2044outside\u2044secret.txt'],
    ['fullwidth solidus', () => 'sub\uFF0F..\uFF0F..\uFF0Foutside'],
    ['fullwidth reverse solidus', () => '..\uFF3Coutside'],
  ];

  describe.each(hostilePaths)('the path argument: %s', (_label, path) => {
    test.each(operations)('%s refuses it and changes nothing', async (tool, input) => {
      await expectRefusedAndUnchanged([[tool, input(path())]]);
    });
  });

  describe('links planted through bash_exec', () => {
    const plant = async (command: string) => {
      const outcome = await workspace.run('bash_exec', { command });
      expect(outcome.output).toMatchObject({ exitCode: 0 });
    };
    const everyOperation = (path: string): [string, unknown][] =>
      operations.map(([tool, input]) => [tool, input(path)]);

    test('a symlink to a file outside', async () => {
      await plant(`ln -s ${workspace.outside}/secret.txt link-file`);
      await expectRefusedAndUnchanged(everyOperation('link-file'));
    });

    test('a symlink to a folder outside, and paths through it', async () => {
      await plant(`ln -s ${workspace.outside} link-dir`);
      await expectRefusedAndUnchanged([
        ...everyOperation('link-dir/secret.txt'),
        ['write_file', { path: 'link-dir/new.txt', content: 'pwned' }],
        ['list_files', { path: 'link-dir' }],
        ['glob', { pattern: '**/*', path: 'link-dir' }],
        ['grep', { pattern: 'secret', path: 'link-dir' }],
      ]);
    });

    test('a relative symlink that climbs out', async () => {
      await plant('ln -s ../outside rel-dir; ln -s ../../outside/secret.txt sub/rel-file');
      await expectRefusedAndUnchanged([
        ...everyOperation('rel-dir/secret.txt'),
        ...everyOperation('sub/rel-file'),
      ]);
    });

    test('a chain of symlinks', async () => {
      await plant(`ln -s ${workspace.outside}/secret.txt l1; ln -s l1 l2; ln -s l2 l3`);
      await expectRefusedAndUnchanged(everyOperation('l3'));
    });

    test('a dangling symlink to a file not yet outside', async () => {
      await plant(`ln -s ${workspace.outside}/created.txt dangling`);
      await expectRefusedAndUnchanged([
        ['write_file', { path: 'dangling', content: 'pwned' }],
        ['write_file', { path: 'dangling', content: 'pwned', append: true }],
        ['read_file', { path: 'dangling' }],
      ]);
    });

    test('a symlinked folder deep in the tree', async () => {
      await plant(`mkdir -p deep/a && ln -s ${workspace.outside} deep/a/b`);
      await expectRefusedAndUnchanged([
        ['write_file', { path: 'deep/a/b/x.txt', content: 'pwned' }],
        ...everyOperation('deep/a/b/secret.txt'),
      ]);
    });

    test('a symlink to a system file', async () => {
      await plant('ln -s /etc/passwd passwd; ln -s /proc/self/environ environ');
      await expectRefusedAndUnchanged([...everyOperation('passwd'), ['read_file', { path: 'environ' }]]);
    });

    test("a symlink to another session's workspace", async () => {
      await plant(`ln -s ${otherSession()} other`);
      await expectRefusedAndUnchanged([
        ...everyOperation('other/private.txt'),
        ['list_files', { path: 'other' }],
      ]);
    });

    test('a hard link to a file outside cannot be made from the sandbox', async () => {
      const before = await snapshotTree(dirname(workspace.workspaceDir));
      const outcome = await workspace.run('bash_exec', {
        command: `ln ${workspace.outside}/secret.txt hard; ln ${otherSession()}/private.txt hard2`,
      });
      expect(outcome.output).toMatchObject({ exitCode: 1 });
      expect(await snapshotTree(dirname(workspace.workspaceDir))).toEqual(before);
    });

    test('a hard link to a file outside (made on the host) is never written through', async () => {
      await link(join(workspace.outside, 'secret.txt'), join(workspace.workspaceDir, 'hard.txt'));
      await expectRefusedAndUnchanged([
        ['write_file', { path: 'hard.txt', content: 'pwned' }],
        ['write_file', { path: 'hard.txt', content: 'pwned', append: true }],
        ['edit_file', { path: 'hard.txt', old_text: secret, new_text: 'pwned' }],
      ]);
    });

    test('a FIFO is refused at once instead of hanging the tool', async () => {
      await plant('mkfifo pipe');
      await expectRefusedAndUnchanged([
        ['read_file', { path: 'pipe' }],
        ['write_file', { path: 'pipe', content: 'x' }],
        ['edit_file', { path: 'pipe', old_text: 'a', new_text: 'b' }],
      ]);
    });

    test('a final symlink is never followed, even one that stays inside (a swapped-in link could not)', async () => {
      await plant('ln -s inside.txt alias');
      await expectRefusedAndUnchanged([
        ['read_file', { path: 'alias' }],
        ['write_file', { path: 'alias', content: 'changed' }],
        ['write_file', { path: 'alias', content: 'changed', append: true }],
        ['edit_file', { path: 'alias', old_text: 'inside', new_text: 'changed' }],
      ]);
    });
  });
});
