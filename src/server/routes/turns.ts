import type { Hono } from 'hono';
import { postMessageBodySchema, type QueuedResult } from '../../protocol/index.ts';
import { readTurnAnswer } from '../../turn/session-history.ts';
import { AppError, notFound } from '../../util/app-error.ts';
import { LoopPacer } from '../../util/loop-pacer.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { readJsonBody } from '../read-json-body.ts';
import { storedAnswerResponse, subscribeResponse } from '../sse-response.ts';

/**
 * The event loop's time a burst of new messages takes at once, before the sockets of the turns
 * already streaming are served again. With 500 new chats posted together, the start-ups held their
 * deltas back for the whole burst: a per-token delay p99 of about 210-270 ms, against 85-100 ms
 * with this slice, for the same first-token and turn times (BENCHMARKS.md).
 */
const startSliceMs = 20;

export function registerTurnRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { store, registry, turns } = deps;
  const startPacer = deps.startPacer ?? new LoopPacer({ sliceMs: startSliceMs });
  const heartbeatMs = deps.config.limits.heartbeatMs;

  app.post('/api/sessions/:id/messages', async (context) => {
    const body = await readJsonBody(context, postMessageBodySchema);
    // useChat's regenerate() sends `trigger: "regenerate-message"` with the id of the message it
    // replaces as `messageId`: that id is not an idempotency key.
    const regenerate = body.regenerate === true || body.trigger === 'regenerate-message';
    const result = await turns.submit(
      {
        ownerId: context.get('userId'),
        sessionId: context.req.param('id'),
        text: body.text ?? '',
        clientMessageId: regenerate ? undefined : body.messageId,
        regenerateOf: regenerate ? body.messageId : undefined,
        fileIds: body.fileIds,
        delivery: body.delivery,
        regenerate,
      },
      // From here to the model request, a turn's start-up is mostly work with no real wait: in a
      // burst, start-ups take their turn with the streams already running.
      { pace: () => startPacer.enter() },
    );
    // A steered message: it goes into the running turn (or waits for the next); follow it there.
    if (result.kind === 'queued') {
      return context.json({ queued: true, messageId: result.messageId } satisfies QueuedResult, 202);
    }
    const response = await subscribeResponse({
      registry,
      streamId: result.turnId,
      after: 0,
      heartbeatMs,
      env: context.env,
    });
    if (response) return response;
    const scope = { ownerId: context.get('userId'), sessionId: context.req.param('id') };
    return storedAnswerResponse(result.turnId, await readTurnAnswer({ store, scope, turnId: result.turnId }));
  });

  app.get('/api/sessions/:id/stream', async (context) => {
    const scope = { ownerId: context.get('userId'), sessionId: context.req.param('id') };
    const after = parseCursor(context.req.header('last-event-id') ?? context.req.query('after'));
    if (!(await store.getSession(scope))) throw notFound();
    // The running turn, or else the turn that waiting messages will start (its stream is open already).
    const turnId =
      (await store.getActiveTurn(scope))?.id ??
      (await store.listWaitingMessages(scope)).find((message) => message.delivery === 'next-turn')?.turnId;
    if (!turnId) return context.body(null, 204);
    const response = await subscribeResponse({
      registry,
      streamId: turnId,
      after,
      heartbeatMs,
      env: context.env,
    });
    return response ?? context.body(null, 204);
  });

  app.post('/api/sessions/:id/cancel', async (context) => {
    const result = await turns.cancel({
      ownerId: context.get('userId'),
      sessionId: context.req.param('id'),
    });
    return context.json(result);
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
