import type { ToolOutcome } from '../../tools/tool.ts';
import type { AgentEvent, AgentTools } from '../agent-runtime.ts';
import type { ModelCallOptions, ModelStreamPart, StreamingModel } from '../language-model.ts';
import type { TokenCounts } from '../model-pricing.ts';
import type { AssistantPart, ModelPrompt, ToolResultPart } from './model-prompt.ts';
import { reasoningFieldOf } from './openai-request.ts';
import { RawStepUsage } from './raw-step-usage.ts';
import { TurnToolCallIds } from './turn-tool-call-ids.ts';

type FinishPart = Extract<ModelStreamPart, { type: 'finish' }>;
type ProviderMetadata = Extract<ModelStreamPart, { type: 'text-delta' }>['providerMetadata'];

/** What the step loop yields: the runtime's events, and each model call's token counts. */
export type StepEvent = Exclude<AgentEvent, { type: 'usage' }> | { type: 'tokens'; tokens: TokenCounts };

interface ToolRun {
  toolCallId: string;
  toolName: string;
  outcome: Promise<ToolOutcome | { thrown: unknown }>;
}

/**
 * The multi-step tool loop, calling the provider's `doStream` directly. `streamText` did this
 * before; under load its per-part transforms cost about 250 µs of CPU per streamed delta, more
 * than everything else the server does per delta together (see BENCHMARKS.md). Each step streams
 * one model call; tool calls run as they arrive; the step's results go back to the model while
 * it asks for tools and `maxSteps` allows. Token counts are yielded on every exit: a finished
 * step's from its finish part, an unfinished one's (a stop, a cut stream, an error) from the
 * provider's raw events. A stop ends the loop quietly; any other failure is thrown as it came.
 */
export async function* runModelSteps(options: {
  model: StreamingModel;
  prompt: ModelPrompt;
  tools: AgentTools;
  toolSpecs: ModelCallOptions['tools'];
  maxSteps: number;
  maxOutputTokens: number;
  signal: AbortSignal;
}): AsyncGenerator<StepEvent> {
  const { signal } = options;
  const prompt = [...options.prompt];
  const inFlight = new RawStepUsage();
  const toolCallIds = new TurnToolCallIds();
  // The step's tool calls, each started as soon as the stream gave it.
  let runs: ToolRun[] = [];
  try {
    for (let step = 0; step < options.maxSteps; step++) {
      runs = [];
      toolCallIds.startStep();
      const { stream } = await options.model.doStream({
        prompt,
        ...(options.toolSpecs?.length ? { tools: options.toolSpecs, toolChoice: { type: 'auto' } } : {}),
        maxOutputTokens: options.maxOutputTokens,
        abortSignal: signal,
        // Usage of a step that never finishes (a stop, a cut connection) is only in the raw events.
        includeRawChunks: true,
      });
      yield { type: 'step-start' };
      const content: AssistantPart[] = [];
      let finish: FinishPart | undefined;
      const blocks = new Map<string, { part: Extract<AssistantPart, { type: 'text' | 'reasoning' }> }>();
      for await (const part of stream) {
        switch (part.type) {
          case 'raw':
            inFlight.observe(part.rawValue);
            break;
          case 'text-start':
          case 'reasoning-start': {
            const type: 'text' | 'reasoning' = part.type === 'text-start' ? 'text' : 'reasoning';
            const block = { part: { type, text: '', ...providerOptionsOf(part.providerMetadata) } };
            blocks.set(part.id, block);
            content.push(block.part);
            const wireField =
              part.type === 'reasoning-start' ? reasoningFieldOf(part.providerMetadata) : undefined;
            yield { type: part.type, id: part.id, ...(wireField ? { wireField } : {}) };
            break;
          }
          case 'text-delta':
          case 'reasoning-delta': {
            const block = blocks.get(part.id);
            if (block) {
              block.part.text += part.delta;
              if (part.providerMetadata) mergeMetadata({ part: block.part, added: part.providerMetadata });
            }
            inFlight.streamed(part.delta.length);
            if (part.delta) yield { type: part.type, id: part.id, delta: part.delta };
            break;
          }
          case 'text-end':
          case 'reasoning-end': {
            const block = blocks.get(part.id);
            if (block && part.providerMetadata)
              mergeMetadata({ part: block.part, added: part.providerMetadata });
            blocks.delete(part.id);
            yield { type: part.type, id: part.id };
            break;
          }
          case 'tool-input-start':
            yield {
              type: 'tool-input-start',
              toolCallId: toolCallIds.announce(part.id),
              toolName: part.toolName,
            };
            break;
          case 'tool-input-delta':
            inFlight.streamed(part.delta.length);
            break;
          case 'tool-call': {
            const input = parseToolInput(part.input);
            const toolCallId = toolCallIds.call(part.toolCallId);
            const { toolName } = part;
            content.push({
              type: 'tool-call',
              toolCallId,
              toolName,
              input: input.parsed ? input.value : {},
              ...providerOptionsOf(part.providerMetadata),
            });
            yield { type: 'tool-call', toolCallId, toolName, input: input.value };
            // Run at once, as the stream goes on; a thrown error becomes the call's error result.
            const outcome = options.tools
              .execute({ toolCallId, toolName, input: input.value })
              .catch((thrown: unknown) => ({ thrown }));
            runs.push({ toolCallId, toolName, outcome });
            break;
          }
          case 'finish':
            finish = part;
            break;
          case 'error':
            throw part.error;
          default:
            break;
        }
      }
      if (finish) {
        inFlight.take();
        yield { type: 'tokens', tokens: tokenCountsOf(finish.usage) };
      }
      const results = yield* settle(runs);
      yield { type: 'step-finish' };
      if (runs.length === 0 || signal.aborted) return;
      prompt.push(
        { role: 'assistant', content: content.filter((part) => part.type !== 'text' || part.text !== '') },
        { role: 'tool', content: results },
      );
    }
    // The model asked for more tools after the last step the turn allows: it stops here, mid-task.
    yield {
      type: 'notice',
      message: `Stopped after ${options.maxSteps} model calls, the most one turn may make. Send a message to let it go on.`,
    };
  } catch (error) {
    // Calls the cut step had started still run: they end before the failure goes up (a retried
    // attempt must not overlap them), and their results are on record like any other.
    yield* settle(runs);
    // A step cut short still used what the provider reported for it.
    const unfinished = inFlight.take();
    if (unfinished) yield { type: 'tokens', tokens: unfinished };
    if (signal.aborted) return;
    throw error;
  }
}

