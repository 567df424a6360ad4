import { isRecord, readArray, readRecords, readString } from './json-values.ts';
import type { IncomingCall } from './model-server.ts';
import type { FakeMessage, FakeRequest } from './script.ts';
import { summariseConversation } from './summarise-conversation.ts';

/** Normalises an OpenAI Chat Completions body: `system`/`developer`, `user`, `assistant` with `tool_calls`, `tool`. */
export function normaliseOpenAIRequest(call: IncomingCall): FakeRequest {
  const body = isRecord(call.body) ? call.body : {};
  const systemParts: string[] = [];
  const messages: FakeMessage[] = [];
  let systemMessageCount = 0;
  for (const entry of readRecords(body.messages)) {
    const text = readContentText(entry.content);
    if (entry.role === 'system' || entry.role === 'developer') {
      systemMessageCount += 1;
      systemParts.push(text);
    } else if (entry.role === 'assistant') {
      messages.push({
        role: 'assistant',
        text,
        toolUses: readRecords(entry.tool_calls).map(readToolCall),
        toolResults: [],
      });
    } else if (entry.role === 'tool') {
      const toolResults = [{ toolUseId: readString(entry.tool_call_id), content: text, isError: false }];
      messages.push({ role: 'tool', text: '', toolUses: [], toolResults });
    } else {
      messages.push({ role: 'user', text, toolUses: [], toolResults: [] });
    }
  }
  const system = systemParts.filter(Boolean).join('\n');
  return {
    provider: 'openai',
    path: call.path,
    query: call.query,
    headers: call.headers,
    model: readString(body.model),
    stream: body.stream === true,
    system,
    systemMessageCount,
    messages,
    toolNames: readRecords(body.tools).map((tool) =>
      isRecord(tool.function) ? readString(tool.function.name) : '',
    ),
    ...summariseConversation({ system, messages }),
    body: call.body,
  };
}

function readToolCall(call: Record<string, unknown>) {
  const fn = isRecord(call.function) ? call.function : {};
  return {
    id: readString(call.id),
    name: readString(fn.name),
    input: parseArguments(readString(fn.arguments)),
  };
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function readContentText(content: unknown): string {
  if (typeof content === 'string') return content;
  return readArray(content)
    .map((part) => (isRecord(part) && part.type === 'text' ? readString(part.text) : JSON.stringify(part)))
    .join('\n');
}
