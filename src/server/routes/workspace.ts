import { constants as fsConstants } from 'node:fs';
import { type FileHandle, lstat, open, readdir } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import type { WorkspaceListing } from '../../protocol/index.ts';
import { NotAFileError, openWorkspaceFile } from '../../sandbox/open-workspace-file.ts';
import { PathError } from '../../sandbox/workspace-path.ts';
import { AppError, notFound } from '../../util/app-error.ts';
import { isMissing } from '../../util/error-code.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { attachmentHeaders } from '../attachment-headers.ts';

const maxListedFiles = 5_000;

/** The session's workspace: a file list, and the bytes of one file. Confined to the workspace. */
export function registerWorkspaceRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/api/sessions/:id/workspace', async (context) => {
    const scope = { ownerId: context.get('userId'), sessionId: context.req.param('id') };
    if (!(await deps.store.getSession(scope))) throw notFound();
    const root = deps.workspaces.pathOf(scope.sessionId);
    const listing: WorkspaceListing = { files: await listFiles(root) };
    return context.json(listing);
  });

  app.get('/api/sessions/:id/workspace/*', async (context) => {
    const scope = { ownerId: context.get('userId'), sessionId: context.req.param('id') };
    if (!(await deps.store.getSession(scope))) throw notFound();
    // Taken from the raw path by segment: the id may arrive percent-encoded in any of several ways.
    const rawPath = new URL(context.req.url).pathname.split('/').slice(5).join('/');
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      throw new AppError('bad_request', 'The file path is not valid URL encoding.', { status: 400 });
    }
    const root = deps.workspaces.pathOf(scope.sessionId);
    let opened: Awaited<ReturnType<typeof openWorkspaceFile>>;
    try {
      // The path is one the listing gave: a name may hold what a tool's path may not (`\`, `~`).
      opened = await openWorkspaceFile({ workspaceDir: root, path, mode: 'read', names: 'literal' });
    } catch (error) {
      if (error instanceof NotAFileError) throw notFound('File');
      if (error instanceof PathError) throw new AppError('bad_request', error.message, { status: 400 });
      if (isMissing(error)) throw notFound('File');
      throw error;
    }
    const body = Readable.toWeb(opened.handle.createReadStream()) as ReadableStream<Uint8Array>;
    return new Response(body, {
      headers: attachmentHeaders({
        name: path.split('/').at(-1) || 'file',
        mediaType: 'application/octet-stream',
        size: opened.size,
      }),
    });
  });
}

async function listFiles(root: string): Promise<WorkspaceListing['files']> {
  const files: WorkspaceListing['files'] = [];
  // A command in the sandbox may swap a folder for a link out of the workspace while this walks
  // (no tool lock covers this route): so each folder is opened through its parent's descriptor,
  // never by a path resolved again, and without following a link. Names are read as bytes: one
  // that is not UTF-8 (an archive's, or from `printf` in the shell) would not name its file again.
  const walk = async (dir: FileHandle, prefix: string, depth: number): Promise<void> => {
    const inDir = (name: Buffer) => Buffer.concat([Buffer.from(`/proc/self/fd/${dir.fd}/`), name]);
    const entries = await readdir(`/proc/self/fd/${dir.fd}`, {
      withFileTypes: true,
      encoding: 'buffer',
    }).catch(() => []);
    for (const entry of entries) {
      if (files.length >= maxListedFiles) return;
      const path = `${prefix}${entry.name.toString()}`;
      if (entry.isDirectory() && depth < maxListedDepth) {
        const child = await open(inDir(entry.name), folderFlags).catch(() => null);
        if (!child) continue;
        try {
          await walk(child, `${path}/`, depth + 1);
        } finally {
          await child.close();
        }
      } else if (entry.isFile()) {
        // Gone (or replaced) since the folder was read, as while a build runs: left out.
        const info = await lstat(inDir(entry.name)).catch(() => null);
        if (info?.isFile()) files.push({ path, size: info.size, modifiedAt: info.mtime.toISOString() });
      }
    }
  };
  const top = await open(root, folderFlags).catch(() => null);
  if (!top) return files;
  try {
    await walk(top, '', 0);
  } finally {
    await top.close();
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

const folderFlags = fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW;
/** Folders deeper than this are not listed: each level holds a descriptor open while it is walked. */
const maxListedDepth = 64;
