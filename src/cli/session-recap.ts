import type { UIMessage } from 'ai';
import { z } from 'zod';
import type { ApiClient } from './api-client.ts';
import { textOf } from './chat-turn.ts';
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

const recapSchema = z.object({
  title: z.string().nullable(),
  hasMore: z.boolean(),
  activeTurn: z.object({ id: z.string() }).nullable(),
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
 * exchanges, drawn as they were when they streamed. The running turn's answer is left out, since
 * joining the turn shows it from its start.
 */
export async function showSessionRecap(options: {
  client: ApiClient;
  terminal: Terminal;
  sessionId: string;
}): Promise<void> {
  const { client, terminal, sessionId } = options;
  const detail = await client.json({
    method: 'GET',
    path: `/api/sessions/${encodeURIComponent(sessionId)}?limit=${recapRows}`,
    schema: recapSchema,
  });
  const messages = detail.messages.filter(
    (message) => !(message.role === 'assistant' && message.id === detail.activeTurn?.id),
  );
  const userIndexes = messages.flatMap((message, index) => (message.role === 'user' ? [index] : []));
  const from = userIndexes.length > recapExchanges ? userIndexes[userIndexes.length - recapExchanges]! : 0;
  if (messages.length === 0) return;
  const { style } = terminal;
  const title = detail.title ? ` ${oneLine(detail.title)} ` : ' ';
  terminal.write(`${style.dim(`──${title}──`)}\n`);
  if (from > 0 || detail.hasMore) terminal.write(`${style.dim('⋯ earlier messages are not shown')}\n`);
  for (const message of messages.slice(from)) {
    if (message.role === 'user') {
      terminal.write(`${userLines({ terminal, parts: message.parts })}\n`);
    } else if (message.role === 'assistant') {
      const view = new TurnView(terminal);
      view.onMessage(message as unknown as UIMessage);
      view.finish();
    }
  }
  terminal.write(`${style.dim('──')}\n`);
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
