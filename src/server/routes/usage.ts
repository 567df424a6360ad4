import type { Hono } from 'hono';
import type { UsageReport } from '../../protocol/index.ts';
import type { AppDeps, AppEnv } from '../app-deps.ts';

/** The caller's usage today and this week (UTC; weeks start on Monday). Budgets are not enforced yet. */
export function registerUsageRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/api/usage', async (context) => {
    const ownerId = context.get('userId');
    const now = new Date();
    const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const weekStart = new Date(dayStart.getTime() - ((dayStart.getUTCDay() + 6) % 7) * 86_400_000);
    const [today, week] = await Promise.all([
      deps.store.getOwnerUsage({ ownerId, since: dayStart.toISOString() }),
      deps.store.getOwnerUsage({ ownerId, since: weekStart.toISOString() }),
    ]);
    const report: UsageReport = {
      today: { ...today, since: dayStart.toISOString() },
      week: { ...week, since: weekStart.toISOString() },
      limits: { dailyUsd: null, weeklyUsd: null },
    };
    return context.json(report);
  });
}
