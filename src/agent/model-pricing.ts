import type { LanguageModelUsage } from 'ai';
import type { Usage } from '../protocol/index.ts';

/** Token counts of one or more model calls, before pricing. */
export type TokenCounts = Omit<Usage, 'costUsd' | 'costKnown'>;

interface Prices {
  /** USD per million tokens. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * The one price list: Anthropic's published per-million-token prices (cache writes at the
 * 5-minute rate). The first matching pattern wins, so newer, cheaper generations come first.
 */
const anthropicPrices: { pattern: RegExp; prices: Prices }[] = [
  { pattern: /^claude-opus-4-[5-9]/, prices: { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 } },
  {
    pattern: /^claude-(opus-4|3-opus)/,
    prices: { input: 15, output: 75, cacheRead: 1.5, cacheWrite: 18.75 },
  },
  {
    pattern: /^claude-(sonnet-4|3-7-sonnet|3-5-sonnet)/,
    prices: { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  },
  { pattern: /^claude-haiku-4/, prices: { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 } },
  { pattern: /^claude-3-5-haiku/, prices: { input: 0.8, output: 4, cacheRead: 0.08, cacheWrite: 1 } },
  { pattern: /^claude-3-haiku/, prices: { input: 0.25, output: 1.25, cacheRead: 0.03, cacheWrite: 0.3 } },
];

/** Prices of a model id as providers spell it ("claude-sonnet-4-5-20250929", "anthropic/claude-sonnet-4.5"). */
function pricesOf(model: string): Prices | null {
  const id = model
    .toLowerCase()
    .replace(/^anthropic[/.]/, '')
    .replace(/\./g, '-');
  return anthropicPrices.find((entry) => entry.pattern.test(id))?.prices ?? null;
}

/** Usage with its cost; a model without a known price costs 0 with `costKnown: false`. */
export function priceUsage(options: { model: string; tokens: TokenCounts }): Usage {
  const { tokens } = options;
  const prices = pricesOf(options.model);
  if (!prices) return { ...tokens, costUsd: 0, costKnown: false };
  const costUsd =
    (tokens.inputTokens * prices.input +
      tokens.outputTokens * prices.output +
      tokens.cacheReadTokens * prices.cacheRead +
      tokens.cacheWriteTokens * prices.cacheWrite) /
    1_000_000;
  return { ...tokens, costUsd, costKnown: true };
}

/** Token counts in our terms: `inputTokens` is the uncached input only. */
function toTokenCounts(usage: LanguageModelUsage): TokenCounts {
  const cacheReadTokens = usage.inputTokenDetails?.cacheReadTokens ?? 0;
  const cacheWriteTokens = usage.inputTokenDetails?.cacheWriteTokens ?? 0;
  const inputTokens =
    usage.inputTokenDetails?.noCacheTokens ??
    Math.max(0, (usage.inputTokens ?? 0) - cacheReadTokens - cacheWriteTokens);
  return {
    inputTokens,
    outputTokens: usage.outputTokens ?? 0,
    cacheReadTokens,
    cacheWriteTokens,
  };
}

/** An AI SDK call's usage (a model call of the baseline runtime, a title, a summary), priced. */
export function priceModelUsage(options: { model: string; usage: LanguageModelUsage }): Usage {
  return priceUsage({ model: options.model, tokens: toTokenCounts(options.usage) });
}
