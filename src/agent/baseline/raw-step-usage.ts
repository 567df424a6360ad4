import type { TokenCounts } from '../model-pricing.ts';
import { withStreamedOutput } from '../streamed-output.ts';

/**
 * The usage of the model call in flight, from the provider's raw stream events (the AI SDK
 * reports usage only when a step finishes). A stopped or broken step is charged with it.
 * Counts in these events are running totals, so a later figure replaces an earlier one.
 *
 * A step stopped mid-stream never gets its closing count, so its output is taken as at least what
 * it streamed (`withStreamedOutput`).
 *
 * Checked by hand: this runs on every streamed delta, and zod's parse of the two usage events of
 * a step cost about as much as its shared, megamorphic parse code does in the server (tens of
 * µs), not the fraction of a µs it takes in a tight loop.
 */
export class RawStepUsage {
  #tokens: TokenCounts | null = null;
  #streamedChars = 0;

  /** Output the step streamed: a delta of text, reasoning or tool input. */
  streamed(characters: number): void {
    this.#streamedChars += characters;
  }

  observe(rawValue: unknown): void {
    if (typeof rawValue !== 'object' || rawValue === null) return;
    const event = rawValue as { type?: unknown; usage?: unknown; message?: unknown };
    if (event.type === 'message_start' || event.type === 'message_delta') {
      // Anthropic: `message_start` carries the input side, `message_delta` the output so far.
      const usage = event.type === 'message_start' ? objectOf(event.message)?.usage : event.usage;
      const counts = countsOf(usage, anthropicKeys);
      if (!counts) return;
      const current = this.#current();
      this.#tokens = {
        inputTokens: counts[0] ?? current.inputTokens,
        outputTokens: counts[1] ?? current.outputTokens,
        cacheReadTokens: counts[2] ?? current.cacheReadTokens,
        cacheWriteTokens: counts[3] ?? current.cacheWriteTokens,
      };
    } else if (event.usage != null) {
      // OpenAI-compatible: the last chunk's `usage`.
      const counts = countsOf(event.usage, openAiKeys);
      if (!counts) return;
      const current = this.#current();
      this.#tokens = {
        ...current,
        inputTokens: counts[0] ?? current.inputTokens,
        outputTokens: counts[1] ?? current.outputTokens,
      };
    }
  }

  /**
   * The unfinished step's counts, once (null if nothing was reported or streamed); a finished
   * step clears them.
   */
  take(): TokenCounts | null {
    const tokens = this.#tokens;
    const streamedChars = this.#streamedChars;
    this.#tokens = null;
    this.#streamedChars = 0;
    if (!tokens && streamedChars === 0) return null;
    return withStreamedOutput(tokens ?? this.#current(), streamedChars);
  }

  #current(): TokenCounts {
    return this.#tokens ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  }
}

const anthropicKeys = [
  'input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation_input_tokens',
] as const;
const openAiKeys = ['prompt_tokens', 'completion_tokens'] as const;

function objectOf(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}

/**
 * The counts under `keys`, each a non-negative integer or absent (null or undefined: keep the
 * last figure); null when the usage is not an object or any count is anything else.
 */
function countsOf(usage: unknown, keys: readonly string[]): (number | undefined)[] | null {
  const object = objectOf(usage);
  if (!object) return null;
  const counts: (number | undefined)[] = [];
  for (const key of keys) {
    const value = object[key];
    if (value === null || value === undefined) counts.push(undefined);
    else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) counts.push(value);
    else return null;
  }
  return counts;
}
