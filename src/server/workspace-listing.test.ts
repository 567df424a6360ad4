import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { listFiles, openListedFile } from './workspace-listing.ts';

let root: string;
let outside: string;
const named = (path: string) => Buffer.concat([Buffer.from(`${root}/`), Buffer.from(path, 'latin1')]);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'listing-'));
  outside = await mkdtemp(join(tmpdir(), 'listing-outside-'));
  await writeFile(join(outside, 'secret.txt'), 'secret');
  await mkdir(named('f\xf6lder'));
  await writeFile(named('f\xf6lder/n\xe4me.txt'), 'inside');
  await writeFile(named('top.txt'), 'top');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function read(path: string): Promise<string | null> {
  const opened = await openListedFile(root, path);
  if (!opened) return null;
  try {
    return (await opened.handle.readFile()).toString();
  } finally {
    await opened.handle.close();
  }
}

describe('openListedFile', () => {
  test('opens each file by the path the listing gives it', async () => {
    const paths = (await listFiles(root)).map((file) => file.path);
    expect(paths).toEqual(['f\ufffdlder/n\ufffdme.txt', 'top.txt']);
    expect(await read('f\ufffdlder/n\ufffdme.txt')).toBe('inside');
    expect(await read('top.txt')).toBe('top');
  });

  test('never goes up, nor through a link, nor to a folder', async () => {
    await symlink(outside, named('l\xefnk'));
    await symlink(join(outside, 'secret.txt'), named('s\xe9cret.txt'));
    for (const path of [
      'f\ufffdlder/../top.txt',
      '../top.txt',
      './top.txt',
      'f\ufffdlder//n\ufffdme.txt',
      '',
      'f\ufffdlder',
      'l\ufffdnk/secret.txt',
      's\ufffdcret.txt',
      `${'f\ufffdlder/'.repeat(80)}x`,
    ]) {
      expect(await read(path), path).toBeNull();
    }
  });

  test('refuses a name that reads as another does in its folder', async () => {
    await writeFile(named('f\xf6lder/n\xe5me.txt'), 'other');
    await expect(read('f\ufffdlder/n\ufffdme.txt')).rejects.toMatchObject({ status: 409 });
  });
});
