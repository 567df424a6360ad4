import type { ModelFinishReason, ModelStreamPart, ModelUsage } from '../language-model.ts';
import { OpenAIToolCalls, type ToolCallDelta } from './openai-tool-calls.ts';
import { parseStreamEvent } from './post-event-stream.ts';

/** The fields of Chat Completions stream chunks this client reads; anything else is ignored. */
interface ChatChunk {
  choices?: { delta?: ChatDelta | null; finish_reason?: string | null }[] | null;
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
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/**
 * Chat Completions chunks → provider stream parts, as the AI SDK's openai-compatible provider
 * made them: text and reasoning (`reasoning_content` or `reasoning`) as alternating blocks, tool
 * calls gathered by `index` and given whole when the choice finishes, usage from the last chunk.
 * A stream that ends with neither a finish reason nor `[DONE]` was cut and throws; an `error`
 * chunk is an error part, as the provider's mid-stream failures always were.
 */
export async function* toOpenAIStreamParts(events: AsyncIterable<string>): AsyncGenerator<ModelStreamPart> {
  const stream = new ChatStream();
  let done = false;
  for await (const data of events) {
    // Whatever follows `[DONE]` is read (the connection stays reusable) and ignored.
    if (done) continue;
    if (data === '[DONE]') {
      done = true;
      continue;
    }
    const chunk = parseStreamEvent<ChatChunk>(data);
    if (chunk.error != null) {
      const { error } = chunk;
      yield { type: 'error', error: typeof error === 'string' ? { message: error } : error };
      return;
    }
    // Only usage matters from the raw chunks: the step loop charges a cut step with it.
    if (chunk.usage != null) yield { type: 'raw', rawValue: chunk };
    yield* stream.read(chunk);
  }
  if (!done && stream.finishReason === undefined)
    throw new Error('The model provider stream was terminated before the message ended.');
  yield* stream.finish();
}

/** The state of one streamed choice; each method returns the parts its input completes. */
class ChatStream {
  finishReason: string | undefined;
  #usage: ChatUsage | undefined;
  #refused = false;
  #open: { type: 'text' | 'reasoning'; id: string } | null = null;
  #blocks = 0;
  readonly #toolCalls = new OpenAIToolCalls();
  readonly #parts: ModelStreamPart[] = [];

  read(chunk: ChatChunk): ModelStreamPart[] {
    const parts = this.#parts;
    parts.length = 0;
    if (chunk.usage != null) this.#usage = chunk.usage;
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    const delta = choice?.delta;
    let addedToCalls = false;
    if (delta) {
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string' && reasoning) this.#append({ type: 'reasoning', delta: reasoning });
      if (typeof delta.content === 'string') {
        if (delta.content) this.#append({ type: 'text', delta: delta.content });
      } else if (Array.isArray(delta.content)) this.#appendContentParts(delta.content);
      if (typeof delta.refusal === 'string' && delta.refusal) {
        this.#refused = true;
        this.#append({ type: 'text', delta: delta.refusal });
      }
      if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
        if (this.#open?.type === 'reasoning') this.#close();
        addedToCalls = true;
        for (const call of delta.tool_calls) this.#toolCalls.read({ delta: call, parts });
      }
    }
    if (typeof choice?.finish_reason === 'string') this.finishReason = choice.finish_reason;
    // Every call's arguments are complete once a finish reason came and a chunk adds nothing more
    // (some relays put `stop` on every delta): the tools may start before the usage chunk. The
    // text before them ends first, so it is stored before them, as it was shown.
    if (this.finishReason !== undefined && parts.length === 0 && !addedToCalls) {
      this.#close();
      this.#toolCalls.finish(parts);
    }
    return parts;
  }

  finish(): ModelStreamPart[] {
    const parts = this.#parts;
    parts.length = 0;
    this.#close();
    this.#toolCalls.finish(parts);
    parts.push({ type: 'finish', usage: toUsage(this.#usage), finishReason: this.#finishReason() });
    return parts;
  }

  /** Content given as parts (some servers): text, and `thinking` parts' text chunks as reasoning. */
  #appendContentParts(content: (ContentPart | null)[]): void {
    for (const part of content) {
      if (part?.type === 'text' && typeof part.text === 'string' && part.text) {
        this.#append({ type: 'text', delta: part.text });
      } else if (part?.type === 'thinking' && Array.isArray(part.thinking)) {
        const text = part.thinking
          .map((chunk: { type?: unknown; text?: unknown } | null) =>
            chunk?.type === 'text' && typeof chunk.text === 'string' ? chunk.text : '',
          )
          .join('');
        if (text) this.#append({ type: 'reasoning', delta: text });
      }
    }
  }

  #append(options: { type: 'text' | 'reasoning'; delta: string }): void {
    const { type, delta } = options;
    if (this.#open?.type !== type) {
      this.#close();
      const id = `${type === 'text' ? 'txt' : 'reasoning'}-${this.#blocks++}`;
      this.#open = { type, id };
      this.#parts.push({ type: type === 'text' ? 'text-start' : 'reasoning-start', id });
    }
    const id = this.#open.id;
    this.#parts.push({ type: type === 'text' ? 'text-delta' : 'reasoning-delta', id, delta });
  }

  #close(): void {
    const open = this.#open;
    if (!open) return;
    this.#parts.push({ type: open.type === 'text' ? 'text-end' : 'reasoning-end', id: open.id });
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
  const cacheRead = usage.prompt_tokens_details?.cached_tokens ?? 0;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
  return {
    inputTokens: { total: prompt, noCache: prompt - cacheRead, cacheRead, cacheWrite: undefined },
    outputTokens: { total: completion, text: Math.max(0, completion - reasoning), reasoning },
  };
}
