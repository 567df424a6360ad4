import { randomUUID } from 'node:crypto';
import type { UIMessage } from 'ai';
import { z } from 'zod';
import { isAppError } from '../util/app-error.ts';
import type { ApiClient } from './api-client.ts';
import type { Terminal } from './terminal.ts';
import { oneLine } from './terminal-text.ts';
import { renderTurnStream } from './turn-stream.ts';
import { type TurnOutcome, TurnView } from './turn-view.ts';

/** Ctrl-C, as the chat client sees it. The command wires it to SIGINT; tests call it directly. */
export interface Interrupts {
  /** Routes Ctrl-C to `handler` until the returned function is called. */
  capture(handler: () => void): () => void;
  /** Leaves at once (a second Ctrl-C while a stop is under way). */
  exit(code: number): void;
}

export interface ChatTurnOptions {
  client: ApiClient;
  terminal: Terminal;
  interrupts: Interrupts;
  sessionId: string;
}

const cancelResultSchema = z.object({
  cancelled: z.boolean(),
  unsent: z.array(z.object({ text: z.string() })).optional(),
});
const sessionDetailSchema = z.object({
  messages: z.array(
    z.looseObject({ id: z.string(), role: z.string(), parts: z.array(z.looseObject({ type: z.string() })) }),
  ),
});
type StoredMessage = z.infer<typeof sessionDetailSchema>['messages'][number];
/** A turn whose stream drops is rejoined from its start; the view prints only what it has not. */
const rejoinDelaysMs = [250, 1_000, 3_000];
/** How long (in 100 ms polls) a waiting message's turn may take to start once the running one ends. */
const maxPollsForNextTurn = 30;

/** Sends one message and renders the turn that answers it, from the moment of sending. */
export async function sendMessage(
  options: ChatTurnOptions & {
    text: string;
    /**
     * A message sent before that failed for a reason that may pass, sent again under its own id, so
     * that it is never stored twice. One the server took (`stored`) is run again: refused
     * (`message_not_last`) once newer messages came after it. One whose send failed is the same
     * send again: the server stores it once, and answers with its turn if it had stored it already.
     */
    again?: { id: string; stored: boolean };
  },
): Promise<TurnOutcome & { accepted: boolean; messageId: string }> {
  const turn = new ActiveTurn(options);
  // The id makes the send idempotent: a retried request cannot store the message twice.
  const messageId = options.again?.id ?? randomUUID();
  const outcome = await turn.run(async () => {
    const response = await options.client.request({
      method: 'POST',
      path: `${sessionPath(options.sessionId)}/messages`,
      body: { text: options.text, messageId, ...(options.again?.stored ? { regenerate: true } : {}) },
    });
    turn.started();
    if (response.status === 202) {
      await response.body?.cancel();
      turn.view.notice('A turn is already running in this session: your message waits and is answered next.');
      await turn.followSession(options.text);
      return;
    }
    await turn.follow(response);
  });
  return { ...outcome, accepted: turn.accepted, messageId };
}

/**
 * Renders the session's running turn from its start; null when no turn is running. `beforeTurn`
 * is awaited once the stream says which turn it carries, before any of it is shown.
 */
export async function joinRunningTurn(
  options: ChatTurnOptions & { beforeTurn?: (turnId: string) => Promise<void> },
): Promise<TurnOutcome | null> {
  const response = await options.client.request({
    method: 'GET',
    path: `${sessionPath(options.sessionId)}/stream`,
  });
  if (response.status === 204 || !response.body) return null;
  const turn = new ActiveTurn(options);
  return turn.run(async () => {
    turn.started();
    await turn.follow(response, options.beforeTurn);
  });
}

class ActiveTurn {
  readonly view: TurnView;
  readonly #options: ChatTurnOptions;
  #stopRequested = false;
  #started = false;

  constructor(options: ChatTurnOptions) {
    this.#options = options;
    this.view = new TurnView(options.terminal);
  }

  async run(body: () => Promise<void>): Promise<TurnOutcome> {
    this.view.waiting();
    const release = this.#options.interrupts.capture(() => this.#interrupt());
    try {
      await body();
    } catch (error) {
      if (!isAppError(error)) {
        // A fault of this client: the spinner stops and what arrived is shown before it is told.
        this.view.finish();
        throw error;
      }
      const retryAfter = error.headers['retry-after'];
      this.view.failed({
        message: retryAfter ? `${error.message} (retry after ${oneLine(retryAfter)} s)` : error.message,
        retryable: error.retryable,
        code: error.code,
      });
    } finally {
      release();
    }
    return this.view.finish();
  }

