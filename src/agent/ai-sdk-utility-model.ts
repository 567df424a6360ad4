import { generateText, type LanguageModel } from 'ai';
import { priceModelUsage } from './model-pricing.ts';
import { summaryCall, titleCall, type UtilityCall } from './utility-calls.ts';
import type { UtilityModel, UtilityResult } from './utility-model.ts';

/** The engine's own calls through the AI SDK's `generateText`, on the configured model. */
export class AiSdkUtilityModel implements UtilityModel {
  readonly #model: LanguageModel;

  constructor(model: LanguageModel) {
    this.#model = model;
  }

  title(options: { text: string }): Promise<UtilityResult> {
    return this.#generate(titleCall(options.text));
  }

  summarise(options: { transcript: string; signal: AbortSignal }): Promise<UtilityResult> {
    return this.#generate(summaryCall(options));
  }

  async #generate(options: UtilityCall): Promise<UtilityResult> {
    const result = await generateText({
      model: this.#model,
      instructions: options.instructions,
      prompt: options.prompt,
      maxOutputTokens: options.maxOutputTokens,
      maxRetries: 0,
      abortSignal: options.signal,
    });
    const model = typeof this.#model === 'string' ? this.#model : this.#model.modelId;
    const truncated = result.finishReason === 'length';
    return {
      text: result.text,
      usage: priceModelUsage({ model, usage: result.totalUsage }),
      model,
      ...(truncated ? { truncated } : {}),
    };
  }
}
