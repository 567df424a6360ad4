import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import type { ModelConfig } from '../config/config.ts';

/** A provider's model as the AI SDK's providers implement it: `doStream` is callable directly. */
export type ProviderModel = Extract<LanguageModel, { specificationVersion: 'v4' }>;
/** What one model call takes: the provider-level prompt, tools and limits. */
export type ModelCallOptions = Parameters<ProviderModel['doStream']>[0];
/** One part of a provider's stream (text and tool deltas, usage at the finish, errors). */
export type ModelStreamPart =
  Awaited<ReturnType<ProviderModel['doStream']>>['stream'] extends ReadableStream<infer Part> ? Part : never;
/** The token counts of a finished model call, as its `finish` part reports them. */
export type ModelUsage = Extract<ModelStreamPart, { type: 'finish' }>['usage'];
/** Why a model call finished: the unified reason and the provider's own. */
export type ModelFinishReason = Extract<ModelStreamPart, { type: 'finish' }>['finishReason'];

/** What the baseline runtime's step loop calls: one streamed model call. An AI SDK provider model is one. */
export interface StreamingModel {
  doStream(options: ModelCallOptions): PromiseLike<{ stream: AsyncIterable<ModelStreamPart> }>;
}

/** The AI SDK model for the configured provider, chosen by base URL. */
export function createLanguageModel(model: ModelConfig): ProviderModel {
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
