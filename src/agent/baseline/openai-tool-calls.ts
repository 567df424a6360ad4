import { randomUUID } from 'node:crypto';
import type { ModelStreamPart } from '../language-model.ts';
import { openAIMetadataKey } from './openai-request.ts';

/** One streamed piece of a tool call: the first names it, the rest add to its arguments. */
export interface ToolCallDelta {
  index?: number | null;
  id?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
  extra_content?: { google?: { thought_signature?: string | null } | null } | null;
}

interface ToolCall {
  wireId: string | undefined;
  id: string;
  toolName: string | undefined;
  input: string;
  signature: string | undefined;
  started: boolean;
  finished: boolean;
}

/**
 * The tool calls of one streamed choice, gathered from their deltas. A call is keyed by its
 * `index`; a server that leaves the index out sends a call's pieces in a row, and one that puts
 * every call at index 0 gives each a new id. A call is announced (`tool-input-start`) once its
 * name is known and given whole (`tool-call`) when the choice finishes: only then are its
 * arguments known to be complete.
 */
export class OpenAIToolCalls {
  readonly #calls: ToolCall[] = [];
  readonly #byKey = new Map<number | string, ToolCall>();
  readonly #usedIds = new Set<string>();
  #lastKey: number | string | undefined;

  read(options: { delta: ToolCallDelta; parts: ModelStreamPart[] }): void {
    const { delta, parts } = options;
    if (delta === null || typeof delta !== 'object') return;
    const name = nonBlank(delta.function?.name);
    const wireId = nonBlank(delta.id);
    const key =
      typeof delta.index === 'number'
        ? delta.index
        : name || this.#lastKey === undefined
          ? `unindexed-${this.#calls.length}`
          : this.#lastKey;
    this.#lastKey = key;
    let call = this.#byKey.get(key);
    // A named piece with another id at a taken index is a new call, not more of the old one.
    if (call && name && wireId && call.wireId && wireId !== call.wireId) call = undefined;
    if (!call) {
      call = {
        wireId,
        id: '',
        toolName: name,
        input: '',
        signature: undefined,
        started: false,
        finished: false,
      };
      this.#calls.push(call);
      this.#byKey.set(key, call);
    }
    if (call.finished) return;
    call.wireId ??= wireId;
    call.toolName ??= name;
    call.signature ??= delta.extra_content?.google?.thought_signature ?? undefined;
    const piece = delta.function?.arguments;
    if (typeof piece === 'string') call.input += piece;
    if (!call.started && call.toolName) this.#start({ call, parts });
  }

  /** Every unfinished call, given whole, in the order they began. */
  finish(parts: ModelStreamPart[]): void {
    for (const call of this.#calls) {
      if (call.finished) continue;
      // A call whose name never came still gets an answer: the executor refuses an unknown tool.
      if (!call.started) this.#start({ call, parts });
      call.finished = true;
      const toolName = call.toolName ?? '';
      parts.push({ type: 'tool-input-end', id: call.id });
      parts.push({
        type: 'tool-call',
        toolCallId: call.id,
        toolName,
        input: call.input,
        ...(call.signature
          ? { providerMetadata: { [openAIMetadataKey]: { thoughtSignature: call.signature } } }
          : {}),
      });
    }
  }

  #start(options: { call: ToolCall; parts: ModelStreamPart[] }): void {
    const { call, parts } = options;
    call.started = true;
    // Results are matched to calls by id: one missing, or repeated within this stream, gets its own.
    call.id = call.wireId && !this.#usedIds.has(call.wireId) ? call.wireId : `call_${randomUUID()}`;
    this.#usedIds.add(call.id);
    parts.push({ type: 'tool-input-start', id: call.id, toolName: call.toolName ?? '' });
  }
}

function nonBlank(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