  /** The server took the message: it is stored (or waiting), whatever became of its turn. */
  get accepted(): boolean {
    return this.#started;
  }

  started(): void {
    this.#started = true;
    // A Ctrl-C that came before the server had answered: the turn exists now, so stop it.
    if (this.#stopRequested) void this.#cancel();
  }

  async follow(response: Response, beforeTurn?: (turnId: string) => Promise<void>): Promise<void> {
    if (response.body) await renderTurnStream({ body: response.body, view: this.view, beforeTurn });
    // From here on only this turn is shown: a rejoin may find another turn running already.
    this.view.pin();
    for (const delay of rejoinDelaysMs) {
      if (this.view.ended) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      try {
        const again = await this.#requestStream();
        if (again) await renderTurnStream({ body: again, view: this.view });
        // Our turn has ended meanwhile: its stored message shows how.
        if (!again || this.view.sawOtherTurn) return await this.#showStoredAnswer();
      } catch (error) {
        if (!isAppError(error)) throw error;
      }
    }
    if (!this.view.ended) {
      this.view.failed({
        message: 'The connection to the server was lost; the turn goes on there.',
        retryable: false,
      });
    }
  }

  /**
   * A message that waits (202): follows the turn running now, then the one that answers the
   * message, which starts as soon as the first ends. A turn that ended between two looks is shown
   * from the stored conversation: the answer that follows the message, once it is stored.
   */
  async followSession(text: string): Promise<void> {
    const known = new Set((await this.#sessionDetail()).messages.map((message) => message.id));
    for (let polls = 0; polls < maxPollsForNextTurn; polls++) {
      const shown = this.view.messageId;
      const body = await this.#requestStream();
      if (body) {
        await renderTurnStream({ body, view: this.view });
        // A new turn resets the wait; the one just shown can still look active for a moment.
        if (this.view.messageId !== shown) polls = 0;
      } else {
        const { messages } = await this.#sessionDetail();
        const answer = answerTo({ messages, text, known });
        if (answer) {
          this.view.onMessage(answer as unknown as UIMessage);
          this.view.endedElsewhere();
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.view.failed({
      message: 'Your message was not answered: the running turn was stopped.',
      retryable: false,
    });
  }

  async #sessionDetail(): Promise<z.infer<typeof sessionDetailSchema>> {
    return this.#options.client.json({
      method: 'GET',
      path: sessionPath(this.#options.sessionId),
      schema: sessionDetailSchema,
    });
  }

  async #requestStream(): Promise<ReadableStream<Uint8Array> | null> {
    const response = await this.#options.client.request({
      method: 'GET',
      path: `${sessionPath(this.#options.sessionId)}/stream`,
    });
    return response.status === 204 ? null : response.body;
  }

  /** The turn ended while we were away: its stored message shows how. */
  async #showStoredAnswer(): Promise<void> {
    const { messages } = await this.#sessionDetail();
    const ours = messages.find(
      (message) => message.role === 'assistant' && message.id === this.view.messageId,
    );
    if (ours) this.view.onMessage(ours as unknown as UIMessage);
    this.view.endedElsewhere();
  }

  #interrupt(): void {
    if (this.#stopRequested) {
      // The spinner's "Stopping…" line goes; it would otherwise stay as the last thing shown.
      this.#options.terminal.write(this.#options.terminal.isTTY ? '\r\x1b[2K' : '\n');
      this.#options.interrupts.exit(130);
      return;
    }
    this.#stopRequested = true;
    this.view.stopping();
    if (this.#started) void this.#cancel();
  }

  async #cancel(): Promise<void> {
    try {
      const result = await this.#options.client.json({
        method: 'POST',
        path: `${sessionPath(this.#options.sessionId)}/cancel`,
        schema: cancelResultSchema,
      });
      for (const unsent of result.unsent ?? []) this.view.notice(`Not sent: ${unsent.text}`);
    } catch (error) {
      this.view.notice(`Could not stop the turn: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** The stored answer to a message that waited: the assistant message after it, once both are stored. */
function answerTo(options: {
  messages: StoredMessage[];
  text: string;
  known: Set<string>;
}): StoredMessage | undefined {
  const { messages, text, known } = options;
  const asked = messages.findIndex(
    (message) => !known.has(message.id) && message.role === 'user' && textOf(message) === text,
  );
  return asked === -1 ? undefined : messages.slice(asked + 1).find((message) => message.role === 'assistant');
}

/** A message's text, its text parts joined. */
export function textOf(message: { parts: { type: string; text?: unknown }[] }): string {
  return message.parts
    .map((part) => (part.type === 'text' && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

/** A session's path in the API. */
export function sessionPath(sessionId: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}`;
}
