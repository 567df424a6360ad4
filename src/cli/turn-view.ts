import { getToolName, isToolUIPart, type UIMessage, type UIMessageChunk } from 'ai';
import { z } from 'zod';
import { MarkdownLines, StreamingMarkdown } from './markdown-lines.ts';
import { StatusLine } from './status-line.ts';
import type { Terminal } from './terminal.ts';
import { oneLine, type Style } from './terminal-text.ts';
import { describeToolPart } from './tool-row.ts';

export interface TurnOutcome {
  status: 'completed' | 'failed' | 'stopped' | 'incomplete';
  /** `code`: the server's error code, when the server refused the request. */
  error: { message: string; retryable: boolean; code?: string } | null;
}

const errorDataSchema = z.object({ message: z.string(), retryable: z.boolean().optional() });
const messageDataSchema = z.object({ message: z.string() });
const followUpDataSchema = z.object({ text: z.string() });
const agentProgressSchema = z.object({ toolName: z.string(), summary: z.string() });
const usageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cacheReadTokens: z.number().optional(),
  cacheWriteTokens: z.number().optional(),
  costUsd: z.number().optional(),
});

/** What has been printed of one part, so that a growing or replayed message prints nothing twice. */
interface PartProgress {
  markdown?: StreamingMarkdown;
  textDone?: boolean;
  started?: boolean;
  finished?: boolean;
}

/**
 * Renders one turn in the terminal from the snapshots `readUIMessageStream` builds: text as
 * markdown, line by line as it becomes final; a row per finished tool; errors and system lines.
 * The status line shows what is being waited for in between. Snapshots may repeat or restart
 * (a rejoin replays the turn from its start): only what is new is printed.
 */
export class TurnView {
  readonly #terminal: Terminal;
  readonly #status: StatusLine;
  #messageId: string | null = null;
  #progress: PartProgress[] = [];
  #lastPrinted: 'text' | 'row' | null = null;
  #statusMessage: { text: string; partCount: number } | null = null;
  #partCount = 0;
  #error: TurnOutcome['error'] = null;
  #streamError: string | null = null;
  #finished = false;
  #stopping = false;
  #usage: z.infer<typeof usageSchema> | null = null;
  #pinned = false;
  /** The turn of the stream being read, from its `start` chunk. */
  #streamTurnId: string | null = null;
  #sawOtherTurn = false;

  constructor(terminal: Terminal) {
    this.#terminal = terminal;
    this.#status = new StatusLine(terminal);
  }

  /** Shown from the moment a message is sent, before the server has answered. */
  waiting(label = 'Waiting for the model…'): void {
    this.#status.show(label);
  }

  /** The turn being shown (its assistant message id), once its stream has started. */
  get messageId(): string | null {
    return this.#messageId;
  }

  /** From now on, snapshots of any other turn are ignored (and noted): a rejoin shows only this turn. */
  pin(): void {
    this.#pinned = this.#messageId !== null;
  }

  /** The turn was shown from the stored conversation, not its stream: it has ended. */
  endedElsewhere(): void {
    this.#finished = true;
  }

  /** A snapshot of another turn arrived after `pin`. */
  get sawOtherTurn(): boolean {
    return this.#sawOtherTurn;
  }

  /** The stream said how the turn ended; a stream that stopped short of this was cut. */
  get ended(): boolean {
    return this.#finished || this.#error !== null || this.#streamError !== null;
  }

  /** A line from the client itself (not the turn), e.g. that the message waits. */
  notice(text: string): void {
    this.#printRow(this.#terminal.style.dim(oneLine(text)));
  }

  /** The request failed before there was a turn to show (refused, queue full, server away). */
  failed(error: { message: string; retryable: boolean; code?: string }): void {
    // What arrived before the failure is shown before it.
    this.#finishText();
    this.#error = error;
    this.#printRow(failureLine({ style: this.#terminal.style, error }));
  }

  /** A Ctrl-C asked the server to stop the turn. */
  stopping(): void {
    this.#stopping = true;
    this.#status.show('Stopping…');
  }

