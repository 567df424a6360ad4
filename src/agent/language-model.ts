import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { ModelConfig } from '../config/config.ts';

/** The AI SDK model for the configured provider, chosen by base URL. */
export function createLanguageModel(model: ModelConfig): LanguageModel {
  if (model.provider === 'anthropic') {
    // ANTHROPIC_BASE_URL follows the official clients (no /v1); the AI SDK appends only /messages.
    return createAnthropic({ baseURL: `${model.baseUrl}/v1`, apiKey: model.apiKey })(model.model);
  }
  return createOpenAICompatible({
    name: 'openai-compatible',
    baseURL: model.baseUrl,
    ...(model.apiKey ? { apiKey: model.apiKey } : {}),
    includeUsage: true,
  })(model.model);
}
