import { z } from 'zod';
import { sessionSummarySchema } from './api.ts';

/**
 * One event of `GET /api/events`: the latest sidebar state of one of the caller's sessions, or
 * its deletion. Each arrives as one SSE `data:` frame.
 */
export const sessionEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('session'),
    session: sessionSummarySchema.pick({ id: true, title: true, status: true, updatedAt: true }),
  }),
  z.strictObject({ type: z.literal('session-deleted'), id: z.string() }),
]);
export type SessionEvent = z.infer<typeof sessionEventSchema>;
