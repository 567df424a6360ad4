import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readDiskRoom } from '../util/disk-floor.ts';
import { createLogger } from '../util/logger.ts';
import { createDefaultTools } from './default-tools.ts';
import { ToolExecutor } from './tool-executor.ts';
import { useToolWorkspace } from './tool-test-workspace.ts';

const workspace = useToolWorkspace();
const contentOf = (path: string) => readFile(join(workspace.workspaceDir, path), 'utf8');

/**
 * One call through the executor, with the file tools and saved outputs keeping `minFreeDiskBytes` free: set from
 * what is free now, a floor `margin` bytes under it (other writers on the disk move it a little)
 * or 1 MB over it.
 */
async function runWithFloor(options: { margin: number; toolName: string; input: unknown }) {
  const minFreeDiskBytes = (await readDiskRoom(tmpdir())).bytes - options.margin;
  const executor = new ToolExecutor({
    tools: createDefaultTools({ minFreeDiskBytes }),
    context: {
      sessionId: 'session-1',
      turnId: 'turn-1',
      workspaceDir: workspace.workspaceDir,
      signal: new AbortController().signal,
      logger: createLogger({ level: 'silent' }),
      minFreeDiskBytes,
    },
  });
  return executor.execute({ toolCallId: 'call-1', toolName: options.toolName, input: options.input });
}
const over = -(1024 ** 2);
const megabyte = 1024 ** 2;

describe('write_file and edit_file keep the disk above its floor', () => {
  // Sizes are in megabytes and margins half of them, so that other writers on the disk (tests
  // running beside these) cannot turn a refusal into a success or the reverse. '€' is 3 bytes.
  test('a write is counted by what it adds: a new file past the floor is refused, an overwrite of a like size is not', async () => {
    await writeFile(join(workspace.workspaceDir, 'notes.txt'), '€'.repeat(4_900_000));
    // 7 MB above the floor: the new file's 14.7 MB would cross it; the overwrite adds 150 KB.
    const created = await runWithFloor({
      margin: 7 * megabyte,
      toolName: 'write_file',
      input: { path: 'new/file.txt', content: '€'.repeat(4_900_000) },
    });
    expect(created.isError).toBe(true);
    expect(created.modelText).toMatch(
      /^disk_full: the server's disk is nearly full: writing 14 MB would leave less/,
    );
    expect(created.modelText).toContain('Nothing was written');
    expect(created.modelText).toContain("never the user's own files");
    expect(await readdir(workspace.workspaceDir)).toEqual(['notes.txt']);

    const overwritten = await runWithFloor({
      margin: 7 * megabyte,
      toolName: 'write_file',
      input: { path: 'notes.txt', content: '€'.repeat(4_950_000) },
    });
    expect(overwritten.isError).toBe(false);
    expect((await contentOf('notes.txt')).length).toBe(4_950_000);
  });

  test('below the floor, an append is refused and leaves the file whole; emptying a file is allowed', async () => {
    await writeFile(join(workspace.workspaceDir, 'notes.txt'), 'the user wrote this');
    const appended = await runWithFloor({
      margin: over,
      toolName: 'write_file',
      input: { path: 'notes.txt', content: ' and more', append: true },
    });
    expect(appended.isError).toBe(true);
    expect(await contentOf('notes.txt')).toBe('the user wrote this');

    const emptied = await runWithFloor({
      margin: over,
      toolName: 'write_file',
      input: { path: 'notes.txt', content: '' },
    });
    expect(emptied.isError).toBe(false);
    expect(await contentOf('notes.txt')).toBe('');
  });

  test('an edit is counted by what it adds: growth past the floor is refused and leaves the file as it was', async () => {
    await writeFile(
      join(workspace.workspaceDir, 'app.ts'),
      `const a = 1;\nconst b = 2;\n${'/'.repeat(1_000_000)}\n`,
    );
    const before = await contentOf('app.ts');
    // 4 MB above the floor: 8.1 MB more is refused, a few bytes more are not.
    const grown = await runWithFloor({
      margin: 4 * megabyte,
      toolName: 'edit_file',
      input: {
        path: 'app.ts',
        old_text: 'const b = 2;',
        new_text: `const b = '${'€'.repeat(2_700_000)}';`,
      },
    });
    expect(grown.isError).toBe(true);
    expect(grown.modelText).toMatch(/^disk_full: .*The file was not changed\./);
    expect(await contentOf('app.ts')).toBe(before);

    const nudged = await runWithFloor({
      margin: 4 * megabyte,
      toolName: 'edit_file',
      input: { path: 'app.ts', old_text: 'const b = 2;', new_text: 'const b = 2 + 40;' },
    });
    expect(nudged.isError).toBe(false);

    const shrunk = await runWithFloor({
      margin: over,
      toolName: 'edit_file',
      input: { path: 'app.ts', old_text: 'const b = 2 + 40;\n', new_text: '' },
    });
    expect(shrunk.isError).toBe(false);
    expect((await contentOf('app.ts')).startsWith('const a = 1;\n/')).toBe(true);
  });

  test('below the floor, a large output is not saved in the workspace: the model gets its preview', async () => {
    await writeFile(join(workspace.workspaceDir, 'big.txt'), `${'y'.repeat(99)}\n`.repeat(20_000));
    const read = await runWithFloor({
      margin: over,
      toolName: 'read_file',
      input: { path: 'big.txt', limit: 100_000 },
    });
    expect(read.isError).toBe(false);
    expect(read.modelText).not.toContain('.autopilot/tool-outputs');
    expect(await readdir(workspace.workspaceDir)).toEqual(['big.txt']);

    const roomy = await runWithFloor({
      margin: 64 * megabyte,
      toolName: 'read_file',
      input: { path: 'big.txt', limit: 100_000 },
    });
    expect(roomy.modelText).toContain('.autopilot/tool-outputs');
  });
});