/** Waits for each started call in order, yielding its result event; returns the results for the model. */
async function* settle(runs: ToolRun[]): AsyncGenerator<StepEvent, ToolResultPart[]> {
  const results: ToolResultPart[] = [];
  for (const run of runs) {
    const outcome = await run.outcome;
    if ('thrown' in outcome) {
      const text = outcome.thrown instanceof Error ? outcome.thrown.message : String(outcome.thrown);
      yield { type: 'tool-result', toolCallId: run.toolCallId, output: text, isError: true };
      results.push(toolResult({ run, isError: true, text }));
    } else {
      yield {
        type: 'tool-result',
        toolCallId: run.toolCallId,
        output: outcome.output,
        isError: outcome.isError,
      };
      results.push(toolResult({ run, isError: outcome.isError, text: outcome.modelText }));
    }
  }
  return results;
}

function toolResult(options: { run: ToolRun; isError: boolean; text: string }): ToolResultPart {
  const { run, isError, text } = options;
  return {
    type: 'tool-result',
    toolCallId: run.toolCallId,
    toolName: run.toolName,
    output: isError ? { type: 'error-text', value: text } : { type: 'text', value: text },
  };
}

/** Tool input arrives as JSON text; empty means no arguments. Unparsable text goes to the executor as is. */
function parseToolInput(text: string): { parsed: boolean; value: unknown } {
  if (text.trim() === '') return { parsed: true, value: {} };
  try {
    return { parsed: true, value: JSON.parse(text) };
  } catch {
    return { parsed: false, value: text };
  }
}

/** What the provider attached to a part (a reasoning signature) goes back with it on the next call. */
function providerOptionsOf(metadata: ProviderMetadata): { providerOptions?: NonNullable<ProviderMetadata> } {
  return metadata ? { providerOptions: metadata } : {};
}

/** Metadata a later part of the same block adds (the signature arrives on the last delta). */
function mergeMetadata(options: {
  part: { providerOptions?: NonNullable<ProviderMetadata> };
  added: NonNullable<ProviderMetadata>;
}): void {
  const merged: NonNullable<ProviderMetadata> = { ...options.part.providerOptions };
  for (const [provider, values] of Object.entries(options.added)) {
    merged[provider] = { ...merged[provider], ...values };
  }
  options.part.providerOptions = merged;
}

/** Token counts in our terms: `inputTokens` is the uncached input only. */
function tokenCountsOf(usage: FinishPart['usage']): TokenCounts {
  const cacheReadTokens = usage.inputTokens.cacheRead ?? 0;
  const cacheWriteTokens = usage.inputTokens.cacheWrite ?? 0;
  return {
    inputTokens:
      usage.inputTokens.noCache ??
      Math.max(0, (usage.inputTokens.total ?? 0) - cacheReadTokens - cacheWriteTokens),
    outputTokens: usage.outputTokens.total ?? 0,
    cacheReadTokens,
    cacheWriteTokens,
  };
}
