import { isRecord, readArray, readRecords, readString } from './json-values.ts';
import type { IncomingCall } from './model-server.ts';
import type { FakeMessage, FakeRequest, FakeToolResult } from './script.ts';
import { summariseConversation } from './summarise-conversation.ts';

/** Normalises an Anthropic Messages API body, including Claude Code's `role: "system"` messages. */
export function normaliseAnthropicRequest(call: IncomingCall): FakeRequest {
  const body = isRecord(call.body) ? call.body : {};
  const systemParts = [readContentText(body.system)];
  const messages: FakeMessage[] = [];
  let systemMessageCount = 0;
  for (const entry of readRecords(body.messages)) {
    if (entry.role === 'system') {
      systemMessageCount += 1;
      systemParts.push(readContentText(entry.content));
      continue;
    }
    const { message, reminders } = readMessage(entry);
    messages.push(message);
    systemParts.push(...reminders);
  }
  const system = systemParts.filter(Boolean).join('\n');
  return {
    provider: 'anthropic',
    path: call.path,
    query: call.query,
    headers: call.headers,
    model: readString(body.model),
    stream: body.stream === true,
    system,
    systemMessageCount,
    messages,
    toolNames: readRecords(body.tools).map((tool) => readString(tool.name)),
    ...summariseConversation({ system, messages }),
    body: call.body,
  };
}

/**
 * Claude Code prepends `<system-reminder>` blocks to user turns. They are harness
 * context, not what the user typed, so they go to `system` and stay out of `text`.
 */
function readMessage(entry: Record<string, unknown>): { message: FakeMessage; reminders: string[] } {
  const message: FakeMessage = {
    role: entry.role === 'assistant' ? 'assistant' : 'user',
    text: '',
    toolUses: [],
    toolResults: [],
  };
  const texts: string[] = [];
  const reminders: string[] = [];
  const blocks =
    typeof entry.content === 'string' ? [{ type: 'text', text: entry.content }] : readRecords(entry.content);
  for (const block of blocks) {
    if (block.type === 'text') {
      const split = splitSystemReminders(readString(block.text));
      reminders.push(...split.reminders);
      if (split.rest) texts.push(split.rest);
    }
    if (block.type === 'tool_use') {
      message.toolUses.push({ id: readString(block.id), name: readString(block.name), input: block.input });
    }
    if (block.type === 'tool_result') message.toolResults.push(readToolResult(block));
  }
  message.text = texts.join('\n');
  return { message, reminders };
}

const reminderPattern = /<system-reminder>[\s\S]*?<\/system-reminder>/g;

function splitSystemReminders(text: string): { reminders: string[]; rest: string } {
  const reminders = text.match(reminderPattern) ?? [];
  if (reminders.length === 0) return { reminders, rest: text };
  return { reminders, rest: text.replace(reminderPattern, '').trim() };
}

function readToolResult(block: Record<string, unknown>): FakeToolResult {
  return {
    toolUseId: readString(block.tool_use_id),
    content: readContentText(block.content),
    isError: block.is_error === true,
  };
}

/** Content is a string or an array of blocks; non-text blocks are kept as JSON so nothing is lost. */
function readContentText(content: unknown): string {
  if (typeof content === 'string') return content;
  return readArray(content)
    .map((block) => {
      if (isRecord(block) && block.type === 'text') return readString(block.text);
      return JSON.stringify(block);
    })
    .join('\n');
}