  /** Chunks that leave no trace in the message: the transient status, the stream's error, the end. */
  onChunk(chunk: UIMessageChunk): void {
    if (chunk.type === 'start' && chunk.messageId !== undefined) this.#streamTurnId = chunk.messageId;
    if (this.#pinned && this.#streamTurnId !== this.#messageId) {
      // Another turn's stream: its end or its error is not ours.
      this.#sawOtherTurn = true;
      return;
    }
    if (chunk.type === 'data-status') {
      const parsed = messageDataSchema.safeParse(chunk.data);
      if (parsed.success) this.#statusMessage = { text: parsed.data.message, partCount: this.#partCount };
    } else if (chunk.type === 'error') {
      // Printed at the end, and only if no `data-error` part said it in friendlier words.
      this.#streamError = chunk.errorText;
    } else if (chunk.type === 'finish') {
      this.#finished = true;
    }
    this.#updateStatus();
  }

  onMessage(message: UIMessage): void {
    if (message.id !== this.#messageId && this.#pinned) {
      this.#sawOtherTurn = true;
      return;
    }
    if (message.id !== this.#messageId) {
      // Another turn's message (a stream that carries the turn answering a queued message).
      this.#finishText();
      this.#messageId = message.id;
      this.#progress = [];
      this.#error = null;
      this.#streamError = null;
      this.#finished = false;
    }
    this.#partCount = message.parts.length;
    message.parts.forEach((part, index) => {
      const progress = this.#progress[index] ?? {};
      this.#progress[index] = progress;
      if (part.type === 'text') {
        progress.markdown ??= new StreamingMarkdown(
          new MarkdownLines({
            style: this.#terminal.style,
            styled: this.#terminal.styled,
            columns: () => this.#terminal.columns(),
          }),
        );
        if (progress.textDone) return;
        const done = part.state === 'done';
        const rendered = done ? progress.markdown.finish(part.text) : progress.markdown.push(part.text);
        progress.textDone = done;
        this.#printText(rendered);
      } else if (isToolUIPart(part)) {
        this.#renderTool({ progress, part });
      } else if (part.type.startsWith('data-')) {
        this.#renderData({ progress, type: part.type, data: 'data' in part ? part.data : undefined });
      }
    });
    const usage = usageSchema.safeParse((message.metadata as { usage?: unknown } | undefined)?.usage);
    if (usage.success) this.#usage = usage.data;
    this.#updateStatus(message);
  }

  /**
   * The stream broke the UI message protocol (a delta of a part never started, say): what it
   * showed so far may be wrong or missing, so the turn is not reported as completed.
   */
  unreadable(): void {
    this.#streamError ??=
      'The answer could not be read: the server sent a stream this client does not understand.';
  }

  /** Prints what is left once the stream has ended and says how the turn ended. */
  finish(): TurnOutcome {
    this.#finishText();
    if (this.#streamError !== null && this.#error === null) {
      this.#error = { message: this.#streamError, retryable: false };
      this.#printRow(this.#terminal.style.failure(`✗ ${oneLine(this.#streamError)}`));
    }
    this.#status.stop();
    const { style } = this.#terminal;
    // A turn stopped before the model answered used nothing worth a line.
    if (this.#usage && this.#terminal.isTTY && this.#usage.inputTokens + this.#usage.outputTokens > 0) {
      const usage = this.#usage;
      const input = usage.inputTokens + (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0);
      const cost = usage.costUsd ? ` · $${usage.costUsd.toFixed(4)}` : '';
      const tokens = `${input.toLocaleString('en')} in · ${usage.outputTokens.toLocaleString('en')} out tokens`;
      this.#terminal.write(`${style.dim(`${tokens}${cost}`)}\n`);
    }
    const status = this.#error
      ? 'failed'
      : this.#stopping
        ? 'stopped'
        : this.#finished
          ? 'completed'
          : 'incomplete';
    return { status, error: this.#error };
  }

  #renderTool(options: { progress: PartProgress; part: Parameters<typeof getToolName>[0] }): void {
    const { progress, part } = options;
    const row = describeToolPart({
      toolName: getToolName(part),
      state: part.state,
      input: part.input,
      output: 'output' in part ? part.output : undefined,
      errorText: 'errorText' in part ? part.errorText : undefined,
    });
    const { style } = this.#terminal;
    if (row.isAgent && !progress.started && part.state !== 'input-streaming') {
      progress.started = true;
      if (!row.finished) this.#printRow(`${style.accent('⟳')} ${oneLine(row.running)}`);
    }
    if (row.finished && !progress.finished) {
      progress.finished = true;
      progress.started = true;
      const mark = row.finished.ok ? style.success('✓') : style.failure('✗');
      this.#printRow(`${mark} ${oneLine(row.finished.text)}`);
    }
  }

