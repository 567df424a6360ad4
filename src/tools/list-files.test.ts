import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createLogger } from '../util/logger.ts';
import { listFilesTool } from './list-files.ts';
import { useToolWorkspace } from './tool-test-workspace.ts';

const workspace = useToolWorkspace();
const inWorkspace = (path: string) => join(workspace.workspaceDir, path);

describe('list_files', () => {
  test('lists files with their sizes, sorted; without recursion, folders end in a slash', async () => {
    await mkdir(inWorkspace('src/deep'), { recursive: true });
    await writeFile(inWorkspace('b.txt'), 'bb');
    await writeFile(inWorkspace('src/a.ts'), 'a');
    await writeFile(inWorkspace('src/deep/c.md'), 'ccc');

    expect(await workspace.run('list_files', {})).toMatchObject({
      isError: false,
      output: {
        files: [
          { path: 'b.txt', size: 2 },
          { path: 'src/a.ts', size: 1 },
          { path: 'src/deep/c.md', size: 3 },
        ],
        truncated: false,
      },
    });
    expect(await workspace.run('list_files', { path: 'src', recursive: false })).toMatchObject({
      output: {
        files: [
          { path: 'src/a.ts', size: 1 },
          { path: 'src/deep/', size: 0 },
        ],
        truncated: false,
      },
    });
  });

  test('many empty folders stop the walk, and what is near the top is still listed', async () => {
    await writeFile(inWorkspace('top.txt'), 'top');
    // 30,000 folders: more than the walk reads, with no file among them to end it sooner.
    for (let outer = 0; outer < 30; outer++) {
      await mkdir(inWorkspace(`tree/${outer}`), { recursive: true });
      await Promise.all(
        Array.from({ length: 1000 }, (_, inner) => mkdir(inWorkspace(`tree/${outer}/${inner}`))),
      );
    }
    await writeFile(inWorkspace('tree/0/0/buried.txt'), 'x');

    const outcome = await workspace.run('list_files', {});

    expect(outcome).toMatchObject({
      isError: false,
      output: { files: [{ path: 'top.txt' }], truncated: true },
    });
  });

  test('a stopped turn stops the walk', async () => {
    await mkdir(inWorkspace('a/b'), { recursive: true });
    const stop = new AbortController();
    stop.abort();
    const listing = listFilesTool.execute(
      {},
      {
        sessionId: 'session-1',
        turnId: 'turn-1',
        workspaceDir: workspace.workspaceDir,
        signal: stop.signal,
        logger: createLogger({ level: 'silent' }),
      },
    );
    await expect(listing).rejects.toThrow(/abort/i);
  });
});
