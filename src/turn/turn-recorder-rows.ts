import type { NewMessage, Scope, SessionStore } from '../store/session-store.ts';
import { AppError } from '../util/app-error.ts';
import { createId } from '../util/ids.ts';
import type { Logger } from '../util/logger.ts';

/**
 * Stores a turn's rows in order, each as soon as its block completes. The first failed write
 * stops the turn with `storage_error`, and nothing after it is stored: later rows would leave a
 * hole in the history.
 */
export class TurnRows {
  readonly #store: SessionStore;
  readonly #scope: Scope;
  readonly #turnId: string;
  readonly #logger: Logger;
  readonly #onStorageFailure: (error: AppError) => void;
  #writing: Promise<unknown> = Promise.resolve();
  #error: AppError | null = null;
  #lastSeq = 0;

  constructor(options: {
    store: SessionStore;
    scope: Scope;
    turnId: string;
    logger: Logger;
    onStorageFailure: (error: AppError) => void;
  }) {
    this.#store = options.store;
    this.#scope = options.scope;
    this.#turnId = options.turnId;
    this.#logger = options.logger;
    this.#onStorageFailure = options.onStorageFailure;
  }

  /** The seq of the last row this turn stored (0 if none). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  append(options: { message: NewMessage; step: number }): void {
    const row: NewMessage = { ...options.message, turnId: this.#turnId, step: options.step };
    this.#enqueue({
      what: `a ${row.role} message`,
      write: async () => [await this.#store.appendMessage({ ...this.#scope, message: row })],
    });
  }

  /** A completed text or reasoning block. */
  appendBlock(options: {
    role: 'assistant' | 'reasoning';
    text: string;
    step: number;
    metadata?: Record<string, unknown> | undefined;
  }): void {
    const { metadata } = options;
    this.append({
      message: {
        id: createId(),
        role: options.role,
        content: options.text,
        ...(metadata ? { metadata } : {}),
      },
      step: options.step,
    });
  }

  /** A tool call, stored once its input is complete. */
  appendToolCall(options: { toolCallId: string; toolName: string; input: unknown; step: number }): void {
    const toolCall = { id: options.toolCallId, name: options.toolName, input: options.input };
    this.append({
      message: { id: createId(), role: 'assistant', content: '', toolCall },
      step: options.step,
    });
  }

  /** A tool call's result (an error result is marked so). */
  appendToolResult(options: {
    toolCallId: string;
    output: unknown;
    isError: boolean;
    metadata?: Record<string, unknown> | undefined;
    step: number;
  }): void {
    const message: NewMessage = {
      id: createId(),
      role: 'tool',
      content: JSON.stringify(options.output ?? null),
      toolCallId: options.toolCallId,
      metadata: { ...options.metadata, ...(options.isError ? { isError: true } : {}) },
    };
    this.append({ message, step: options.step });
  }

  /** Steered messages stop waiting in the transaction that stores them, so a crash can lose neither. */
  deliverWaiting(options: { ids: string[]; step: number }): void {
    this.#enqueue({
      what: 'a steered message',
      write: () => this.#store.deliverWaitingMessages({ ...this.#scope, turnId: this.#turnId, ...options }),
    });
  }

  /** Waits until every row is stored; throws if a write failed. */
  async flush(): Promise<void> {
    await this.#writing;
    if (this.#error) throw this.#error;
  }

  #enqueue(options: { what: string; write: () => Promise<{ seq: number }[]> }): void {
    this.#writing = this.#writing
      .then(async () => {
        if (this.#error) return;
        for (const row of await options.write()) this.#lastSeq = Math.max(this.#lastSeq, row.seq);
      })
      .catch((error: unknown) => this.#fail({ error, what: options.what }));
  }

  #fail(options: { error: unknown; what: string }): void {
    this.#logger.error({ err: options.error }, `storing ${options.what} failed; stopping the turn`);
    if (this.#error) return;
    this.#error = new AppError(
      'storage_error',
      'Autopilot could not save this conversation, so the reply was stopped. Please try again.',
      { cause: options.error, retryable: true },
    );
    this.#onStorageFailure(this.#error);
  }
}
