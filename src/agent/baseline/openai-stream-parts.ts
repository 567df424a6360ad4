import type { ReasoningWireField } from '../agent-runtime.ts';
import type { ModelFinishReason, ModelStreamPart, ModelUsage } from '../language-model.ts';
import { type EventPartReader, partsOfEventBatches, pushDelta } from './event-parts.ts';
import { reasoningFieldMetadata } from './openai-request.ts';
import { OpenAIToolCalls, type ToolCallDelta } from './openai-tool-calls.ts';
import { parseStreamEvent } from './post-event-stream.ts';

/** The fields of Chat Completions stream chunks this client reads; anything else is ignored. */
interface ChatChunk {
  choices?: { delta?: ChatDelta | null; finish_reason?: string | null; usage?: ChatUsage | null }[] | null;
  usage?: ChatUsage | null;
  error?: { message?: string } | string | null;
}

interface ChatDelta {
  content?: string | (ContentPart | null)[] | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  refusal?: unknown;
  tool_calls?: ToolCallDelta[] | null;
}

interface ContentPart {
  type?: string;
  text?: unknown;
  thinking?: unknown;
}

interface ChatUsage {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  /** Moonshot's spelling of the cached share. */
  cached_tokens?: number | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/**
 * Chat Completions chunks → provider stream parts, as the AI SDK's openai-compatible provider
 * made them: text and reasoning (`reasoning_content` or `reasoning`) as alternating blocks, tool
 * calls gathered by `index` and given whole when the choice finishes, usage from the last chunk.
 * A stream that ends with neither a finish reason nor `[DONE]` was cut and throws; an `error`
 * chunk is an error part, as the provider's mid-stream failures always were.
 */
export function toOpenAIStreamParts(batches: AsyncIterable<string[]>): AsyncGenerator<ModelStreamPart> {
  return partsOfEventBatches({ batches, reader: new ChatCompletionEvents() });
}

/** Chat Completions events, one at a time: `[DONE]`, error chunks, and the choice's chunks. */
export class ChatCompletionEvents implements EventPartReader {
  readonly #stream = new ChatStream();
  #done = false;

  get complete(): boolean {
    return this.#done;
  }

