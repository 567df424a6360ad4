import type { UIMessage } from 'ai';
import { z } from 'zod';
import type { ApiClient } from './api-client.ts';
import { sessionPath, textOf } from './chat-turn.ts';
import type { Terminal } from './terminal.ts';
import { oneLine, sanitizeForTerminal, truncate } from './terminal-text.ts';
import { TurnView } from './turn-view.ts';

/** How many of the latest exchanges a recap shows: enough to pick the thread up again. */
const recapExchanges = 3;
/** Rows asked of the server; it widens the page to whole turns, so a long turn still comes whole. */
const recapRows = 40;
/** A long message of the user's is cut in the recap: the point is what it was about. */
const userLinesShown = 6;
const userLineChars = 400;
/** The recap's lines at most: a turn of hundreds of tool calls shows its end, not a flood. */
const recapLines = 60;

const recapSchema = z.object({
  title: z.string().nullable(),
  hasMore: z.boolean(),
  activeTurn: z.object({ id: z.string() }).nullable(),
  waiting: z.array(z.object({ text: z.string() })),
  messages: z.array(
    z.looseObject({
      id: z.string(),
      role: z.string(),
      parts: z.array(z.looseObject({ type: z.string() })),
    }),
  ),
});

/**
 * Shows the end of a session's conversation before the prompt continues it: the last few
 * exchanges, drawn as they were when they streamed, at most `recapLines` lines of them. The
 * running turn's answer is left out, since joining the turn shows it from its start; its id is
 * returned, so that an answer that ends before the join can be shown from the store instead. So is
 * a last message whose turn failed for a reason that may pass, for the prompt to offer again.
 */
export async function showSessionRecap(options: {
  client: ApiClient;
  terminal: Terminal;
  sessionId: string;
}): Promise<SessionRecap> {
  const { terminal } = options;
  const detail = await readSessionEnd(options);
  const runningTurnId = detail.activeTurn?.id ?? null;
  const messages = detail.messages.filter(
    (message) => !(message.role === 'assistant' && message.id === runningTurnId),
  );
  const waiting = detail.waiting.map((message) => message.text);
  if (messages.length === 0) return { runningTurnId, failedMessage: null, waiting };
  const userIndexes = messages.flatMap((message, index) => (message.role === 'user' ? [index] : []));
  const from = userIndexes.length > recapExchanges ? userIndexes[userIndexes.length - recapExchanges]! : 0;
  // Drawn off screen first, without a spinner or usage lines, so that only its end is shown.
  const drawn = recordedTerminal(terminal);
  for (const message of messages.slice(from)) {
    if (message.role === 'user') {
      drawn.write(`${userLines({ terminal, parts: message.parts })}\n`);
    } else if (message.role === 'assistant') {
      showAnswer({ terminal: drawn, message });
    }
  }
  let lines = drawn.output.replace(/\n$/, '').split('\n');
  const cut = from > 0 || detail.hasMore || lines.length > recapLines;
  lines = lines.slice(-recapLines);
  const { style } = terminal;
  const title = detail.title ? ` ${truncate({ text: oneLine(detail.title), max: 80 })} ` : ' ';
  terminal.write(`${style.dim(`──${title}──`)}\n`);
  if (cut) terminal.write(`${style.dim('⋯ earlier messages are not shown')}\n`);
  terminal.write(`${lines.join('\n')}\n${style.dim('──')}\n`);
  return { runningTurnId, failedMessage: runningTurnId ? null : failedMessageOf(messages), waiting };
}

export interface SessionRecap {
  /** The turn running when the recap was read; its answer was left out. */
  runningTurnId: string | null;
  /**
   * The last message (its text and id), when its turn failed for a reason that may pass: sending
   * it again runs it again.
   */
  failedMessage: FailedMessage | null;
  /** Messages waiting for the running turn to end, oldest first. */
  waiting: string[];
}

export interface FailedMessage {
  text: string;
  id: string;
}

/** The last user message, when the answer after it ended with an error worth trying again. */
function failedMessageOf(
  messages: { id: string; role: string; parts: { type: string; [key: string]: unknown }[] }[],
): FailedMessage | null {
  const answer = messages.at(-1);
  const asked = messages.at(-2);
  if (answer?.role !== 'assistant' || asked?.role !== 'user') return null;
  const retryable = answer.parts.some(
    (part) =>
      part.type === 'data-error' &&
      typeof part.data === 'object' &&
      part.data !== null &&
      (part.data as { retryable?: unknown }).retryable === true,
  );
  return retryable ? { text: textOf({ parts: asked.parts }), id: asked.id } : null;
}

