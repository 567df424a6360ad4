import { z } from 'zod';
import type { TokenCounts } from '../model-pricing.ts';

const count = z.number().int().nonnegative().nullish();
const anthropicUsageSchema = z.object({
  input_tokens: count,
  output_tokens: count,
  cache_read_input_tokens: count,
  cache_creation_input_tokens: count,
});
const rawEventSchema = z.union([
  z.object({ type: z.literal('message_start'), message: z.object({ usage: anthropicUsageSchema }) }),
  z.object({ type: z.literal('message_delta'), usage: anthropicUsageSchema }),
  z.object({ usage: z.object({ prompt_tokens: count, completion_tokens: count }) }),
]);

/**
 * The usage of the model call in flight, from the provider's raw stream events (the AI SDK
 * reports usage only when a step finishes). A stopped or broken step is charged with it.
 * Counts in these events are running totals, so a later figure replaces an earlier one.
 */
export class RawStepUsage {
  #tokens: TokenCounts | null = null;

  observe(rawValue: unknown): void {
    // Every streamed delta passes here: only the few events that can carry usage are validated.
    if (!mayCarryUsage(rawValue)) return;
    const parsed = rawEventSchema.safeParse(rawValue);
    if (!parsed.success) return;
    const event = parsed.data;
    const current = this.#tokens ?? {
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
    if ('type' in event) {
      const usage = event.type === 'message_start' ? event.message.usage : event.usage;
      this.#tokens = {
        inputTokens: usage.input_tokens ?? current.inputTokens,
        outputTokens: usage.output_tokens ?? current.outputTokens,
        cacheReadTokens: usage.cache_read_input_tokens ?? current.cacheReadTokens,
        cacheWriteTokens: usage.cache_creation_input_tokens ?? current.cacheWriteTokens,
      };
    } else {
      this.#tokens = {
        ...current,
        inputTokens: event.usage.prompt_tokens ?? current.inputTokens,
        outputTokens: event.usage.completion_tokens ?? current.outputTokens,
      };
    }
  }

  /** The unfinished step's counts, once (null if nothing was reported); a finished step clears them. */
  take(): TokenCounts | null {
    const tokens = this.#tokens;
    this.#tokens = null;
    return tokens;
  }
}

function mayCarryUsage(rawValue: unknown): boolean {
  if (typeof rawValue !== 'object' || rawValue === null) return false;
  const event = rawValue as { type?: unknown; usage?: unknown };
  return event.type === 'message_start' || event.type === 'message_delta' || event.usage != null;
}
