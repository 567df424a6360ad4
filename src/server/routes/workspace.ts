import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import type { WorkspaceListing } from '../../protocol/index.ts';
import { NotAFileError, openWorkspaceFile } from '../../sandbox/open-workspace-file.ts';
import { PathError } from '../../sandbox/workspace-path.ts';
import { AppError, notFound } from '../../util/app-error.ts';
import { isMissing } from '../../util/error-code.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { attachmentHeaders } from '../attachment-headers.ts';
import { listFiles, openListedFile } from '../workspace-listing.ts';

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
    let opened: Awaited<ReturnType<typeof openWorkspaceFile>> | null;
    try {
      // The path is one the listing gave: a name may hold what a tool's path may not (`\`, `~`).
      opened = await openWorkspaceFile({ workspaceDir: root, path, mode: 'read', names: 'literal' });
    } catch (error) {
      if (error instanceof NotAFileError) throw notFound('File');
      if (error instanceof PathError) throw new AppError('bad_request', error.message, { status: 400 });
      if (!isMissing(error)) throw error;
      // A name the listing gave with U+FFFD for bytes that are not UTF-8: no path names it again.
      opened = path.includes('\ufffd') ? await openListedFile(root, path) : null;
      if (!opened) throw notFound('File');
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