/**
 * The stored answer of a turn that was running when the recap was read and has ended since, drawn
 * as text for one write: the join found another turn, or none, to follow, and without this the
 * answer would not be shown at all.
 */
export async function drawEndedTurn(options: {
  client: ApiClient;
  terminal: Terminal;
  sessionId: string;
  turnId: string;
}): Promise<string> {
  const { terminal, turnId } = options;
  const detail = await readSessionEnd(options);
  const answer = detail.messages.find((message) => message.role === 'assistant' && message.id === turnId);
  const drawn = recordedTerminal(terminal);
  if (answer) showAnswer({ terminal: drawn, message: answer });
  return drawn.output;
}

/**
 * The turn that runs next in the session, if any, with its questions drawn as the prompt showed
 * them: the running turn's user messages (those just before its answer, or after the last answer
 * while it has none yet), or the messages waiting for a turn that has not started, whose id is
 * then not known.
 */
export async function readNextTurn(options: {
  client: ApiClient;
  terminal: Terminal;
  sessionId: string;
}): Promise<{ turnId: string | null; questions: string } | null> {
  const { terminal } = options;
  const detail = await readSessionEnd(options);
  const running = detail.activeTurn?.id ?? null;
  if (running === null) {
    if (detail.waiting.length === 0) return null;
    const questions = detail.waiting.map((message) => `${userLine(terminal, message.text)}\n`).join('');
    return { turnId: null, questions };
  }
  const answerAt = detail.messages.findIndex(
    (message) => message.role === 'assistant' && message.id === running,
  );
  const end = answerAt === -1 ? detail.messages.length : answerAt;
  let first = end;
  while (first > 0 && detail.messages[first - 1]?.role === 'user') first -= 1;
  const questions = detail.messages
    .slice(first, end)
    .map((message) => `${userLines({ terminal, parts: message.parts })}\n`)
    .join('');
  return { turnId: running, questions };
}

/** The end of the session's conversation, whole turns of it, with what runs and waits now. */
function readSessionEnd(options: { client: ApiClient; sessionId: string }) {
  return options.client.json({
    method: 'GET',
    path: `${sessionPath(options.sessionId)}?limit=${recapRows}`,
    schema: recapSchema,
  });
}

function showAnswer(options: { terminal: Terminal; message: { id: string; parts: unknown[] } }): void {
  const view = new TurnView(options.terminal);
  view.onMessage(options.message as unknown as UIMessage);
  view.finish();
}

/** A terminal like `terminal` that keeps what is written to it, and draws no spinner. */
function recordedTerminal(terminal: Terminal): Terminal & { output: string } {
  const recorded = {
    output: '',
    write(text: string) {
      recorded.output += text;
    },
    isTTY: false,
    styled: terminal.styled,
    style: terminal.style,
    columns: () => terminal.columns(),
  };
  return recorded;
}

/** A one-line message of the user's, as the prompt showed it. */
export function userLine(terminal: Terminal, text: string): string {
  return `${terminal.style.accent('›')} ${truncate({ text: oneLine(text), max: userLineChars })}`;
}

/** A message of the user's as the prompt showed it: `› ` and the text, then its attachments. */
function userLines(options: {
  terminal: Terminal;
  parts: { type: string; [key: string]: unknown }[];
}): string {
  const { style } = options.terminal;
  const lines = sanitizeForTerminal(textOf({ parts: options.parts })).split('\n');
  const shown = lines
    .slice(0, userLinesShown)
    .map((line) => truncate({ text: line, max: userLineChars }))
    .map((line, index) => `${index === 0 ? style.accent('›') : ' '} ${line}`);
  if (lines.length > userLinesShown) shown.push(style.dim(`  ⋯ ${lines.length - userLinesShown} more lines`));
  const files = options.parts.flatMap((part) =>
    part.type === 'file' && typeof part.filename === 'string' ? [oneLine(part.filename)] : [],
  );
  if (files.length > 0) shown.push(style.dim(`  attached: ${files.join(', ')}`));
  return shown.join('\n');
}
