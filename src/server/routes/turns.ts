import type { Hono } from 'hono';
import { postMessageBodySchema } from '../../protocol/index.ts';
import { AppError, notFound } from '../../util/app-error.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { readJsonBody } from '../read-json-body.ts';
import { emptyTurnResponse, subscribeResponse } from '../sse-response.ts';

export function registerTurnRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { store, registry, turns } = deps;
  const heartbeatMs = deps.config.limits.heartbeatMs;

  app.post('/api/sessions/:id/messages', async (context) => {
    const body = await readJsonBody(context, postMessageBodySchema);
    const result = await turns.submit({
      ownerId: context.get('userId'),
      sessionId: context.req.param('id'),
      text: body.text,
      clientMessageId: body.messageId,
      fileIds: body.fileIds,
    });
    // Queued behind the running turn: it is answered in that turn or the next; follow it with GET /stream.
    if (result.kind === 'queued') return context.json({ queued: true }, 202);
    const response = await subscribeResponse({
      registry,
      streamId: result.turnId,
      after: 0,
      heartbeatMs,
      env: context.env,
    });
    return response ?? emptyTurnResponse(result.turnId);
  });

  app.get('/api/sessions/:id/stream', async (context) => {
    const scope = { ownerId: context.get('userId'), sessionId: context.req.param('id') };
    const after = parseCursor(context.req.header('last-event-id') ?? context.req.query('after'));
    if (!(await store.getSession(scope))) throw notFound();
    const turn = await store.getActiveTurn(scope);
    if (!turn) return context.body(null, 204);
    const response = await subscribeResponse({
      registry,
      streamId: turn.id,
      after,
      heartbeatMs,
      env: context.env,
    });
    return response ?? context.body(null, 204);
  });

  app.post('/api/sessions/:id/cancel', async (context) => {
    const cancelled = await turns.cancel({
      ownerId: context.get('userId'),
      sessionId: context.req.param('id'),
    });
    return context.json({ cancelled });
  });
}

function parseCursor(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,12}$/.test(raw)) {
    throw new AppError('bad_request', 'Last-Event-ID (or ?after) must be a non-negative integer event id.', {
      status: 400,
    });
  }
  return Number(raw);
}