  read(data: string, parts: ModelStreamPart[]): boolean {
    // Whatever follows `[DONE]` in the same read is ignored.
    if (this.#done) return true;
    if (data === '[DONE]') {
      this.#done = true;
      return true;
    }
    const chunk = parseStreamEvent<ChatChunk>(data);
    // Moonshot's Kimi API gives the usage in the finishing choice, not beside the choices.
    if (chunk.usage == null && Array.isArray(chunk.choices)) {
      const usage = chunk.choices[0]?.usage;
      if (usage != null && typeof usage === 'object') chunk.usage = usage;
    }
    if (chunk.error != null) {
      const { error } = chunk;
      parts.push({ type: 'error', error: typeof error === 'string' ? { message: error } : error });
      return false;
    }
    // Only usage matters from the raw chunks: the step loop charges a cut step with it.
    if (chunk.usage != null) parts.push({ type: 'raw', rawValue: chunk });
    this.#stream.read({ chunk, parts });
    return true;
  }

  end(parts: ModelStreamPart[]): void {
    if (!this.#done && this.#stream.finishReason === undefined)
      throw new Error('The model provider stream was terminated before the message ended.');
    this.#stream.finish(parts);
  }
}

/** The state of one streamed choice; each method adds the parts its input completes. */
class ChatStream {
  finishReason: string | undefined;
  #usage: ChatUsage | undefined;
  #refused = false;
  #open: { type: 'text' | 'reasoning'; id: string } | null = null;
  #blocks = 0;
  readonly #toolCalls = new OpenAIToolCalls();
  /** Whether the chunk being read added anything (a merged delta adds no part, but adds). */
  #added = false;

  read(options: { chunk: ChatChunk; parts: ModelStreamPart[] }): void {
    const { chunk, parts } = options;
    const partsBefore = parts.length;
    this.#added = false;
    if (chunk.usage != null) this.#usage = chunk.usage;
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    const delta = choice?.delta;
    let addedToCalls = false;
    if (delta) {
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning) {
        // The field it came in is the one it goes back in: Groq and Cerebras stream `reasoning`
        // and refuse `reasoning_content`, which DeepSeek and Kimi stream and require.
        const field = typeof delta.reasoning_content === 'string' ? 'reasoning_content' : 'reasoning';
        this.#append({ type: 'reasoning', delta: reasoning, parts, field });
      }
      if (typeof delta.content === 'string') {
        if (delta.content) this.#append({ type: 'text', delta: delta.content, parts });
      } else if (Array.isArray(delta.content)) this.#appendContentParts({ content: delta.content, parts });
      if (typeof delta.refusal === 'string' && delta.refusal) {
        this.#refused = true;
        this.#append({ type: 'text', delta: delta.refusal, parts });
      }
      if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
        if (this.#open?.type === 'reasoning') this.#close(parts);
        addedToCalls = true;
        for (const call of delta.tool_calls) this.#toolCalls.read({ delta: call, parts });
      }
    }
    if (typeof choice?.finish_reason === 'string') this.finishReason = choice.finish_reason;
    // Every call's arguments are complete once a finish reason came and a chunk adds nothing more
    // (some relays put `stop` on every delta): the tools may start before the usage chunk. The
    // text before them ends first, so it is stored before them, as it was shown.
    const added = this.#added || parts.length > partsBefore || addedToCalls;
    if (this.finishReason !== undefined && !added) {
      this.#close(parts);
      this.#toolCalls.finish(parts);
    }
  }

  finish(parts: ModelStreamPart[]): void {
    this.#close(parts);
    this.#toolCalls.finish(parts);
    parts.push({ type: 'finish', usage: toUsage(this.#usage), finishReason: this.#finishReason() });
  }

  /** Content given as parts (some servers): text, and `thinking` parts' text chunks as reasoning. */
  #appendContentParts(options: { content: (ContentPart | null)[]; parts: ModelStreamPart[] }): void {
    const { content, parts } = options;
    for (const part of content) {
      if (part?.type === 'text' && typeof part.text === 'string' && part.text) {
        this.#append({ type: 'text', delta: part.text, parts });
      } else if (part?.type === 'thinking' && Array.isArray(part.thinking)) {
        const text = part.thinking
          .map((chunk: { type?: unknown; text?: unknown } | null) =>
            chunk?.type === 'text' && typeof chunk.text === 'string' ? chunk.text : '',
          )
          .join('');
        if (text) this.#append({ type: 'reasoning', delta: text, parts });
      }
    }
  }

  #append(options: {
    type: 'text' | 'reasoning';
    delta: string;
    parts: ModelStreamPart[];
    /** A reasoning block's wire field; none for reasoning given as content parts. */
    field?: ReasoningWireField;
  }): void {
    const { type, delta, parts, field } = options;
    this.#added = true;
    if (this.#open?.type !== type) {
      this.#close(parts);
      const id = `${type === 'text' ? 'txt' : 'reasoning'}-${this.#blocks++}`;
      this.#open = { type, id };
      if (type === 'text') parts.push({ type: 'text-start', id });
      else
        parts.push({
          type: 'reasoning-start',
          id,
          ...(field ? { providerMetadata: reasoningFieldMetadata(field) } : {}),
        });
    }
    const id = this.#open.id;
    pushDelta(parts, { type: type === 'text' ? 'text-delta' : 'reasoning-delta', id, delta });
  }

  #close(parts: ModelStreamPart[]): void {
    const open = this.#open;
    if (!open) return;
    parts.push({ type: open.type === 'text' ? 'text-end' : 'reasoning-end', id: open.id });
    this.#open = null;
  }

  #finishReason(): ModelFinishReason {
    const raw = this.finishReason;
    const unified =
      raw === 'stop'
        ? this.#refused
          ? 'content-filter'
          : 'stop'
        : raw === 'length'
          ? 'length'
          : raw === 'content_filter'
            ? 'content-filter'
            : raw === 'tool_calls' || raw === 'function_call'
              ? 'tool-calls'
              : 'other';
    return { unified, raw };
  }
}

/** `prompt_tokens` includes the cached share; a stream without usage reports none. */
function toUsage(usage: ChatUsage | undefined): ModelUsage {
  if (!usage) {
    return {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: undefined, text: undefined, reasoning: undefined },
    };
  }
  const prompt = usage.prompt_tokens ?? 0;
  const completion = usage.completion_tokens ?? 0;
  const cacheRead = usage.prompt_tokens_details?.cached_tokens ?? usage.cached_tokens ?? 0;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    inputTokens: { total: prompt, noCache: prompt - cacheRead, cacheRead, cacheWrite: undefined },
    outputTokens: { total: completion, text: Math.max(0, completion - reasoning), reasoning },
  };
}
