import type { Dispatcher } from 'undici';
import { type AnthropicEndpoint, type AnthropicUsage, anthropicEndpoint } from '../anthropic-endpoint.ts';
import type {
  ModelCallOptions,
  ModelFinishReason,
  ModelStreamPart,
  ModelUsage,
  StreamingModel,
} from '../language-model.ts';
import { anthropicRequestBody } from './anthropic-request.ts';
import { type EventPartReader, partsOfEventBatches, pushDelta } from './event-parts.ts';
import { parseStreamEvent, postEventStream } from './post-event-stream.ts';

/**
 * A minimal streaming client for the Anthropic Messages API: one POST, the body read as a Node
 * stream and split into server-sent events by hand, each event parsed once with `JSON.parse` and
 * turned into the provider stream parts the step loop reads (the text deltas of one read joined).
 * The AI SDK's provider does the same through four web-stream stages and a zod validation per
 * event; under load that cost about 60-90 µs of CPU per streamed delta (BENCHMARKS.md). Failures keep the SDK's shape
 * (`APICallError` with status and body) so they are classified as before.
 */
export class AnthropicMessagesClient implements StreamingModel {
  readonly #endpoint: AnthropicEndpoint;
  readonly #dispatcher: Dispatcher;

  constructor(options: { baseUrl: string; apiKey: string; model: string; dispatcher: Dispatcher }) {
    this.#endpoint = anthropicEndpoint(options);
    this.#dispatcher = options.dispatcher;
  }

