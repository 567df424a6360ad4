import { appendFile, mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readAtMost } from './open-workspace-file.ts';

describe('readAtMost', () => {
  let folder = '';
  let file = '';
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'autopilot-read-'));
    file = join(folder, 'data');
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const readOpened = async (limit: number, between?: () => Promise<void>) => {
    const handle = await open(file);
    try {
      await between?.();
      return await readAtMost(handle, limit);
    } finally {
      await handle.close();
    }
  };

  test('reads a file up to and at the limit, an empty one too', async () => {
    await writeFile(file, '');
    expect(await readOpened(10)).toEqual(Buffer.alloc(0));
    await writeFile(file, '0123456789');
    expect((await readOpened(10))?.toString()).toBe('0123456789');
    expect(await readOpened(9)).toBeNull();
  });

  test('a file that grows after it was opened is read no further than the limit', async () => {
    await writeFile(file, 'small');
    // Grown past the limit between the open (where its size was checked) and the read.
    expect(await readOpened(1000, () => appendFile(file, Buffer.alloc(5000, 97)))).toBeNull();
    await writeFile(file, 'small');
    expect((await readOpened(1000, () => appendFile(file, ' and more')))?.toString()).toBe('small and more');
  });

  test('a file that shrinks after it was opened is read as it now is', async () => {
    await writeFile(file, 'a longer text');
    expect((await readOpened(1000, () => truncate(file, 3)))?.toString()).toBe('a l');
  });
});
