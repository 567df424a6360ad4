import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { type Dispatcher, fetch as undiciFetch } from 'undici';
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

/**
 * The AI SDK model for the configured provider, chosen by base URL. With `dispatcher`, its
 * requests go through that pool of the pinned undici instead of the global `fetch`.
 */
export function createLanguageModel(
  model: ModelConfig,
  options: { dispatcher?: Dispatcher } = {},
): ProviderModel {
  const fetch = options.dispatcher ? fetchThrough(options.dispatcher) : undefined;
  if (model.provider === 'anthropic') {
    // ANTHROPIC_BASE_URL follows the official clients (no /v1); the AI SDK appends only /messages.
    return createAnthropic({ baseURL: `${model.baseUrl}/v1`, apiKey: model.apiKey, fetch })(model.model);
  }
  return createOpenAICompatible({
    name: 'openai-compatible',
    baseURL: model.baseUrl,
    ...(model.apiKey ? { apiKey: model.apiKey } : {}),
    includeUsage: true,
    fetch,
  })(model.model);
}

/** `fetch` as the AI SDK calls it, run by the pinned undici through `dispatcher`. */
function fetchThrough(dispatcher: Dispatcher): typeof globalThis.fetch {
  return (input, init) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], {
      ...(init as Parameters<typeof undiciFetch>[1]),
      dispatcher,
    }) as unknown as Promise<Response>;
}
