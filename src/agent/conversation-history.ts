import type { HistoryMessage } from './agent-runtime.ts';
import { userMessageText } from './attachment-hint.ts';

/** Roughly 4 characters per token; the block is cut from its oldest end to stay in budget. */
const defaultBudgetChars = 400_000;
const maxToolTextChars = 2_000;

/**
 * Earlier messages as a `<conversation_history>` block prepended to the prompt, for a runtime
 * that cannot resume them natively (no transcript, or a transcript that misses the newest rows).
 */
export function formatConversationHistory(options: {
  messages: HistoryMessage[];
  budgetChars?: number;
}): string | null {
  const lines: string[] = [];
  for (const message of options.messages) {
    const line = formatLine(message);
    if (line) lines.push(line);
  }
  if (lines.length === 0) return null;
  const budget = options.budgetChars ?? defaultBudgetChars;
  let total = 0;
  let first = lines.length;
  while (first > 0 && total + lines[first - 1]!.length + 1 <= budget) {
    total += lines[first - 1]!.length + 1;
    first -= 1;
  }
  const kept = lines.slice(first);
  if (first > 0) kept.unshift(`[${first} earlier entries were dropped to fit the context budget]`);
  return `<conversation_history>\n${kept.join('\n')}\n</conversation_history>`;
}

/** The prompt with any history block in front of it. */
export function withHistory(options: { prompt: string; history: string | null }): string {
  return options.history ? `${options.history}\n\n${options.prompt}` : options.prompt;
}

function formatLine(message: HistoryMessage): string | null {
  switch (message.role) {
    case 'user':
      return `User: ${userMessageText(message)}`;
    case 'assistant':
      if (message.toolCall)
        return `Assistant called ${message.toolCall.name}(${clip(JSON.stringify(message.toolCall.input))})`;
      return message.content ? `Assistant: ${message.content}` : null;
    case 'tool':
      return `Tool result${message.metadata.isError === true ? ' (error)' : ''}: ${clip(message.content)}`;
    default:
      return null;
  }
}

function clip(text: string): string {
  return text.length > maxToolTextChars ? `${text.slice(0, maxToolTextChars)}… [truncated]` : text;
}
