import type { ChildProcess } from 'node:child_process';
import {
  type Options,
  type Query,
  query,
  type SDKMessage,
  type SDKUserMessage,
} from '@anthropic-ai/claude-agent-sdk';
import type { Usage } from '../../protocol/index.ts';
import { type ProcessSpec, spawnProcess } from '../../sandbox/agent-confinement.ts';
import type { PromptImage } from '../agent-runtime.ts';
import type { TokenCounts } from '../model-pricing.ts';
import { TurnBinding } from './turn-binding.ts';

/** An async iterable fed by `push`: the CLI's stdin in streaming-input mode. */
class MessageQueue implements AsyncIterable<SDKUserMessage> {
  readonly #pending: SDKUserMessage[] = [];
  #wake: (() => void) | null = null;
  #closed = false;

  push(message: SDKUserMessage): void {
    this.#pending.push(message);
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SDKUserMessage> {
    while (!this.#closed) {
      const next = this.#pending.shift();
      if (next) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = null;
    }
  }
}

/**
 * One Claude Code CLI process in streaming-input mode. It lives across turns of one
 * conversation (the warm path), so each turn costs a message on stdin instead of a process start.
 * Usage from the CLI is cumulative over the conversation; `turnUsage` turns it into per-turn figures.
 */
/**
 * reserved: held by a turn (new, or taken from the pool); running: a turn is talking to it;
 * idle: warm in the pool; closed: the process is ended, for good.
 */
export type ClaudeSessionState = 'reserved' | 'running' | 'idle' | 'closed';

export class ClaudeSession {
  readonly binding = new TurnBinding();
  readonly toolNames: string;
  /** The CLI's config dir, where it keeps this conversation's transcript. */
  readonly configDir: string;
  readonly #input = new MessageQueue();
  readonly #query: Query;
  readonly #output: AsyncIterator<SDKMessage>;
  readonly #abort: AbortController;
  #state: ClaudeSessionState = 'reserved';
  #exited: Promise<void> = Promise.resolve();
  #child: ChildProcess | undefined;
  readonly #composedInput: boolean;
  #lastTurnId: string | null = null;
  #cliSessionId: string | null = null;
  #usageBaseline: Usage;
  #lastUsedAt = Date.now();
  #idleTimer: NodeJS.Timeout | undefined;

