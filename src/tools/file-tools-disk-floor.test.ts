import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readDiskRoom } from '../util/disk-floor.ts';
import { createLogger } from '../util/logger.ts';
import { createDefaultTools } from './default-tools.ts';
import type { ToolContext } from './tool.ts';
import { ToolExecutor } from './tool-executor.ts';
import { useToolWorkspace } from './tool-test-workspace.ts';

const workspace = useToolWorkspace();
const contentOf = (path: string) => readFile(join(workspace.workspaceDir, path), 'utf8');
const megabyte = 1024 ** 2;

/**
 * One call through the executor, the file tools keeping `minFreeDiskBytes` free on a disk that
 * has 100 MB free whatever the real one has: the floor is `margin` bytes under that (negative:
 * the disk is below it already).
 */
function runWithFloor(options: { margin: number; toolName: string; input: unknown }) {
  const free = 100 * megabyte;
  const executor = new ToolExecutor({
    tools: createDefaultTools({
      minFreeDiskBytes: free - options.margin,
      readRoom: async () => ({ bytes: free, inodes: 1_000_000, inodeFloor: 1_000 }),
    }),
    context: contextWith({}),
  });
  return executor.execute({ toolCallId: 'call-1', toolName: options.toolName, input: options.input });
}

/** A call's context in this test's workspace. */
function contextWith(options: { minFreeDiskBytes?: number }): ToolContext {
  return {
    sessionId: 'session-1',
    turnId: 'turn-1',
    workspaceDir: workspace.workspaceDir,
    signal: new AbortController().signal,
    logger: createLogger({ level: 'silent' }),
    ...options,
  };
}

describe('write_file and edit_file keep the disk above its floor', () => {
  test('a write past the floor is refused, says why and writes nothing, even over a file of a like size', async () => {
    await writeFile(join(workspace.workspaceDir, 'notes.txt'), 'n'.repeat(3 * megabyte));
    const created = await runWithFloor({
      margin: 2 * megabyte,
      toolName: 'write_file',
      input: { path: 'new/file.txt', content: 'x'.repeat(3 * megabyte) },
    });
    expect(created.isError).toBe(true);
    expect(created.modelText).toBe(
      "disk_full: the server's disk is nearly full: writing 3 MB would leave less than the 98 MB it keeps free " +
        '(100 MB free). Nothing was written. Other sessions share this disk, so this session may not be the ' +
        "cause. Tell the user; delete only files this task made that are no longer needed (delete_file), never the user's own files to make room.",
    );
    expect(await readdir(workspace.workspaceDir)).toEqual(['notes.txt']);

    // Emptying a file need not free its size (a sparse file, a copy sharing its blocks): an
    // overwrite is counted whole, and the file is left as it was.
    const overwritten = await runWithFloor({
      margin: 2 * megabyte,
      toolName: 'write_file',
      input: { path: 'notes.txt', content: 'o'.repeat(3 * megabyte) },
    });
    expect(overwritten.isError).toBe(true);
    expect(await contentOf('notes.txt')).toBe('n'.repeat(3 * megabyte));

    const small = await runWithFloor({
      margin: 2 * megabyte,
      toolName: 'write_file',
      input: { path: 'notes.txt', content: 'o'.repeat(megabyte) },
    });
    expect(small.isError).toBe(false);
    expect((await contentOf('notes.txt')).length).toBe(megabyte);
  });

  test('below the floor, an append is refused and leaves the file whole; emptying a file is allowed', async () => {
    await writeFile(join(workspace.workspaceDir, 'notes.txt'), 'the user wrote this');
    const appended = await runWithFloor({
      margin: -1,
      toolName: 'write_file',
      input: { path: 'notes.txt', content: ' and more', append: true },
    });
    expect(appended.isError).toBe(true);
    expect(await contentOf('notes.txt')).toBe('the user wrote this');

    const emptied = await runWithFloor({
      margin: -1,
      toolName: 'write_file',
      input: { path: 'notes.txt', content: '' },
    });
    expect(emptied.isError).toBe(false);
    expect(await contentOf('notes.txt')).toBe('');
  });

  test('an edit is counted by the file it writes: past the floor it is refused and leaves the file as it was', async () => {
    const source = `const a = 1;\nconst b = 2;\n${'/'.repeat(3 * megabyte)}\n`;
    await writeFile(join(workspace.workspaceDir, 'app.ts'), source);
    const edit = { path: 'app.ts', old_text: 'const b = 2;', new_text: 'const b = 3;' };

    const refused = await runWithFloor({ margin: 2 * megabyte, toolName: 'edit_file', input: edit });
    expect(refused.isError).toBe(true);
    expect(refused.modelText).toMatch(/^disk_full: .*writing 3 MB.*The file was not changed\./);
    expect(await contentOf('app.ts')).toBe(source);

    const allowed = await runWithFloor({ margin: 4 * megabyte, toolName: 'edit_file', input: edit });
    expect(allowed.isError).toBe(false);
    expect(await contentOf('app.ts')).toBe(source.replace('const b = 2;', 'const b = 3;'));
  });
});

describe('saved tool outputs keep the disk above its floor', () => {
  /** `read_file` with a large limit: an output too long for the model, which the executor saves. */
  async function readBig(minFreeDiskBytes: number) {
    const executor = new ToolExecutor({
      tools: createDefaultTools(),
      context: contextWith({ minFreeDiskBytes }),
    });
    return executor.execute({
      toolCallId: 'call-1',
      toolName: 'read_file',
      input: { path: 'big.txt', limit: 100_000 },
    });
  }

  test('below the floor, a large output is not saved in the workspace: the model gets its preview', async () => {
    await writeFile(join(workspace.workspaceDir, 'big.txt'), `${'y'.repeat(99)}\n`.repeat(20_000));
    // The real disk: 1 GiB over what is free now is below the floor whatever else writes meanwhile.
    const read = await readBig((await readDiskRoom(tmpdir())).bytes + 1024 ** 3);
    expect(read.isError).toBe(false);
    expect(read.modelText).not.toContain('.autopilot/tool-outputs');
    expect(await readdir(workspace.workspaceDir)).toEqual(['big.txt']);

    const roomy = await readBig(0);
    expect(roomy.modelText).toContain('.autopilot/tool-outputs');
  });
});