  async doStream(call: ModelCallOptions): Promise<{ stream: AsyncIterable<ModelStreamPart> }> {
    const reader = new MessagesEvents();
    const events = await postEventStream({
      url: this.#endpoint.url,
      headers: this.#endpoint.headers,
      body: anthropicRequestBody({ model: this.#endpoint.model, call }),
      signal: call.abortSignal,
      dispatcher: this.#dispatcher,
      answered: () => reader.complete,
    });
    return { stream: partsOfEventBatches({ batches: events, reader }) };
  }
}

/** The fields of Messages API stream events this client reads; anything else is ignored. */
interface AnthropicEvent {
  type?: string;
  index?: number;
  message?: { usage?: AnthropicUsage };
  content_block?: { type?: string; text?: string; id?: string; name?: string; data?: string };
  delta?: {
    type?: string;
    text?: string;
    thinking?: string;
    signature?: string;
    partial_json?: string;
    stop_reason?: string | null;
  };
  usage?: AnthropicUsage;
  error?: { type?: string; message?: string };
}

interface OpenBlock {
  type: 'text' | 'reasoning' | 'tool';
  id: string;
  toolName?: string;
  input?: string;
}

/**
 * Messages API events → provider stream parts (text, reasoning with its signature, tool calls,
 * usage), one event at a time; adjacent text deltas of one read join (`pushDelta`).
 */
class MessagesEvents implements EventPartReader {
  readonly #blocks = new Map<number, OpenBlock>();
  #usage: AnthropicUsage = {};
  #stopReason: string | null = null;
  #stopped = false;

  get complete(): boolean {
    return this.#stopped;
  }

  read(data: string, parts: ModelStreamPart[]): boolean {
    // Nothing follows message_stop; whatever does is ignored.
    if (this.#stopped) return true;
    const event = parseStreamEvent<AnthropicEvent>(data);
    switch (event.type) {
      case 'message_start':
        this.#usage = { ...event.message?.usage };
        parts.push({ type: 'raw', rawValue: event });
        break;
      case 'content_block_start':
        this.#start({ index: Number(event.index), block: event.content_block ?? {}, parts });
        break;
      case 'content_block_delta': {
        const block = this.#blocks.get(Number(event.index));
        const delta = event.delta ?? {};
        if (!block) break;
        if (delta.type === 'text_delta')
          pushDelta(parts, { type: 'text-delta', id: block.id, delta: delta.text ?? '' });
        else if (delta.type === 'thinking_delta')
          pushDelta(parts, { type: 'reasoning-delta', id: block.id, delta: delta.thinking ?? '' });
        else if (delta.type === 'signature_delta') {
          const providerMetadata = { anthropic: { signature: delta.signature } };
          parts.push({ type: 'reasoning-delta', id: block.id, delta: '', providerMetadata });
        } else if (delta.type === 'input_json_delta') block.input += delta.partial_json ?? '';
        break;
      }
      case 'content_block_stop': {
        const index = Number(event.index);
        const block = this.#blocks.get(index);
        this.#blocks.delete(index);
        if (!block) break;
        if (block.type === 'tool') {
          parts.push({ type: 'tool-input-end', id: block.id });
          parts.push({
            type: 'tool-call',
            toolCallId: block.id,
            toolName: block.toolName ?? '',
            input: block.input ?? '',
          });
        } else {
          parts.push({ type: block.type === 'text' ? 'text-end' : 'reasoning-end', id: block.id });
        }
        break;
      }
      case 'message_delta':
        this.#usage = { ...this.#usage, ...definedCounts(event.usage) };
        this.#stopReason = event.delta?.stop_reason ?? this.#stopReason;
        parts.push({ type: 'raw', rawValue: event });
        break;
      case 'error':
        parts.push({
          type: 'error',
          error: { type: event.error?.type, message: event.error?.message ?? 'error' },
        });
        return false;
      case 'message_stop':
        this.#stopped = true;
        break;
      default:
        // ping, and events this client does not use.
        break;
    }
    return true;
  }

  end(parts: ModelStreamPart[]): void {
    // A response ended cleanly mid-message (a proxy, a restart) is a cut, not a finished answer;
    // so is a message that stopped with a block still open (a tool call whose input never ended).
    if (!this.#stopped || this.#blocks.size > 0)
      throw new Error('The model provider stream was terminated before the message ended.');
    parts.push({ type: 'finish', usage: toUsage(this.#usage), finishReason: finishReason(this.#stopReason) });
  }

  #start(options: {
    index: number;
    block: NonNullable<AnthropicEvent['content_block']>;
    parts: ModelStreamPart[];
  }): void {
    const { index, block, parts } = options;
    const id = String(index);
    if (block.type === 'text') {
      this.#blocks.set(index, { type: 'text', id });
      parts.push({ type: 'text-start', id });
      if (block.text) parts.push({ type: 'text-delta', id, delta: block.text });
    } else if (block.type === 'thinking') {
      this.#blocks.set(index, { type: 'reasoning', id });
      parts.push({ type: 'reasoning-start', id });
    } else if (block.type === 'redacted_thinking') {
      this.#blocks.set(index, { type: 'reasoning', id });
      parts.push({
        type: 'reasoning-start',
        id,
        providerMetadata: { anthropic: { redactedData: block.data } },
      });
    } else if (block.type === 'tool_use') {
      const toolCall = { type: 'tool' as const, id: block.id ?? id, toolName: block.name ?? '', input: '' };
      this.#blocks.set(index, toolCall);
      parts.push({ type: 'tool-input-start', id: toolCall.id, toolName: toolCall.toolName });
    }
  }
}

/** message_delta repeats only the counts it knows; the others keep message_start's. */
function definedCounts(usage: AnthropicUsage | undefined): AnthropicUsage {
  return Object.fromEntries(Object.entries(usage ?? {}).filter(([, value]) => typeof value === 'number'));
}

function toUsage(usage: AnthropicUsage): ModelUsage {
  const noCache = usage.input_tokens ?? 0;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: { total: noCache + cacheRead + cacheWrite, noCache, cacheRead, cacheWrite },
    outputTokens: { total: usage.output_tokens ?? 0, text: undefined, reasoning: undefined },
  };
}

function finishReason(stopReason: string | null): ModelFinishReason {
  const unified =
    stopReason === 'tool_use'
      ? 'tool-calls'
      : stopReason === 'max_tokens'
        ? 'length'
        : stopReason === 'end_turn' || stopReason === 'stop_sequence'
          ? 'stop'
          : 'other';
  return { unified, raw: stopReason ?? undefined };
}
