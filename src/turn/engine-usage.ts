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
 * Charges a call the engine made on the user's behalf (a title) to their ledger, as its own row
 * under the turn it was made for. A failure is logged: it must never fail the turn.
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
      turnId: options.turnId,
      model: modelNameOf(options.model),
      usage: engineUsage(options),
    });
  } catch (error) {
    options.logger.warn({ err: error }, 'recording the usage of an engine call failed');
  }
}
