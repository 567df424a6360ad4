import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiToken } from '../../config/config.ts';
import type { SessionStore } from '../../store/session-store.ts';
import { AppError } from '../../util/app-error.ts';

export const localUserId = 'local';

export type AuthVariables = { userId: string };

/**
 * With no tokens configured (only allowed on loopback), every request is the single local user.
 * Otherwise a request must carry `Authorization: Bearer <token>`.
 */
export function authMiddleware(options: {
  tokens: readonly ApiToken[];
  store: SessionStore;
}): MiddlewareHandler<{ Variables: AuthVariables }> {
  const digests = options.tokens.map((entry) => ({ userId: entry.userId, digest: digestOf(entry.token) }));
  const known = new Set<string>();
  return async (context, next) => {
    let userId = localUserId;
    if (digests.length > 0) {
      const header = context.req.header('authorization') ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const presented = match ? digestOf(match[1]!) : null;
      const found = presented ? digests.find((entry) => timingSafeEqual(entry.digest, presented)) : undefined;
      if (!found) {
        throw new AppError('unauthorized', 'A valid API token is required (Authorization: Bearer <token>).', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer' },
        });
      }
      userId = found.userId;
    }
    if (!known.has(userId)) {
      await options.store.ensureUser({ id: userId, name: userId });
      known.add(userId);
    }
    context.set('userId', userId);
    await next();
  };
}

function digestOf(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
