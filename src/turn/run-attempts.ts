import type { AgentRunInput, AgentRuntime } from '../agent/agent-runtime.ts';
import { PromptTooLongError } from '../agent/classify-model-error.ts';
import type { UtilityModel } from '../agent/utility-model.ts';
import type { ToolExecutor } from '../tools/tool-executor.ts';
import { AppError, isAppError } from '../util/app-error.ts';
import type { Logger } from '../util/logger.ts';
import type { Metrics } from '../util/metrics.ts';
import { onAbort } from '../util/on-abort.ts';
import {
  type CompactedHistory,
  canSummarise,
  compactionToolName,
  compressHistory,
  estimateTokens,
  modelRelevant,
  storedSummaryKey,
  summariseHistory,
} from './compact-history.ts';
import type { TurnRecorder } from './turn-recorder.ts';

export interface RetryPolicy {
  /** Automatic retries of transient provider errors while nothing has been streamed. */
  maxTransientRetries: number;
  /** First backoff; it doubles with each retry. */
  retryBaseMs: number;
  contextBudgetTokens: number;
  summaryTimeoutMs: number;
}

export const optimizingStatus = 'Optimizing conversation context…';
export const emptyAnswerText = 'The model sent an empty answer. Please try again.';
export const conversationTooLongText =
  'Your conversation is too long. Please start a new chat or clear some history.';

/**
 * Runs the agent until it succeeds or fails for good. Nothing is retried once the user has seen
 * model output. On "prompt too long" it climbs the ladder: as is, then the history summarised
 * (transcript dropped), then the newest history that fits. Each rung aims below the request that
 * failed (half of it at most, and half the model's context when the provider stated it), so no
 * rung sends the same request again; a history with nothing to summarise goes straight to the
 * last rung, and one that cannot get smaller ends the ladder. On a runtime without a transcript,
 * a history already over the budget is summarised before the first attempt, which then counts as
 * the ladder's second. Transient provider errors are retried with backoff within a bounded budget.
 */
export async function runAttempts(options: {
  runtime: AgentRuntime;
  input: AgentRunInput;
  /** The executor behind `input.tools`: its breakers are reset per attempt and can end the turn. */
  executor: ToolExecutor;
  /** Stops the turn (aborting `input.signal`) with a tripped breaker's error. */
  tripped: (error: AppError) => void;
  recorder: TurnRecorder;
  policy: RetryPolicy;
  summaryModel: UtilityModel | null;
  metrics: Metrics;
  logger: Logger;
}): Promise<void> {
  const { runtime, executor, recorder, policy, logger } = options;
  let input = options.input;
  let ladderStep = 0;
  let transientRetries = 0;
  // A runtime with a transcript manages its own context (the Claude Code CLI compacts it).
  if (
    !runtime.usesTranscript &&
    estimateTokens(input.history) > policy.contextBudgetTokens &&
    canSummarise(input.history)
  ) {
    ladderStep = 1;
    logger.info({ ladderStep }, 'the history is over the context budget; summarising it first');
    const budgetTokens = policy.contextBudgetTokens;
    input = { ...input, history: await reduceContext({ ...options, input, ladderStep, budgetTokens }) };
  }
  for (;;) {
    recorder.beginAttempt();
    executor.resetBreakers();
    try {
      for await (const event of runtime.run(input)) {
        // After a stop the runtime still reports what was used, and nothing else counts.
        if (input.signal.aborted) {
          if (event.type === 'usage') recorder.handle(event);
          continue;
        }
        recorder.handle(event);
        if (event.type === 'tool-call') options.metrics.toolCalled(event.toolName);
        // Stopped like a cancel, so that running tools and sub-agents end and report their usage;
        // the turn then fails with the breaker's error.
        if (executor.tripped) options.tripped(executor.tripped);
      }
      // An answer with nothing in it would end the turn with nothing to read and nothing stored.
      if (!recorder.hasVisibleOutput && !input.signal.aborted) {
        throw new AppError('model_error', emptyAnswerText, { retryable: true });
      }
      return;
    } catch (error) {
      if (input.signal.aborted) return;
      const appError = isAppError(error) ? error : null;
      if (!appError || recorder.hasVisibleOutput) throw error;
      if (appError.code === 'prompt_too_long') {
        ladderStep += 1;
        logger.warn({ ladderStep }, 'the prompt is too long; reducing the context');
        if (ladderStep > 2) {
          throw new AppError('all_attempts_exhausted', conversationTooLongText, {
            cause: error,
            retryable: false,
          });
        }
        // Nothing before the last exchange to summarise, and no transcript to drop: a summary would
        // send the same request again.
        if (ladderStep === 1 && input.transcript == null && !canSummarise(input.history)) ladderStep = 2;
        const budgetTokens = reducedBudget({
          history: input.history,
          budgetTokens: policy.contextBudgetTokens,
          contextTokens: error instanceof PromptTooLongError ? error.contextTokens : null,
        });
        const history = await reduceContext({ ...options, input, ladderStep, budgetTokens });
        // Without a transcript to drop, the same history would fail the same way again.
        if (input.transcript == null && sameRows(history, modelRelevant(input.history))) {
          throw new AppError('all_attempts_exhausted', conversationTooLongText, {
            cause: error,
            retryable: false,
          });
        }
        input = { ...input, history, transcript: null };
        continue;
      }
      if (appError.code === 'transient_api_error' && transientRetries < policy.maxTransientRetries) {
        transientRetries += 1;
        const delayMs = policy.retryBaseMs * 2 ** (transientRetries - 1);
        logger.warn({ err: error, retry: transientRetries, delayMs }, 'transient model error; retrying');
        recorder.publish({
          type: 'data-status',
          data: { message: 'The model is busy. Retrying…' },
          transient: true,
        });
        await sleep(delayMs, input.signal);
        continue;
      }
      throw error;
    }
  }
}