  constructor(options: {
    options: (binding: TurnBinding) => Options;
    toolNames: string[];
    configDir: string;
    usageBaseline: Usage;
    /** Turns the CLI's command line into a confined one (bubblewrap); absent: the CLI runs as is. */
    wrapSpawn?: (spec: ProcessSpec) => ProcessSpec;
    /** Marks pushed messages as composed by the client, so the CLI takes them literally (false only in tests). */
    composedInput?: boolean;
  }) {
    this.#composedInput = options.composedInput !== false;
    const wrapSpawn = options.wrapSpawn ?? ((spec: ProcessSpec) => spec);
    this.toolNames = options.toolNames.join(',');
    this.configDir = options.configDir;
    this.#usageBaseline = options.usageBaseline;
    const queryOptions = options.options(this.binding);
    this.#abort = queryOptions.abortController ?? new AbortController();
    this.#query = query({
      prompt: this.#input,
      options: {
        ...queryOptions,
        abortController: this.#abort,
        // Spawned here so a stop can end the process at once: the SDK's own close gives it a grace period.
        spawnClaudeCodeProcess: (spawnOptions) => {
          const child = spawnProcess(wrapSpawn(spawnOptions));
          child.stderr.resume();
          this.#child = child;
          return child;
        },
      },
    });
    this.#output = this.#query[Symbol.asyncIterator]();
  }

  get state(): ClaudeSessionState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** The conversation's turn this process last ran; the process is stale if another turn ran since. */
  get lastTurnId(): string | null {
    return this.#lastTurnId;
  }

  /** The CLI's own id for the conversation, known once a turn has produced a result. */
  get cliSessionId(): string | null {
    return this.#cliSessionId;
  }

  /** The CLI's cumulative usage at the end of the last turn (restored from the transcript when resuming). */
  get usageBaseline(): Usage {
    return this.#usageBaseline;
  }

  /** When the process last went idle; the pool evicts the longest idle first. */
  get lastUsedAt(): number {
    return this.#lastUsedAt;
  }

  /** Idle → reserved: a turn took the process from the pool, so it must not expire under it. */
  reserve(): void {
    if (this.#state === 'closed') return;
    clearTimeout(this.#idleTimer);
    this.#state = 'reserved';
  }

  /** Reserved → running: a turn is talking to the process. */
  startTurn(): void {
    if (this.#state !== 'closed') this.#state = 'running';
  }

  /** The CLI reported its session id in a turn's result. */
  recordCliSessionId(cliSessionId: string): void {
    this.#cliSessionId = cliSessionId;
  }

  /** Running → reserved: the turn is over (however it ended); the process has now seen `turnId`. */
  finishTurn(turnId: string): void {
    this.#lastTurnId = turnId;
    if (this.#state !== 'closed') this.#state = 'reserved';
  }

  /** Reserved → idle: waits in the pool, and `onExpire` runs and the process closes after `idleMs`. */
  idle(options: { idleMs: number; onExpire: () => void }): void {
    if (this.#state === 'closed') return;
    this.#state = 'idle';
    this.#lastUsedAt = Date.now();
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      options.onExpire();
      void this.close();
    }, options.idleMs);
    this.#idleTimer.unref();
  }

  send(options: { text: string; images: PromptImage[] }): void {
    const content =
      options.images.length === 0
        ? options.text
        : [
            { type: 'text' as const, text: options.text },
            ...options.images.map((image) => ({
              type: 'image' as const,
              source: {
                type: 'base64' as const,
                media_type: image.mediaType as 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp',
                data: Buffer.from(image.data).toString('base64'),
              },
            })),
          ];
    // The text is the user's (SPEC §4.0): no `@path` expansion, no slash commands (`verbatimPrompts` too).
    this.#input.push({
      type: 'user',
      message: { role: 'user', content },
      parent_tool_use_id: null,
      ...(this.#composedInput ? { client_composed: true } : {}),
    });
  }

  /** The next message from the CLI; null once the process has ended. */
  async next(): Promise<SDKMessage | null> {
    const result = await this.#output.next();
    return result.done ? null : result.value;
  }

  /**
   * Per-turn usage from the CLI's cumulative figures, and advances the baseline. A resumed CLI
   * does not always restore its running total; when the difference is smaller than what the main
   * thread alone used this turn, the baseline was not restored and the total is this turn's.
   */
  turnUsage(options: { cumulative: Usage; mainThread: TokenCounts }): Usage {
    const { cumulative, mainThread } = options;
    const base = this.#usageBaseline;
    this.#usageBaseline = cumulative;
    const delta: Usage = {
      inputTokens: cumulative.inputTokens - base.inputTokens,
      outputTokens: cumulative.outputTokens - base.outputTokens,
      cacheReadTokens: cumulative.cacheReadTokens - base.cacheReadTokens,
      cacheWriteTokens: cumulative.cacheWriteTokens - base.cacheWriteTokens,
      costUsd: cumulative.costUsd - base.costUsd,
      costKnown: cumulative.costKnown,
    };
    const restored =
      delta.inputTokens >= mainThread.inputTokens &&
      delta.outputTokens >= mainThread.outputTokens &&
      delta.costUsd >= 0;
    return restored ? delta : cumulative;
  }

  /** The CLI's process id, once it has started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Ends the CLI process at once; resolves when it has exited. Idempotent. */
  close(): Promise<void> {
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      clearTimeout(this.#idleTimer);
      this.binding.unbind();
      this.#input.close();
      this.#exited = killProcess(this.#child);
      this.#abort.abort();
      this.#query.close();
    }
    return this.#exited;
  }
}

/** SIGKILL: a stopped turn must not make one more model call or tool call. */
function killProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 5_000);
    timer.unref();
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGKILL');
  });
}
