import type { Hono } from 'hono';
import type { z } from 'zod';
import {
  createSessionBodySchema,
  listSessionsQuerySchema,
  patchSessionBodySchema,
  type SessionDetail,
  type SessionSummary,
  sessionDetailQuerySchema,
} from '../../protocol/index.ts';
import type { FileBlobs } from '../../store/file-blobs.ts';
import type { SessionRecord } from '../../store/session-store.ts';
import { readSessionPage } from '../../turn/session-history.ts';
import { AppError, notFound } from '../../util/app-error.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { readJsonBody } from '../read-json-body.ts';

export function registerSessionRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { store } = deps;

  app.post('/api/sessions', async (context) => {
    const body = await readJsonBody(context, createSessionBodySchema);
    const title = body.title?.trim() || null;
    const session = await store.createSession({ ownerId: context.get('userId'), title });
    // The workspace is made with the session, so that the first message's turn finds it and goes
    // to the model without a round trip to the disk. If this fails, that turn tries again and
    // reports it.
    await deps.workspaces.ensure(session.id).catch((error: unknown) => {
      deps.logger.warn({ err: error, session: session.id }, 'preparing the workspace failed');
    });
    await deps.notifier.created(session);
    return context.json(toSummary(session), 201);
  });

  app.get('/api/sessions', async (context) => {
    const query = parseQuery(listSessionsQuerySchema, context.req.query());
    const page = await store.listSessions({
      ownerId: context.get('userId'),
      limit: query.limit,
      cursor: query.cursor,
    });
    return context.json({ sessions: page.sessions.map(toSummary), nextCursor: page.nextCursor });
  });

  app.get('/api/sessions/:id', async (context) => {
    const scope = { ownerId: context.get('userId'), sessionId: context.req.param('id') };
    const query = parseQuery(sessionDetailQuerySchema, context.req.query());
    const session = await store.getSession(scope);
    if (!session) throw notFound();
    const [page, activeTurn, waiting, usage] = await Promise.all([
      readSessionPage({ store, scope, limit: query.limit, before: query.before }),
      store.getActiveTurn(scope),
      store.listWaitingMessages(scope),
      store.getSessionUsage(scope),
    ]);
    const detail: SessionDetail = {
      ...toSummary(session),
      permissions: session.permissions,
      ...page,
      activeTurn: activeTurn ? { id: activeTurn.id, startedAt: activeTurn.startedAt } : null,
      waiting: waiting.map((message) => ({ messageId: message.clientMessageId, text: message.text })),
      usage,
    };
    return context.json(detail);
  });

  app.patch('/api/sessions/:id', async (context) => {
    const body = await readJsonBody(context, patchSessionBodySchema);
    const scope = { ownerId: context.get('userId'), sessionId: context.req.param('id') };
    // The body was checked before anything is written; a foreign or unknown session writes nothing.
    // The next turn reads the new permissions.
    let session =
      body.title === undefined ? null : await store.renameSession({ ...scope, title: body.title });
    if (body.permissions) {
      session = await store.setSessionPermissions({ ...scope, permissions: body.permissions });
    }
    if (!session) throw notFound();
    await deps.notifier.changed({ ownerId: session.ownerId, sessionId: session.id });
    return context.json({ ...toSummary(session), permissions: session.permissions });
  });

  app.delete('/api/sessions/:id', async (context) => {
    const scope = { ownerId: context.get('userId'), sessionId: context.req.param('id') };
    if (!(await store.getSession(scope))) throw notFound();
    await deps.turns.deleteSession(scope, async () => {
      // What lives outside the database goes first. A crash part-way leaves the session listed,
      // and deleting it again finishes; the other way round, nothing would know of what was left.
      const storageKeys = await deps.files.sessionStorageKeys(scope);
      await deps.turns.forgetSession(scope.sessionId);
      await deps.workspaces.remove(scope.sessionId);
      await removeBlobs({ blobs: deps.fileBlobs, storageKeys });
      const recorded = await deps.files.deleteSessionFiles(scope);
      await store.deleteSession(scope);
      // A file uploaded for the session while it was being deleted.
      await removeBlobs({
        blobs: deps.fileBlobs,
        storageKeys: recorded.filter((key) => !storageKeys.includes(key)),
      });
    });
    await deps.notifier.deleted(scope);
    return context.body(null, 204);
  });
}

async function removeBlobs(options: { blobs: FileBlobs; storageKeys: string[] }): Promise<void> {
  await Promise.all(options.storageKeys.map((storageKey) => options.blobs.remove(storageKey)));
}

export function toSummary(session: SessionRecord): SessionSummary {
  return {
    id: session.id,
    title: session.title,
    status: session.status,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
  };
}

export function parseQuery<Schema extends z.ZodType>(
  schema: Schema,
  query: Record<string, string>,
): z.infer<Schema> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new AppError('bad_request', `Invalid query: ${problems.join('; ')}`, { status: 400 });
  }
  return parsed.data;
}
