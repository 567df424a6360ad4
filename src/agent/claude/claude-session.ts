import { type ChildProcess, spawn } from 'node:child_process';
import {
  type Options,
  type Query,
  query,
  type SDKMessage,
  type SDKUserMessage,
} from '@anthropic-ai/claude-agent-sdk';
import type { Usage } from '../../protocol/index.ts';
import type { ProcessSpec } from '../../sandbox/agent-confinement.ts';
import type { PromptImage } from '../agent-runtime.ts';
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
export class ClaudeSession {
  readonly binding = new TurnBinding();
  readonly toolNames: string;
  /** The CLI's config dir, where it keeps this conversation's transcript. */
  readonly configDir: string;
  readonly #input = new MessageQueue();
  readonly #query: Query;
  readonly #output: AsyncIterator<SDKMessage>;
  readonly #abort: AbortController;
  #closed = false;
  #exited: Promise<void> = Promise.resolve();
  #child: ChildProcess | undefined;
  /** The conversation's turn this process last completed; the process is stale if another turn ran since. */
  lastTurnId: string | null = null;
  cliSessionId: string | null = null;
  /** The CLI's cumulative usage at the end of the last turn (restored from the transcript when resuming). */
  usageBaseline: Usage;
  lastUsedAt = Date.now();
  idleTimer: NodeJS.Timeout | undefined;

  constructor(options: {
    options: (binding: TurnBinding) => Options;
    toolNames: string[];
    configDir: string;
    usageBaseline: Usage;
    /** Turns the CLI's command line into a confined one (bubblewrap); absent: the CLI runs as is. */
    wrapSpawn?: (spec: ProcessSpec) => ProcessSpec;
  }) {
    const wrapSpawn = options.wrapSpawn ?? ((spec: ProcessSpec) => spec);
    this.toolNames = options.toolNames.join(',');
    this.configDir = options.configDir;
    this.usageBaseline = options.usageBaseline;
    const queryOptions = options.options(this.binding);
    this.#abort = queryOptions.abortController ?? new AbortController();
    this.#query = query({
      prompt: this.#input,
      options: {
        ...queryOptions,
        abortController: this.#abort,
        // Spawned here so a stop can end the process at once: the SDK's own close gives it a grace period.
        spawnClaudeCodeProcess: (spawnOptions) => {
          const spec = wrapSpawn(spawnOptions);
          const child = spawn(spec.command, spec.args, {
            cwd: spec.cwd,
            env: spec.env,
            stdio: ['pipe', 'pipe', 'pipe'],
          });
          child.stderr.resume();
          this.#child = child;
          return child;
        },
      },
    });
    this.#output = this.#query[Symbol.asyncIterator]();
  }

  get closed(): boolean {
    return this.#closed;
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
      client_composed: true,
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
  turnUsage(options: { cumulative: Usage; mainThread: Usage }): Usage {
    const { cumulative, mainThread } = options;
    const base = this.usageBaseline;
    this.usageBaseline = cumulative;
    const delta: Usage = {
      inputTokens: cumulative.inputTokens - base.inputTokens,
      outputTokens: cumulative.outputTokens - base.outputTokens,
      cacheReadTokens: cumulative.cacheReadTokens - base.cacheReadTokens,
      cacheWriteTokens: cumulative.cacheWriteTokens - base.cacheWriteTokens,
      costUsd: cumulative.costUsd - base.costUsd,
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
    if (!this.#closed) {
      this.#closed = true;
      clearTimeout(this.idleTimer);
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