  #renderData(options: { progress: PartProgress; type: string; data: unknown }): void {
    const { progress, type, data } = options;
    if (progress.finished) return;
    const { style } = this.#terminal;
    if (type === 'data-error') {
      const parsed = errorDataSchema.safeParse(data);
      if (!parsed.success) return;
      progress.finished = true;
      const retryable = parsed.data.retryable === true;
      this.#error = { message: parsed.data.message, retryable };
      const hint = retryable ? style.dim(' This is temporary: try again.') : '';
      this.#printRow(`${style.failure(`✗ ${oneLine(parsed.data.message)}`)}${hint}`);
    } else if (type === 'data-system') {
      const parsed = messageDataSchema.safeParse(data);
      if (!parsed.success) return;
      progress.finished = true;
      this.#printRow(style.dim(`■ ${oneLine(parsed.data.message)}`));
    } else if (type === 'data-followup' || type === 'data-follow-up') {
      const parsed = followUpDataSchema.safeParse(data);
      if (!parsed.success) return;
      progress.finished = true;
      this.#printRow(style.dim(`↳ Delivered while working: ${oneLine(parsed.data.text)}`));
    }
  }

  #finishText(): void {
    for (const progress of this.#progress) {
      if (!progress.markdown || progress.textDone) continue;
      progress.textDone = true;
      // The snapshot's full text was pushed already; finishing renders its unfinished last line.
      this.#printText(progress.markdown.finish());
    }
  }

  #printText(text: string): void {
    if (text === '') return;
    if (this.#lastPrinted === 'row') this.#status.print('\n');
    this.#lastPrinted = 'text';
    this.#status.print(text);
  }

  #printRow(line: string): void {
    if (this.#lastPrinted === 'text') this.#status.print('\n');
    this.#lastPrinted = 'row';
    // Every piece of server text in `line` was sanitised before it was styled.
    this.#status.print(`${line}\n`);
  }

  #updateStatus(message?: UIMessage): void {
    if (this.#stopping || this.#finished) return;
    // A sub-agent's progress sits after its call; it says more about that call, not what comes next.
    const last = message?.parts.findLast((part) => part.type !== 'data-agent-progress');
    if (last && isToolUIPart(last) && last.state !== 'output-available' && last.state !== 'output-error') {
      const row = describeToolPart({ toolName: getToolName(last), state: last.state, input: last.input });
      const part = message?.parts.find(
        (candidate) => candidate.type === 'data-agent-progress' && candidate.id === last.toolCallId,
      );
      const progress = agentProgressSchema.safeParse(part && 'data' in part ? part.data : undefined);
      const latest = progress.success
        ? oneLine(`${progress.data.toolName}${progress.data.summary ? `: ${progress.data.summary}` : ''}`)
        : '';
      this.#status.show(latest ? `${row.running} ↳ ${latest}` : row.running);
    } else if (this.#statusMessage && this.#statusMessage.partCount === this.#partCount) {
      this.#status.show(this.#statusMessage.text);
    } else if (last?.type === 'reasoning' && last.state === 'streaming') {
      this.#status.show('Thinking…');
    } else if (last?.type === 'text' && last.state === 'streaming') {
      this.#status.show('Writing…');
    } else if (message) {
      this.#status.show('Waiting for the model…');
    }
  }
}

/** How a request that failed is told: one line, with a hint when trying again can help. */
export function failureLine(options: {
  style: Style;
  error: { message: string; retryable: boolean };
}): string {
  const { style, error } = options;
  const hint = error.retryable ? style.dim(' Try again in a moment.') : '';
  return `${style.failure(`✗ ${oneLine(error.message)}`)}${hint}`;
}
