import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isInside } from '../sandbox/workspace-path.ts';

const maxEntriesVisited = 100_000;

export interface WorkspaceFile {
  absolutePath: string;
  /** Relative to the workspace root, `/`-separated: what the other tools accept. */
  path: string;
  /** Relative to the folder being walked, `/`-separated: what patterns are matched against. */
  pathInFolder: string;
}

/**
 * Visits the files under `folder` (inside the workspace's real path `root`) depth first, in name
 * order, until `visit` returns false. Never enters a symlinked folder; a symlinked file is visited
 * only if it resolves to a file inside the workspace. Stops after 100,000 entries (`limitReached`).
 */
export async function walkWorkspaceFiles(options: {
  root: string;
  folder: string;
  signal: AbortSignal;
  visit: (file: WorkspaceFile) => boolean | Promise<boolean>;
}): Promise<{ limitReached: boolean }> {
  const { root, folder } = options;
  let visited = 0;
  let stopped = false;
  const toSlashes = (path: string) => path.split(sep).join('/');
  const walk = async (dir: string): Promise<void> => {
    options.signal.throwIfAborted();
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (stopped || ++visited > maxEntriesVisited) return;
      const absolutePath = join(dir, entry.name);
      if (entry.isDirectory()) await walk(absolutePath);
      else if (entry.isFile() || (entry.isSymbolicLink() && (await isFileInside({ root, absolutePath })))) {
        const file = {
          absolutePath,
          path: toSlashes(relative(root, absolutePath)),
          pathInFolder: toSlashes(relative(folder, absolutePath)),
        };
        if (!(await options.visit(file))) stopped = true;
      }
    }
  };
  await walk(folder);
  return { limitReached: visited > maxEntriesVisited };
}

async function isFileInside(options: { root: string; absolutePath: string }): Promise<boolean> {
  const target = await realpath(options.absolutePath).catch(() => null);
  if (target === null || !isInside({ root: options.root, path: target })) return false;
  return (await stat(target)).isFile();
}
