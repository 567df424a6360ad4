import type { Dispatcher } from 'undici';
import type { ModelConfig } from '../config/config.ts';
import type { Usage } from '../protocol/index.ts';
import { AiSdkUtilityModel } from './ai-sdk-utility-model.ts';
import { AnthropicUtilityModel } from './anthropic-utility-model.ts';
import { createLanguageModel } from './language-model.ts';

/** What one call of the engine's own model produced, priced. */
export interface UtilityResult {
  text: string;
  usage: Usage;
  /** The model that answered, as the usage ledger names it. */
  model: string;
  /** The model stopped at the call's output limit: the text is cut short. */
  truncated?: boolean;
}

/**
 * The model for the engine's own calls, outside any turn's agent: session titles and the
 * summary of a conversation that no longer fits. Both reject on failure; the caller falls back.
 */
export interface UtilityModel {
  /** A 3–6 word title for a conversation that starts with `text`; gives up after a short timeout. */
  title(options: { text: string }): Promise<UtilityResult>;
  /** A summary of `transcript` that lets an agent continue the conversation. */
  summarise(options: { transcript: string; signal: AbortSignal }): Promise<UtilityResult>;
}

/**
 * Anthropic through our own client (one POST, one parse); OpenAI-compatible endpoints through the
 * AI SDK. Both through `dispatcher`, the pool of the pinned undici that model calls use.
 */
export function createUtilityModel(model: ModelConfig, dispatcher: Dispatcher): UtilityModel {
  if (model.provider === 'anthropic') {
    return new AnthropicUtilityModel({
      baseUrl: model.baseUrl,
      apiKey: model.apiKey ?? '',
      model: model.model,
      dispatcher,
    });
  }
  return new AiSdkUtilityModel(createLanguageModel(model, { dispatcher }));
}
