import type { LanguageModel, LanguageModelUsage } from 'ai';
import { priceModelUsage } from '../agent/model-pricing.ts';
import type { Usage } from '../protocol/index.ts';
import type { Scope, SessionStore } from '../store/session-store.ts';
import type { Logger } from '../util/logger.ts';

export function modelNameOf(model: LanguageModel): string {
  return typeof model === 'string' ? model : model.modelId;
}

/** The engine's own model call (a title), priced. */
export function engineUsage(options: { model: LanguageModel; usage: LanguageModelUsage }): Usage {
  return priceModelUsage({ model: modelNameOf(options.model), usage: options.usage });
}

/**
 * Charges a call the engine made on the user's behalf (a title) to their ledger and the session's
 * totals, as its own row. The row is keyed `engine:<turnId>`, not by the turn itself: a turn's own
 * usage (its `message-metadata`, live and after a reload) stays what the turn's model calls used.
 * A failure is logged: it must never fail the turn.
 */
export async function recordEngineUsage(options: {
  store: SessionStore;
  model: LanguageModel;
  scope: Scope;
  turnId: string;
  usage: LanguageModelUsage;
  logger: Logger;
}): Promise<void> {
  try {
    await options.store.recordUsage({
      ...options.scope,
      turnId: `engine:${options.turnId}`,
      model: modelNameOf(options.model),
      usage: engineUsage(options),
    });
  } catch (error) {
    options.logger.warn({ err: error }, 'recording the usage of an engine call failed');
  }
}
