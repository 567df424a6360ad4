import type { Hono } from 'hono';
import { modelSetupHint } from '../../config/config.ts';
import type { Readiness } from '../../protocol/index.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';
import { createOpenApiDocument } from '../openapi.ts';

/** Routes that need no authentication. */
export function registerSystemRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const openApi = createOpenApiDocument();
  app.get('/healthz', (context) => context.json({ ok: true }));
  app.get('/readyz', async (context) => {
    try {
      await deps.store.listRunningTurns();
      // MCP servers are detail, not readiness: one that failed leaves the rest of the service working.
      const ready: Readiness = { ok: true, mcpServers: deps.mcpStatuses() };
      return context.json(ready);
    } catch (error) {
      deps.logger.error({ err: error }, 'readiness check failed');
      return context.json(
        { ok: false, error: { code: 'service_unavailable', message: 'Database unreachable.' } },
        503,
      );
    }
  });
  app.get('/api/openapi.json', (context) => context.json(openApi));
  app.get('/metrics', (context) =>
    context.body(deps.metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );
  app.get('/', (context) => context.html(indexPage({ modelConfigured: deps.config.model !== null })));
}

function indexPage(options: { modelConfigured: boolean }): string {
  const notice = options.modelConfigured
    ? '<p>The model is configured. Use <code>autopilot chat "your message"</code> or the HTTP API.</p>'
    : `<p class="warn">${modelSetupHint}</p>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Autopilot</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}.warn{background:#fff4e5;padding:1rem;border-radius:.5rem}</style>
</head><body><h1>Autopilot</h1>${notice}<p>API description: <a href="/api/openapi.json">/api/openapi.json</a></p></body></html>`;
}
