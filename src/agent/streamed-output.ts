import type { TokenCounts } from './model-pricing.ts';

/** A rough count of characters per token, for output a provider streamed but never counted. */
const charsPerToken = 4;

/**
 * `tokens` with their output at least what the call streamed (text, reasoning, tool input), about
 * a token per four characters. A call stopped mid-stream never gets its closing count: Anthropic
 * gives a running output count in `message_start` (1) and then only at the end. The provider
 * bills what it generated, and a stopped reply must not be charged one token.
 */
export function withStreamedOutput(tokens: TokenCounts, streamedChars: number): TokenCounts {
  const streamed = Math.ceil(streamedChars / charsPerToken);
  return { ...tokens, outputTokens: Math.max(tokens.outputTokens, streamed) };
}
