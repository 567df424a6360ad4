import { generateText, type LanguageModel } from 'ai';
import { priceModelUsage } from './model-pricing.ts';
import type { UtilityModel, UtilityResult } from './utility-model.ts';

const titleTimeoutMs = 15_000;

/** The engine's own calls through the AI SDK's `generateText`, on the configured model. */
export class AiSdkUtilityModel implements UtilityModel {
  readonly #model: LanguageModel;

  constructor(model: LanguageModel) {
    this.#model = model;
  }

  title(options: { text: string }): Promise<UtilityResult> {
    return this.#generate({
      instructions:
        'Generate a very short title (3-6 words) for a conversation that starts with the user message below. ' +
        'Return only the title, without quotes or punctuation at the end.',
      prompt: options.text.slice(0, 500),
      maxOutputTokens: 24,
      signal: AbortSignal.timeout(titleTimeoutMs),
    });
  }

  summarise(options: { transcript: string; signal: AbortSignal }): Promise<UtilityResult> {
    return this.#generate({
      instructions:
        'Summarise this conversation between a user and an AI agent so the agent can continue it. ' +
        'Keep facts, decisions, file names, open tasks and the user’s preferences. Be concise.',
      prompt: options.transcript,
      maxOutputTokens: 4_000,
      signal: options.signal,
    });
  }

  async #generate(options: {
    instructions: string;
    prompt: string;
    maxOutputTokens: number;
    signal: AbortSignal;
  }): Promise<UtilityResult> {
    const result = await generateText({
      model: this.#model,
      instructions: options.instructions,
      prompt: options.prompt,
      maxOutputTokens: options.maxOutputTokens,
      maxRetries: 0,
      abortSignal: options.signal,
    });
    const model = typeof this.#model === 'string' ? this.#model : this.#model.modelId;
    return { text: result.text, usage: priceModelUsage({ model, usage: result.totalUsage }), model };
  }
}
