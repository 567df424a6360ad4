import type { AgentEvent, RuntimeTranscript } from '../agent/agent-runtime.ts';
import type { StreamRegistry } from '../coord/stream-registry.ts';
import type { StreamChunk } from '../protocol/index.ts';
import type { Scope, SessionStore } from '../store/session-store.ts';
import type { AppError } from '../util/app-error.ts';
import type { Logger } from '../util/logger.ts';
import { OpenBlocks } from './turn-recorder-blocks.ts';
import { ChunkPublisher } from './turn-recorder-publisher.ts';
import { TurnRows } from './turn-recorder-rows.ts';
import { TurnUsage } from './turn-usage.ts';

/** A steered message a running turn took: stored (and shown) once the tool calls in flight end. */
export interface FollowUp {
  /** The waiting message's id. */
  id: string;
  /** The client's messageId. */
  messageId: string;
  text: string;
}

/**
 * Turns runtime events into numbered stream chunks and stored rows. Each completed block (text,
 * reasoning, tool call, tool result) is written as soon as it completes; chunks and writes keep
 * their order (`ChunkPublisher`, `TurnRows`). `finalize` closes whatever is still open, so no
 * spinner is left spinning.
 */
export class TurnRecorder {
  readonly #logger: Logger;
  readonly #publisher: ChunkPublisher;
  readonly #rows: TurnRows;
  #step = -1;
  #stepOpen = false;
  readonly #blocks: OpenBlocks;
  /** Tool calls shown in the stream (tool-input-start), by id, with their tool's name. */
  readonly #startedTools = new Map<string, string>();
  readonly #calledTools = new Set<string>();
  readonly #pendingTools = new Map<string, string>();
  /** The turn's usage: its total, and each model call stored as the runtime reports it. */
  readonly usage: TurnUsage;
  #visibleOutput = false;
  #transcript: RuntimeTranscript | null = null;
  #notice: string | undefined;
  readonly #followUps: FollowUp[] = [];

