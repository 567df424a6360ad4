/**
 * Builds the web UI into web/dist when it is missing or stale, so `npm start` serves a fresh UI on a
 * fresh clone. Staleness is a hash of every source the bundle depends on (web/, src/protocol/, the
 * lock file), stored beside the build; a concurrent caller waits on a lock folder instead of building twice.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const webDir = join(root, 'web');
export const webDistDir = join(webDir, 'dist');
const hashFile = join(webDistDir, '.source-hash');
const lockDir = join(webDir, '.build-lock');
const staleLockMs = 120_000;

/** Returns true when it built, false when the existing build was current. */
export async function ensureWebBuild(options: { log?: (line: string) => void } = {}): Promise<boolean> {
  const log = options.log ?? (() => {});
  const hash = await hashSources();
  if ((await readText(hashFile)) === hash) return false;
  await acquireLock();
  try {
    // Another process may have built while this one waited.
    if ((await readText(hashFile)) === hash) return false;
    log('Building the web UI…');
    const started = Date.now();
    await buildInto({ outDir: join(webDir, `.dist-${process.pid}`), hash });
    log(`Web UI built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return true;
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function buildInto(options: { outDir: string; hash: string }): Promise<void> {
  const { build } = await import('vite');
  await build({
    configFile: join(webDir, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: options.outDir, emptyOutDir: true },
  });
  await writeFile(join(options.outDir, '.source-hash'), options.hash);
  // Swap in whole: a server reading web/dist never sees half a build, and the old one is moved
  // aside (not deleted) first, so the moment without a web/dist is two renames long.
  const old = join(webDir, `.dist-old-${process.pid}`);
  await rename(webDistDir, old).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await rename(options.outDir, webDistDir);
  await rm(old, { recursive: true, force: true });
}

async function hashSources(): Promise<string> {
  const files = [
    ...(await listFiles(
      webDir,
      (path) => !/^(dist|\.dist-\d+|\.dist-old-\d+|\.build-lock)(\/|$)/.test(relative(webDir, path)),
    )),
    ...(await listFiles(join(root, 'src/protocol'), () => true)),
    join(root, 'package-lock.json'),
  ].sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(root, file));
    hash.update('\0');
    hash.update(await readFile(file));
    hash.update('\0');
  }
  return hash.digest('hex');
}

async function listFiles(dir: string, include: (path: string) => boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter(include);
}

async function acquireLock(): Promise<void> {
  for (;;) {
    try {
      await mkdir(lockDir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const info = await stat(lockDir).catch(() => null);
      // A builder that died leaves its lock behind; it cannot take longer than this.
      if (info && Date.now() - info.mtimeMs > staleLockMs)
        await rm(lockDir, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await ensureWebBuild({ log: (line) => process.stdout.write(`${line}\n`) });
}
