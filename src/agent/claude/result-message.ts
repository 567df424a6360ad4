import type { SDKResultMessage } from '@anthropic-ai/claude-agent-sdk';
import type { Usage } from '../../protocol/index.ts';
import { AppError } from '../../util/app-error.ts';
import { classifyModelError, isPromptTooLong } from '../classify-model-error.ts';

export interface ResultSummary {
  isError: boolean;
  subtype: string;
  text: string;
  usage: Usage;
  /** Whether `usage` is the CLI's running total for the conversation (it is when modelUsage is present). */
  cumulative: boolean;
  /** This result's own usage of the main thread (sub-agents excluded). */
  mainThreadUsage: Usage;
  model: string | null;
  sessionId: string;
}

/**
 * Usage and cost of the whole query, sub-agents included: `modelUsage` sums every model the
 * session called, where `usage` counts only the main thread.
 */
export function summariseResult(message: SDKResultMessage): ResultSummary {
  const models = Object.entries(message.modelUsage ?? {});
  const usage: Usage =
    models.length > 0
      ? models.reduce<Usage>(
          (sum, [, model]) => ({
            inputTokens: sum.inputTokens + model.inputTokens,
            outputTokens: sum.outputTokens + model.outputTokens,
            cacheReadTokens: sum.cacheReadTokens + model.cacheReadInputTokens,
            cacheWriteTokens: sum.cacheWriteTokens + model.cacheCreationInputTokens,
            costUsd: sum.costUsd,
          }),
          {
            inputTokens: 0,
            outputTokens: 0,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
            costUsd: message.total_cost_usd,
          },
        )
      : {
          inputTokens: message.usage.input_tokens,
          outputTokens: message.usage.output_tokens,
          cacheReadTokens: message.usage.cache_read_input_tokens ?? 0,
          cacheWriteTokens: message.usage.cache_creation_input_tokens ?? 0,
          costUsd: message.total_cost_usd,
        };
  return {
    isError: message.is_error,
    subtype: message.subtype,
    text: message.subtype === 'success' ? message.result : (message.errors ?? []).join('\n'),
    usage,
    cumulative: models.length > 0,
    mainThreadUsage: {
      inputTokens: message.usage.input_tokens,
      outputTokens: message.usage.output_tokens,
      cacheReadTokens: message.usage.cache_read_input_tokens ?? 0,
      cacheWriteTokens: message.usage.cache_creation_input_tokens ?? 0,
      costUsd: 0,
    },
    model: models[0]?.[0] ?? null,
    sessionId: message.session_id,
  };
}

/**
 * The failure a result reports, or null. "Prompt is too long" is recognised in every form the
 * CLI uses: an API 400, an error result, and plain result text with subtype `success`.
 */
export function resultFailure(result: {
  isError: boolean;
  subtype: string;
  text: string;
  cause?: unknown;
  /** The configured base URL's host, named when the provider cannot be reached. */
  providerHost?: string;
}): AppError | null {
  const text = result.text.trim();
  if (
    /^(api error: \d{3}\b.*)?prompt is too long/is.test(text) ||
    (result.isError && isPromptTooLong(text))
  ) {
    return new AppError('prompt_too_long', 'The conversation is too long for the model.', {
      cause: result.cause ?? new Error(text),
      retryable: false,
    });
  }
  if (!result.isError && result.subtype === 'success') return null;
  if (result.subtype === 'error_max_turns') {
    return new AppError(
      'model_error',
      'The agent reached its step limit for this turn. Send a message to continue.',
      {
        cause: result.cause ?? new Error(text),
        retryable: true,
      },
    );
  }
  const status = /API Error: (\d{3})/.exec(text)?.[1];
  return classifyModelError({
    status: status ? Number(status) : undefined,
    message: text,
    cause: result.cause ?? new Error(text),
    providerHost: result.providerHost,
  });
}
