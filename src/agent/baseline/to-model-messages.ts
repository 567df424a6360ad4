import type { AssistantContent, ModelMessage, ToolContent } from 'ai';
import type { HistoryMessage } from '../agent-runtime.ts';
import { userMessageText } from '../attachment-hint.ts';

/**
 * Rebuilds the model conversation from stored rows. Rows of one step (same turn and step)
 * form one assistant message; tool results follow it as one tool message. Markers are skipped.
 * A step's reasoning goes back only with the tool calls it led to: DeepSeek in thinking mode
 * refuses a later request whose tool-calling assistant message lacks it, and a model reads no
 * earlier turn's thinking otherwise (the clients drop what their API cannot take back).
 */
export function toModelMessages(history: HistoryMessage[]): ModelMessage[] {
  const messages: ModelMessage[] = [];
  let assistant = null as { key: string; content: Exclude<AssistantContent, string> } | null;
  let tool = null as ToolContent | null;
  const names = new Map<string, string>();

  const flush = () => {
    const content = assistant?.content.some((part) => part.type === 'tool-call')
      ? assistant.content
      : (assistant?.content ?? []).filter((part) => part.type !== 'reasoning');
    if (content.length > 0) messages.push({ role: 'assistant', content });
    if (tool && tool.length > 0) messages.push({ role: 'tool', content: tool });
    assistant = null;
    tool = null;
  };

  for (const row of history) {
    if (row.role === 'user') {
      flush();
      messages.push({ role: 'user', content: userMessageText(row) });
      continue;
    }
    if (row.role !== 'assistant' && row.role !== 'reasoning' && row.role !== 'tool') continue;
    const key = `${row.turnId}:${row.step}`;
    if (row.role === 'assistant' || row.role === 'reasoning') {
      if (assistant?.key !== key || tool) flush();
      assistant ??= { key, content: [] };
      if (row.role === 'reasoning') {
        if (row.content) assistant.content.push({ type: 'reasoning', text: row.content });
      } else if (row.toolCall) {
        names.set(row.toolCall.id, row.toolCall.name);
        assistant.content.push({
          type: 'tool-call',
          toolCallId: row.toolCall.id,
          toolName: row.toolCall.name,
          input: row.toolCall.input,
        });
      } else if (row.content) {
        assistant.content.push({ type: 'text', text: row.content });
      }
      continue;
    }
    const toolCallId = row.toolCallId ?? '';
    const toolName = names.get(toolCallId);
    if (!toolName) continue; // a result without its call cannot be sent to a model
    tool ??= [];
    const text = toolResultText(row.content);
    tool.push({
      type: 'tool-result',
      toolCallId,
      toolName,
      output:
        row.metadata.isError === true ? { type: 'error-text', value: text } : { type: 'text', value: text },
    });
  }
  flush();
  return closeDanglingToolCalls(messages);
}

/** A tool call whose result was never stored (a crash, a stop) gets one, or providers reject the history. */
function closeDanglingToolCalls(messages: ModelMessage[]): ModelMessage[] {
  const result: ModelMessage[] = [];
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index]!;
    result.push(message);
    if (message.role !== 'assistant' || typeof message.content === 'string') continue;
    const calls = message.content.filter((part) => part.type === 'tool-call');
    if (calls.length === 0) continue;
    const next = messages[index + 1];
    const answered = new Set(
      next?.role === 'tool'
        ? next.content.flatMap((part) => (part.type === 'tool-result' ? [part.toolCallId] : []))
        : [],
    );
    const missing: ToolContent = calls
      .filter((call) => !answered.has(call.toolCallId))
      .map((call) => ({
        type: 'tool-result',
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        output: { type: 'error-text', value: 'The tool did not finish (the turn was interrupted).' },
      }));
    if (missing.length === 0) continue;
    if (next?.role === 'tool') next.content.push(...missing);
    else result.push({ role: 'tool', content: missing });
  }
  return result;
}

/** Tool rows store the output as JSON; the model read a string output as is, anything else as JSON. */
function toolResultText(content: string): string {
  try {
    const output: unknown = JSON.parse(content);
    return typeof output === 'string' ? output : content;
  } catch {
    return content;
  }
}
