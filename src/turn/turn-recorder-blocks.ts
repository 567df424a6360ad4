import type { ReasoningWireField } from '../agent/agent-runtime.ts';
import type { StreamChunk } from '../protocol/index.ts';
import { createId } from '../util/ids.ts';

interface OpenBlock {
  streamId: string;
  role: 'assistant' | 'reasoning';
  text: string;
  /** Whether its start was sent: not before its first text, so an empty block never shows. */
  shown: boolean;
  /** A high surrogate that ended the last delta: its pair may come with the next one. */
  heldSurrogate: string;
  /** Stored with a reasoning block: the field its server takes it back in. */
  wireField?: ReasoningWireField;
}

/** Where a turn's text and reasoning blocks go: the recorder's step, stream and rows. */
export interface BlockSink {
  /** Text for the stream is coming: the step must be open, and the turn has visible output. */
  showText(): void;
  publish(chunk: StreamChunk): void;
  /** A block ended with text: it is stored. */
  store(block: { role: 'assistant' | 'reasoning'; text: string; metadata?: Record<string, unknown> }): void;
}

/**
 * The text and reasoning blocks a turn has open, by the runtime's ids. A block is opened on the
 * wire by its first text, so one that stays empty (a call that fails at once) shows nothing, is
 * not stored, and leaves the attempt retryable. Its text is sent well-formed, and stored whole
 * when it ends.
 */
export class OpenBlocks {
  readonly #blocks = new Map<string, OpenBlock>();
  readonly #sink: BlockSink;

  constructor(sink: BlockSink) {
    this.#sink = sink;
  }

  start(options: { id: string; role: 'assistant' | 'reasoning'; wireField?: ReasoningWireField }): void {
    const block: OpenBlock = {
      streamId: createId(),
      role: options.role,
      text: '',
      shown: false,
      heldSurrogate: '',
    };
    if (options.wireField) block.wireField = options.wireField;
    this.#blocks.set(options.id, block);
  }

  /** Adds a delta to its block; false when no such block is open. */
  append(id: string, delta: string): boolean {
    const block = this.#blocks.get(id);
    if (!block) return false;
    this.#appendText(block, delta);
    return true;
  }

  end(id: string): void {
    const block = this.#blocks.get(id);
    if (!block) return;
    // A high surrogate whose pair never came is as lone as any other.
    if (block.heldSurrogate) {
      const held = block.heldSurrogate;
      block.heldSurrogate = '';
      this.#appendText(block, held.toWellFormed());
    }
    this.#blocks.delete(id);
    if (!block.shown) return;
    this.#sink.publish({
      type: block.role === 'assistant' ? 'text-end' : 'reasoning-end',
      id: block.streamId,
    });
    if (block.text) {
      const metadata = block.wireField ? { reasoningField: block.wireField } : undefined;
      this.#sink.store({ role: block.role, text: block.text, metadata });
    }
  }

  endAll(): void {
    for (const id of [...this.#blocks.keys()]) this.end(id);
  }

  /**
   * Adds a delta to its block, as well-formed text: a lone surrogate (which the store would keep
   * as U+FFFD) is sent as U+FFFD too, so the stream and the stored message agree.
   */
  #appendText(block: OpenBlock, delta: string): void {
    let text = block.heldSurrogate + delta;
    block.heldSurrogate = '';
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      block.heldSurrogate = text.slice(-1);
      text = text.slice(0, -1);
    }
    if (text === '') return;
    if (!text.isWellFormed()) text = text.toWellFormed();
    const isText = block.role === 'assistant';
    this.#sink.showText();
    if (!block.shown) {
      block.shown = true;
      this.#sink.publish({ type: isText ? 'text-start' : 'reasoning-start', id: block.streamId });
    }
    block.text += text;
    this.#sink.publish({ type: isText ? 'text-delta' : 'reasoning-delta', id: block.streamId, delta: text });
  }
}
