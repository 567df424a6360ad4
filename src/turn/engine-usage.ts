import type { UtilityResult } from '../agent/utility-model.ts';
import type { Scope, SessionStore } from '../store/session-store.ts';
import type { Logger } from '../util/logger.ts';

/**
 * Charges a call the engine made on the user's behalf (a title) to their ledger and the session's
 * totals, as its own row. The row is keyed `engine:<turnId>`, not by the turn itself: a turn's own
 * usage (its `message-metadata`, live and after a reload) stays what the turn's model calls used.
 * A failure is logged: it must never fail the turn.
 */
export async function recordEngineUsage(options: {
  store: SessionStore;
  scope: Scope;
  turnId: string;
  call: Pick<UtilityResult, 'model' | 'usage'>;
  logger: Logger;
}): Promise<void> {
  try {
    await options.store.recordUsage({
      ...options.scope,
      turnId: `engine:${options.turnId}`,
      model: options.call.model,
      usage: options.call.usage,
    });
  } catch (error) {
    options.logger.warn({ err: error }, 'recording the usage of an engine call failed');
  }
}
