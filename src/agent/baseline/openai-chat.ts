import type { Dispatcher } from 'undici';
import type { ModelCallOptions, ModelStreamPart, StreamingModel } from '../language-model.ts';
import { partsOfEventBatches } from './event-parts.ts';
import { openAIChatRequestBody } from './openai-request.ts';
import { ChatCompletionEvents } from './openai-stream-parts.ts';
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
  readonly #dispatcher: Dispatcher;

  /** `baseUrl` is the API root the official clients take (e.g. `http://localhost:11434/v1`). */
  constructor(options: { baseUrl: string; apiKey: string | null; model: string; dispatcher: Dispatcher }) {
    this.#url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    // A local server needs no key; an empty bearer would be refused by some proxies.
    this.#headers = {
      'content-type': 'application/json',
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    };
    this.#model = options.model;
    this.#dispatcher = options.dispatcher;
  }

  async doStream(call: ModelCallOptions): Promise<{ stream: AsyncIterable<ModelStreamPart> }> {
    const reader = new ChatCompletionEvents();
    const events = await postEventStream({
      url: this.#url,
      headers: this.#headers,
      body: openAIChatRequestBody({ model: this.#model, call }),
      signal: call.abortSignal,
      dispatcher: this.#dispatcher,
      answered: () => reader.complete,
    });
    return { stream: partsOfEventBatches({ batches: events, reader }) };
  }
}