  constructor(options: {
    registry: StreamRegistry;
    store: SessionStore;
    scope: Scope;
    turnId: string;
    logger: Logger;
    /** Called once, on the first failed write: the turn must stop, as nothing more it does is kept. */
    onStorageFailure?: (error: AppError) => void;
  }) {
    this.#logger = options.logger;
    this.#publisher = new ChunkPublisher({
      registry: options.registry,
      streamId: options.turnId,
      logger: options.logger,
    });
    this.#rows = new TurnRows({
      store: options.store,
      scope: options.scope,
      turnId: options.turnId,
      logger: options.logger,
      onStorageFailure: options.onStorageFailure ?? (() => {}),
    });
    this.usage = new TurnUsage(options);
    this.#blocks = new OpenBlocks({
      showText: () => this.#ensureStep(),
      publish: (chunk) => this.publish(chunk),
      store: (block) => this.#rows.appendBlock({ ...block, step: this.#rowStep }),
    });
  }

  /** The seq of the last row this turn stored (0 if none). */
  get lastSeq(): number {
    return this.#rows.lastSeq;
  }

  /** The runtime's transcript after this turn, if it produced a valid one. */
  get transcript(): RuntimeTranscript | null {
    return this.#transcript;
  }

  /** Whether anything from the model the user can see (text, reasoning, a tool call) has been sent. */
  get hasVisibleOutput(): boolean {
    return this.#visibleOutput;
  }

  /**
   * Records events the engine itself produces (a compaction row): shown and stored like any
   * other, but they do not count as model output, so they never block a retry.
   */
  handleInternal(events: AgentEvent[]): void {
    const visible = this.#visibleOutput;
    for (const event of events) this.handle(event);
    this.#visibleOutput = visible;
  }

  /** Ends a tool call of the engine's own (a compaction row), storing `metadata` with its result. */
  endInternalTool(options: { toolCallId: string; output: unknown; metadata: Record<string, unknown> }): void {
    this.#resolveTool(options.toolCallId, options.output, false, options.metadata);
    if (this.#pendingTools.size === 0) this.#flushFollowUps();
  }

  /**
   * A user message delivered into the running turn. It is recorded once the tool calls in flight
   * have their results, so the stored order stays valid for every provider (a tool result must
   * follow its call).
   */
  recordFollowUp(followUp: FollowUp): void {
    this.#followUps.push(followUp);
    if (this.#pendingTools.size === 0) this.#flushFollowUps();
  }

  #flushFollowUps(): void {
    if (this.#followUps.length === 0) return;
    this.#closeStep();
    const followUps = this.#followUps.splice(0);
    for (const { messageId, text } of followUps) {
      this.publish({ type: 'data-follow-up', data: { messageId, text } });
    }
    this.#rows.deliverWaiting({ ids: followUps.map((followUp) => followUp.id), step: this.#rowStep });
  }

  /** Starts a retry attempt: a failed attempt's transcript does not count; what it used does. */
  beginAttempt(): void {
    this.#transcript = null;
    this.#notice = undefined;
  }

  publish(chunk: StreamChunk): void {
    this.#publisher.publish(chunk);
  }

  handle(event: AgentEvent): void {
    switch (event.type) {
      case 'step-start':
        this.#flushFollowUps();
        // The step is opened lazily by its first content, so a model call that fails before
        // saying anything leaves no trace in the stream and can be retried invisibly.
        this.#closeStep();
        return;
      case 'step-finish':
        this.#closeStep();
        return;
      case 'text-start':
        this.#blocks.start({ id: event.id, role: 'assistant' });
        return;
      case 'reasoning-start':
        this.#blocks.start({ id: event.id, role: 'reasoning', wireField: event.wireField });
        return;
      case 'text-delta':
      case 'reasoning-delta':
        if (!this.#blocks.append(event.id, event.delta)) {
          this.#logger.warn({ event: event.type }, 'delta for an unknown block dropped');
        }
        return;
      case 'text-end':
      case 'reasoning-end':
        this.#blocks.end(event.id);
        return;
      case 'tool-input-start':
        this.#startTool(event.toolCallId, event.toolName);
        return;
      case 'tool-call':
        this.#callTool(event);
        return;
      case 'tool-result':
        this.#resolveTool(event.toolCallId, event.output, event.isError);
        if (this.#pendingTools.size === 0) this.#flushFollowUps();
        return;
      case 'subagent-progress':
        // Streamed only (not stored): it matters while its call runs, and a replay ends on the latest.
        if (this.#pendingTools.has(event.toolCallId)) {
          this.publish({
            type: 'data-agent-progress',
            id: event.toolCallId,
            // The name is whatever the model asked for: capped like the summary.
            data: { toolName: event.toolName.slice(0, 80), summary: event.summary },
          });
        }
        return;
      case 'usage':
        this.usage.recordCall(event);
        return;
      case 'transcript':
        this.#transcript = event.transcript;
        return;
      case 'notice':
        this.#notice = event.message;
        return;
    }
  }

  /** What the runtime said of how the turn ended (see the `notice` event), if anything. */
  get notice(): string | undefined {
    return this.#notice;
  }

  /**
   * Closes open blocks, gives every tool call seen so far an end (one whose input was still
   * streaming is stored and shown with empty input), and ends the open step.
   */
  finalize(options: { unresolvedToolOutput: string }): void {
    this.#blocks.endAll();
    for (const [toolCallId, toolName] of this.#startedTools) {
      if (!this.#calledTools.has(toolCallId)) this.#callTool({ toolCallId, toolName, input: {} });
    }
    for (const toolCallId of [...this.#pendingTools.keys()]) {
      this.#resolveTool(toolCallId, options.unresolvedToolOutput, true);
    }
    this.#flushFollowUps();
    this.#closeStep();
  }

  /** Waits until every chunk is published and every row is stored; throws if a write failed. */
  async flush(): Promise<void> {
    await this.#publisher.flush();
    await this.#rows.flush();
  }

  #openStep(): void {
    this.#step += 1;
    this.#stepOpen = true;
    this.publish({ type: 'start-step' });
  }

  #ensureStep(): void {
    if (!this.#stepOpen) this.#openStep();
    this.#visibleOutput = true;
  }

  #closeStep(): void {
    if (!this.#stepOpen) return;
    this.#blocks.endAll();
    this.#stepOpen = false;
    this.publish({ type: 'finish-step' });
  }

  #callTool(call: { toolCallId: string; toolName: string; input: unknown }): void {
    if (this.#calledTools.has(call.toolCallId)) return;
    this.#startTool(call.toolCallId, call.toolName);
    this.#calledTools.add(call.toolCallId);
    this.#pendingTools.set(call.toolCallId, call.toolName);
    this.publish({
      type: 'tool-input-available',
      toolCallId: call.toolCallId,
      toolName: call.toolName,
      input: call.input,
    });
    this.#rows.appendToolCall({ ...call, step: this.#rowStep });
  }

  /**
   * Tool calls stored by an earlier runner of this turn that never got their result (the process
   * died): each gets its error result stored, and shown when `show` (the viewers saw the call).
   */
  resolveOrphanedCalls(options: { toolCallIds: string[]; output: string; show: boolean }): void {
    for (const toolCallId of options.toolCallIds) {
      if (options.show) this.publish({ type: 'tool-output-error', toolCallId, errorText: options.output });
      this.#rows.appendToolResult({ toolCallId, output: options.output, isError: true, step: this.#rowStep });
    }
  }

  #startTool(toolCallId: string, toolName: string): void {
    if (this.#startedTools.has(toolCallId)) return;
    this.#ensureStep();
    this.#startedTools.set(toolCallId, toolName);
    this.#visibleOutput = true;
    this.publish({ type: 'tool-input-start', toolCallId, toolName });
  }

  #resolveTool(
    toolCallId: string,
    output: unknown,
    isError: boolean,
    metadata?: Record<string, unknown>,
  ): void {
    if (!this.#pendingTools.has(toolCallId)) {
      this.#logger.warn({ toolCallId }, 'result for an unknown or resolved tool call dropped');
      return;
    }
    this.#pendingTools.delete(toolCallId);
    const errorText = typeof output === 'string' ? output : JSON.stringify(output);
    this.publish(
      isError
        ? { type: 'tool-output-error', toolCallId, errorText }
        : { type: 'tool-output-available', toolCallId, output },
    );
    this.#rows.appendToolResult({ toolCallId, output, isError, metadata, step: this.#rowStep });
  }

  /** The step a row belongs to: rows before the first step (a compaction row) go with step 0. */
  get #rowStep(): number {
    return Math.max(this.#step, 0);
  }
}
