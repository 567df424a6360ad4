import type { Hono } from 'hono';
import type { SessionEvent } from '../../protocol/index.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { sseBody } from '../sse-response.ts';

const eventStreamHeaders = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
} as const;

/**
 * `GET /api/events`: the caller's session changes as SSE, one `data:` frame per event, with
 * heartbeats. A connection holds one subscription and touches the database never: every event
 * was read once by whoever published it. Events are not replayed; a client that (re)connects
 * reads `GET /api/sessions` for the state so far.
 */
export function registerEventRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/api/events', async (context) => {
    const subscription = new AbortController();
    const events = await deps.sessionEvents.subscribe({
      ownerId: context.get('userId'),
      signal: subscription.signal,
    });
    // The subscription ends when the client goes away (the body is cancelled).
    deps.metrics.eventStreamsChanged(1);
    subscription.signal.addEventListener('abort', () => deps.metrics.eventStreamsChanged(-1), { once: true });
    const body = sseBody({
      events,
      subscription,
      heartbeatMs: deps.config.limits.heartbeatMs,
      format: formatSessionEvent,
      end: '',
    });
    return new Response(body, { status: 200, headers: eventStreamHeaders });
  });
}

function formatSessionEvent(event: SessionEvent): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}