/** The history's size as the model would see it. */
function tokensOf(history: AgentRunInput['history']): number {
  return estimateTokens(modelRelevant(history));
}

function sameRows(a: AgentRunInput['history'], b: AgentRunInput['history']): boolean {
  return a.length === b.length && a.every((row, index) => row === b[index]);
}

/**
 * What a rung of the ladder aims at, in estimated tokens: the budget, and at most half of the
 * history that was too long, and half the model's context when the provider said what it is (the
 * estimate counts characters, and the system prompt, the tools and the answer need room too).
 */
function reducedBudget(options: {
  history: AgentRunInput['history'];
  budgetTokens: number;
  contextTokens: number | null;
}): number {
  const { contextTokens } = options;
  return Math.min(
    options.budgetTokens,
    Math.floor(tokensOf(options.history) / 2),
    contextTokens === null ? Number.POSITIVE_INFINITY : Math.floor(contextTokens / 2),
  );
}

const compactionSummaries: Record<CompactedHistory['method'], string> = {
  summary: 'Earlier messages were summarized to fit within context limits.',
  truncation: 'Earlier messages were shortened to fit within context limits.',
  dropped: 'Earlier messages were dropped to fit within context limits.',
};

/** Makes the smaller context of a ladder step, shown as a `context_compaction` row. */
async function reduceContext(options: {
  input: AgentRunInput;
  recorder: TurnRecorder;
  policy: RetryPolicy;
  summaryModel: UtilityModel | null;
  logger: Logger;
  ladderStep: number;
  /** The size to aim at, in estimated tokens. */
  budgetTokens: number;
}): Promise<AgentRunInput['history']> {
  const { input, recorder, policy, budgetTokens } = options;
  const toolCallId = `compaction-${input.turnId.slice(0, 8)}-${options.ladderStep}`;
  recorder.publish({ type: 'data-status', data: { message: optimizingStatus }, transient: true });
  recorder.handleInternal([
    { type: 'step-start' },
    { type: 'tool-call', toolCallId, toolName: compactionToolName, input: {} },
  ]);
  recorder.publish({ type: 'data-compaction', id: toolCallId, data: { phase: 'summarizing' } });
  const compacted: CompactedHistory =
    options.ladderStep === 1
      ? await summariseHistory({
          history: input.history,
          model: options.summaryModel,
          budgetTokens,
          timeoutMs: policy.summaryTimeoutMs,
          signal: input.signal,
          logger: options.logger,
        })
      : compressHistory({ history: input.history, budgetTokens });
  if (compacted.usage) recorder.usage.add(compacted.usage);
  const summary = compactionSummaries[compacted.method];
  recorder.endInternalTool({
    toolCallId,
    output: { summary, ...(compacted.method === 'dropped' ? { dropped: true } : {}), ...compacted.stats },
    // Kept with the row, never shown: later turns of a runtime without a transcript start from it.
    metadata: compacted.stored ? { [storedSummaryKey]: compacted.stored } : {},
  });
  recorder.handleInternal([{ type: 'step-finish' }]);
  recorder.publish({
    type: 'data-compaction',
    id: toolCallId,
    data: { phase: 'rebuilding', ...compacted.stats },
  });
  return compacted.history;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stopListening();
      resolve();
    }, ms);
    const stopListening = onAbort(signal, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
