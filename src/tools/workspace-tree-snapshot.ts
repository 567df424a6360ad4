import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Test support: everything under `root` as text (kind, content or link target, by path), so a
 * test can assert that nothing changed on disk. Links are recorded, never followed.
 */
export async function snapshotTree(root: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  const walk = async (dir: string, prefix: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const key = `${prefix}${name}`;
      const info = await lstat(path);
      if (info.isSymbolicLink()) entries[key] = `link -> ${await readlink(path)}`;
      else if (info.isDirectory()) {
        entries[key] = 'folder';
        await walk(path, `${key}/`);
      } else if (info.isFile()) entries[key] = `file: ${await readFile(path, 'utf8')}`;
      else entries[key] = 'other';
    }
  };
  await walk(root, '');
  return entries;
}
