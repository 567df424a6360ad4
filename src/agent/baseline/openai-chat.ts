import type { ModelCallOptions, ModelStreamPart, StreamingModel } from '../language-model.ts';
import { openAIChatRequestBody, openAIMetadataKey } from './openai-request.ts';
import { toOpenAIStreamParts } from './openai-stream-parts.ts';
import { postEventStream } from './post-event-stream.ts';

/**
 * A minimal streaming client for an OpenAI-compatible Chat Completions endpoint, as our Messages
 * API client is for Anthropic: one POST, server-sent events split by hand, one `JSON.parse` per
 * chunk, mapped to the provider stream parts the step loop reads. The AI SDK's openai-compatible
 * provider did the same through web streams with a zod validation per chunk (see BENCHMARKS.md
 * for the CPU per delta of each). Failures keep the SDK's `APICallError` shape.
 */
export class OpenAIChatClient implements StreamingModel {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #model: string;
  /**
   * The field this server streams reasoning in, once seen: stored history keeps no field, and its
   * reasoning must go back in the one the server takes (`reasoning_content` until it shows another).
   */
  #reasoningField: 'reasoning_content' | 'reasoning' = 'reasoning_content';

  /** `baseUrl` is the API root the official clients take (e.g. `http://localhost:11434/v1`). */
  constructor(options: { baseUrl: string; apiKey: string | null; model: string }) {
    this.#url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    // A local server needs no key; an empty bearer would be refused by some proxies.
    this.#headers = {
      'content-type': 'application/json',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    };
    this.#model = options.model;
  }

  async doStream(call: ModelCallOptions): Promise<{ stream: AsyncIterable<ModelStreamPart> }> {
    const events = await postEventStream({
      url: this.#url,
      headers: this.#headers,
      body: openAIChatRequestBody({ model: this.#model, call, reasoningField: this.#reasoningField }),
      signal: call.abortSignal,
    });
    return { stream: this.#learnReasoningField(toOpenAIStreamParts(events)) };
  }

  async *#learnReasoningField(parts: AsyncIterable<ModelStreamPart>): AsyncGenerator<ModelStreamPart> {
    for await (const part of parts) {
      if (part.type === 'reasoning-start')
        this.#reasoningField =
          part.providerMetadata?.[openAIMetadataKey]?.reasoningField === 'reasoning'
            ? 'reasoning'
            : 'reasoning_content';
      yield part;
    }
  }
}
