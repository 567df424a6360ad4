import type { SDKMessage } from '@anthropic-ai/claude-agent-sdk';
import { addUsage, emptyUsage, type Usage } from '../../protocol/index.ts';
import { priceUsage, type TokenCounts } from '../model-pricing.ts';
import { withStreamedOutput } from '../streamed-output.ts';

interface CallUsage {
  model: string;
  tokens: TokenCounts;
  /** Characters of text, thinking and tool input the call streamed. */
  streamedChars: number;
}

type UsageFields = {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
};

/**
 * What the model calls of a turn used so far, from the CLI's streamed messages (main thread and
 * sub-agents). The final result is authoritative; this covers a turn that never gets one (a
 * stop, a crash of the CLI), so it is still charged for what it used; a call stopped mid-stream
 * at least for what it streamed (`withStreamedOutput`).
 */
export class StreamUsage {
  readonly #calls: CallUsage[] = [];
  /** The call each thread (main, or a sub-agent's tool call) is streaming. */
  readonly #current = new Map<string, CallUsage>();

  observe(message: SDKMessage): void {
    if (message.type !== 'stream_event') return;
    const thread = message.parent_tool_use_id ?? 'main';
    const event = message.event;
    if (event.type === 'message_start') {
      const call: CallUsage = { model: event.message.model, tokens: toTokens({}), streamedChars: 0 };
      merge(call, event.message.usage);
      this.#calls.push(call);
      this.#current.set(thread, call);
    } else if (event.type === 'message_delta') {
      const call = this.#current.get(thread);
      if (call) merge(call, event.usage);
    } else if (event.type === 'content_block_delta') {
      const call = this.#current.get(thread);
      if (call) call.streamedChars += streamedLength(event.delta);
    }
  }

  /** The priced total so far, and the model of the last call (null before any). */
  total(): { usage: Usage; model: string | null } {
    const usage = this.#calls.reduce<Usage>(
      (sum, call) =>
        addUsage(
          sum,
          priceUsage({ model: call.model, tokens: withStreamedOutput(call.tokens, call.streamedChars) }),
        ),
      emptyUsage,
    );
    return { usage, model: this.#calls.at(-1)?.model ?? null };
  }
}

function toTokens(fields: UsageFields): TokenCounts {
  return {
    inputTokens: fields.input_tokens ?? 0,
    outputTokens: fields.output_tokens ?? 0,
    cacheReadTokens: fields.cache_read_input_tokens ?? 0,
    cacheWriteTokens: fields.cache_creation_input_tokens ?? 0,
  };
}

/** Streamed counts are running totals of one call: a later, non-null figure replaces the earlier one. */
function merge(call: CallUsage, fields: UsageFields): void {
  const next = toTokens(fields);
  call.tokens = {
    inputTokens: fields.input_tokens == null ? call.tokens.inputTokens : next.inputTokens,
    outputTokens: fields.output_tokens == null ? call.tokens.outputTokens : next.outputTokens,
    cacheReadTokens:
      fields.cache_read_input_tokens == null ? call.tokens.cacheReadTokens : next.cacheReadTokens,
    cacheWriteTokens:
      fields.cache_creation_input_tokens == null ? call.tokens.cacheWriteTokens : next.cacheWriteTokens,
  };
}

/** The characters a streamed content delta carries: text, thinking, or a piece of tool input. */
function streamedLength(delta: { type: string }): number {
  const { text, thinking, partial_json } = delta as {
    text?: unknown;
    thinking?: unknown;
    partial_json?: unknown;
  };
  const carried =
    delta.type === 'text_delta' ? text : delta.type === 'thinking_delta' ? thinking : partial_json;
  return typeof carried === 'string' ? carried.length : 0;
}
