import { lstat, readdir } from 'node:fs/promises';
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
      opened = await openWorkspaceFile({ workspaceDir: root, path, mode: 'read' });
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
  // Names are read as bytes: one that is not UTF-8 (from an archive, or `printf` in the shell)
  // would not name its file again once decoded, and its stat would fail.
  const walk = async (dir: Buffer, prefix: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true, encoding: 'buffer' }).catch(() => []);
    for (const entry of entries) {
      if (files.length >= maxListedFiles) return;
      const full = Buffer.concat([dir, separator, entry.name]);
      const path = `${prefix}${entry.name.toString()}`;
      // Symbolic links are not followed: the listing stays inside the workspace.
      if (entry.isDirectory()) await walk(full, `${path}/`);
      else if (entry.isFile()) {
        // Gone (or replaced) since the directory was read, as while a build runs: left out.
        const info = await lstat(full).catch(() => null);
        if (info?.isFile()) files.push({ path, size: info.size, modifiedAt: info.mtime.toISOString() });
      }
    }
  };
  await walk(Buffer.from(root), '');
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

const separator = Buffer.from('/');
