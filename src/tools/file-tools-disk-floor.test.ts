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
 * One call through the executor, with the file tools keeping `minFreeDiskBytes` free: set from
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
    },
  });
  return executor.execute({ toolCallId: 'call-1', toolName: options.toolName, input: options.input });
}
const under = 64 * 1024 ** 2;
const over = -(1024 ** 2);

describe('write_file and edit_file keep the disk above its floor', () => {
  test('a write that would cross the floor is refused, says why, and writes nothing', async () => {
    // 4.9 MB fits in the 64 MB above the floor.
    const outcome = await runWithFloor({
      margin: under,
      toolName: 'write_file',
      input: { path: 'notes.txt', content: 'x'.repeat(4_900_000) },
    });
    expect(outcome.isError).toBe(false);

    const refused = await runWithFloor({
      margin: over,
      toolName: 'write_file',
      input: { path: 'notes.txt', content: 'replaced' },
    });
    expect(refused.isError).toBe(true);
    expect(refused.modelText).toMatch(/^disk_full: the server's disk is nearly full: writing under 1 MB/);
    expect(refused.modelText).toContain('Nothing was written');
    expect(refused.modelText).toContain("never the user's own files");
    // Refused before the file was opened: an overwrite would have emptied it first.
    expect((await contentOf('notes.txt')).length).toBe(4_900_000);

    const created = await runWithFloor({
      margin: over,
      toolName: 'write_file',
      input: { path: 'new/file.txt', content: 'hello' },
    });
    expect(created.isError).toBe(true);
    expect(await readdir(workspace.workspaceDir)).toEqual(['notes.txt']);
  });

  test('an edit that grows a file past the floor is refused and leaves it as it was; one that shrinks it is not', async () => {
    await writeFile(join(workspace.workspaceDir, 'app.ts'), 'const a = 1;\nconst b = 2;\n');
    const grown = await runWithFloor({
      margin: over,
      toolName: 'edit_file',
      input: { path: 'app.ts', old_text: 'const b = 2;', new_text: 'const b = 2 + 40;' },
    });
    expect(grown.isError).toBe(true);
    expect(grown.modelText).toMatch(/^disk_full: .*The file was not changed\./);
    expect(await contentOf('app.ts')).toBe('const a = 1;\nconst b = 2;\n');

    const shrunk = await runWithFloor({
      margin: over,
      toolName: 'edit_file',
      input: { path: 'app.ts', old_text: 'const b = 2;\n', new_text: '' },
    });
    expect(shrunk.isError).toBe(false);
    expect(await contentOf('app.ts')).toBe('const a = 1;\n');
  });
});
