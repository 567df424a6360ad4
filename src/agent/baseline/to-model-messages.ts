import type { AssistantContent, ModelMessage, ToolContent } from 'ai';
import type { HistoryMessage } from '../agent-runtime.ts';
import { userMessageText } from '../attachment-hint.ts';
import { asReasoningField, reasoningFieldMetadata } from './openai-request.ts';

/**
 * Rebuilds the model conversation from stored rows. Rows of one step (same turn and step)
 * form one assistant message; tool results follow it as one tool message. Markers are skipped.
 * Reasoning goes back only from turns that called tools, and only reasoning stored with the field
 * its OpenAI-compatible server streamed it in (in that field): DeepSeek in thinking mode refuses
 * any later request whose history of a tool-using turn lacks its `reasoning_content`, and Groq
 * refuses that field (it takes `reasoning`). A model reads no other earlier thinking, and the
 * Anthropic client drops reasoning without a signature, which stored rows do not keep.
 */
export function toModelMessages(history: HistoryMessage[]): ModelMessage[] {
  const messages: ModelMessage[] = [];
  const turnsWithTools = new Set(history.flatMap((row) => (row.toolCall && row.turnId ? [row.turnId] : [])));
  let assistant = null as { key: string; content: Exclude<AssistantContent, string> } | null;
  let tool = null as ToolContent | null;
  const names = new Map<string, string>();

  const flush = () => {
    // Reasoning alone is no message: a step that only thought sends nothing.
    const content = assistant?.content ?? [];
    if (content.some((part) => part.type !== 'reasoning')) messages.push({ role: 'assistant', content });
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
        const field = asReasoningField(row.metadata.reasoningField);
        if (row.content && field && row.turnId && turnsWithTools.has(row.turnId)) {
          assistant.content.push({
            type: 'reasoning',
            text: row.content,
            providerOptions: reasoningFieldMetadata(field),
          });
        }
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
