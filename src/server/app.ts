import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { modelSetupHint } from '../config/config.ts';
import { AppError } from '../util/app-error.ts';
import type { AppDeps, AppEnv } from './app-deps.ts';
import { closeConnectionAfterResponse } from './close-connection.ts';
import { toErrorResponse } from './error-response.ts';
import { authMiddleware } from './middleware/auth.ts';
import { jsonBodyLimit } from './middleware/json-body-limit.ts';
import { localOriginGuard } from './middleware/local-origin-guard.ts';
import { requireJson } from './middleware/require-json.ts';
import { registerEventRoutes } from './routes/events.ts';
import { registerFileRoutes, uploadPath } from './routes/files.ts';
import { registerSessionRoutes } from './routes/sessions.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerTurnRoutes } from './routes/turns.ts';
import { registerUsageRoutes } from './routes/usage.ts';
import { registerWorkspaceRoutes } from './routes/workspace.ts';
import { registerWebUi } from './web-ui.ts';

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((error) => toErrorResponse({ error, logger: deps.logger }));
  app.notFound(() =>
    toErrorResponse({
      error: new AppError('not_found', 'No such route.', { status: 404 }),
      logger: deps.logger,
    }),
  );

  // An error answered before the body was read: the client must still get to read it.
  app.use('*', async (context, next) => {
    await next();
    if (context.res.status >= 400) closeConnectionAfterResponse(context.env);
  });
  if (deps.config.auth.tokens.length === 0) {
    app.use('*', localOriginGuard({ host: deps.config.server.host, port: deps.listenPort }));
  }
  registerSystemRoutes(app, deps);
  const limitJsonBody = jsonBodyLimit({ maxBytes: deps.config.limits.bodyBytes });
  app.use('/api/*', requireJson({ except: (path) => path === uploadPath }));
  // An upload is streamed to storage under its own, larger limit; buffering it here would defeat that.
  app.use('/api/*', (context, next) =>
    context.req.method === 'POST' && context.req.path === uploadPath ? next() : limitJsonBody(context, next),
  );
  app.use('/api/*', authMiddleware({ tokens: deps.config.auth.tokens, store: deps.store }));
  registerSessionRoutes(app, deps);
  registerEventRoutes(app, deps);
  registerTurnRoutes(app, deps);
  registerWorkspaceRoutes(app, deps);
  registerFileRoutes(app, deps);
  registerUsageRoutes(app, deps);
  registerWebUi(app, {
    distDir: fileURLToPath(new URL('../../web/dist', import.meta.url)),
    bootstrap: {
      modelConfigured: deps.config.model !== null,
      setupHint: deps.config.model ? null : modelSetupHint,
      steer: deps.config.runtime === 'claude' && deps.config.model?.provider === 'anthropic',
      authRequired: deps.config.auth.tokens.length > 0,
    },
  });
  return app;
}
