import { type Dispatcher, request } from 'undici';
import { type AnthropicEndpoint, type AnthropicUsage, anthropicEndpoint } from './anthropic-endpoint.ts';
import { priceUsage } from './model-pricing.ts';
import { summaryCall, titleCall, type UtilityCall } from './utility-calls.ts';
import type { UtilityModel, UtilityResult } from './utility-model.ts';

/** The fields of a Messages API answer this client reads. */
interface AnthropicAnswer {
  model?: string;
  content?: { type?: string; text?: string }[];
  usage?: AnthropicUsage;
  stop_reason?: string | null;
}

/**
 * The engine's own calls (titles, summaries) to the Anthropic Messages API: one POST, one
 * `JSON.parse`. Through the AI SDK's `generateText` and its provider (a `fetch`, web streams and
 * zod) the title request was the largest single item of a new chat's first turn outside its
 * stream in the load bench's profile (BENCHMARKS.md). A failure rejects; the caller falls back.
 */
export class AnthropicUtilityModel implements UtilityModel {
  readonly #endpoint: AnthropicEndpoint;
  readonly #dispatcher: Dispatcher;

  constructor(options: { baseUrl: string; apiKey: string; model: string; dispatcher: Dispatcher }) {
    this.#endpoint = anthropicEndpoint(options);
    this.#dispatcher = options.dispatcher;
  }

  title(options: { text: string }): Promise<UtilityResult> {
    return this.#generate(titleCall(options.text));
  }

  summarise(options: { transcript: string; signal: AbortSignal }): Promise<UtilityResult> {
    return this.#generate(summaryCall(options));
  }

  async #generate(call: UtilityCall): Promise<UtilityResult> {
    const { url, headers, model } = this.#endpoint;
    const response = await request(url, {
      method: 'POST',
      dispatcher: this.#dispatcher,
      headers,
      body: JSON.stringify({
        model,
        max_tokens: call.maxOutputTokens,
        system: [{ type: 'text', text: call.instructions }],
        messages: [{ role: 'user', content: [{ type: 'text', text: call.prompt }] }],
      }),
      signal: call.signal,
    });
    const body = await response.body.text();
    if (response.statusCode !== 200) {
      throw new Error(`The model provider answered ${response.statusCode}: ${body.slice(0, 500)}`);
    }
    const answer = JSON.parse(body) as AnthropicAnswer;
    const text = (answer.content ?? [])
      .filter((block) => block.type === 'text')
      .map((block) => block.text ?? '')
      .join('');
    const usage = answer.usage ?? {};
    const tokens = {
      inputTokens: usage.input_tokens ?? 0,
      outputTokens: usage.output_tokens ?? 0,
      cacheReadTokens: usage.cache_read_input_tokens ?? 0,
      cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    };
    const truncated = answer.stop_reason === 'max_tokens';
    return { text, usage: priceUsage({ model, tokens }), model, ...(truncated ? { truncated } : {}) };
  }
}
