import type { ServerResponse } from 'node:http';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../util/app-error.ts';
import type { AppDeps, AppEnv } from './app-deps.ts';
import { toErrorResponse } from './error-response.ts';
import { authMiddleware } from './middleware/auth.ts';
import { registerSessionRoutes } from './routes/sessions.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerTurnRoutes } from './routes/turns.ts';
import { registerUsageRoutes } from './routes/usage.ts';
import { registerWorkspaceRoutes } from './routes/workspace.ts';

/**
 * The rest of an oversized body is never read, so its connection cannot carry another request:
 * tell Node to send `Connection: close` (the Fetch API hides that header from handlers).
 */
function closeConnectionAfterResponse(env: unknown): void {
  const outgoing = (env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing) outgoing.shouldKeepAlive = false;
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((error) => toErrorResponse(error, deps.logger));
  app.notFound(() =>
    toErrorResponse(new AppError('not_found', 'No such route.', { status: 404 }), deps.logger),
  );

  registerSystemRoutes(app, deps);
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: deps.config.limits.bodyBytes,
      onError: (context) => {
        closeConnectionAfterResponse(context.env);
        throw new AppError(
          'payload_too_large',
          `The request body is larger than ${deps.config.limits.bodyBytes} bytes.`,
          {
            status: 413,
          },
        );
      },
    }),
  );
  app.use('/api/*', authMiddleware({ tokens: deps.config.auth.tokens, store: deps.store }));
  registerSessionRoutes(app, deps);
  registerTurnRoutes(app, deps);
  registerWorkspaceRoutes(app, deps);
  registerUsageRoutes(app, deps);
  return app;
}
