import type { ReasoningWireField } from '../agent-runtime.ts';
import type { ModelCallOptions } from '../language-model.ts';
import type { ModelPromptMessage } from './model-prompt.ts';
import { toolEntry } from './request-text.ts';

type ChatMessage = Record<string, unknown>;
type UserMessage = Extract<ModelPromptMessage, { role: 'user' }>;
type AssistantMessage = Extract<ModelPromptMessage, { role: 'assistant' }>;
type ToolMessage = Extract<ModelPromptMessage, { role: 'tool' }>;

/**
 * Where our stream parts keep a tool call's provider data (Gemini's thought signature), under
 * the name the AI SDK's provider used, so a signature streamed in one step goes back in the next.
 */
export const openAIMetadataKey = 'openai-compatible';

/** A stored or streamed value, if it names a reasoning field. */
export function asReasoningField(value: unknown): ReasoningWireField | undefined {
  return value === 'reasoning_content' || value === 'reasoning' ? value : undefined;
}

/** The reasoning field kept in a part's provider data, if any. */
export function reasoningFieldOf(metadata: unknown): ReasoningWireField | undefined {
  const data = metadata as Record<string, { reasoningField?: unknown } | undefined> | undefined;
  return asReasoningField(data?.[openAIMetadataKey]?.reasoningField);
}

/** Provider data that records a reasoning block's field. */
export function reasoningFieldMetadata(field: ReasoningWireField): Record<string, Record<string, string>> {
  return { [openAIMetadataKey]: { reasoningField: field } };
}

/**
 * The Chat Completions body of one streamed model call, as the AI SDK's openai-compatible
 * provider built it: system messages first-class, a lone user text as a string, images as
 * `image_url` (a data URL or the URL), one assistant message with its text, reasoning and
 * `tool_calls`, one `tool` message per result, tools as `function`s with their JSON schema, and
 * the usage asked for in the stream's last chunk.
 */
export function openAIChatRequestBody(options: { model: string; call: ModelCallOptions }): unknown {
  const { call } = options;
  const messages: ChatMessage[] = [];
  for (const message of call.prompt) {
    switch (message.role) {
      case 'system':
        messages.push({ role: 'system', content: message.content });
        break;
      case 'user':
        messages.push(userMessage(message));
        break;
      case 'assistant':
        messages.push(assistantMessage(message));
        break;
      case 'tool':
        messages.push(...toolMessages(message));
        break;
    }
  }
  const tools = (call.tools ?? []).flatMap((tool) =>
    tool.type === 'function'
      ? [
          toolEntry({
            format: tool.strict == null ? 'openai' : `openai-strict-${tool.strict}`,
            name: tool.name,
            description: tool.description,
            schema: tool.inputSchema,
            make: () => ({
              type: 'function',
              function: {
                name: tool.name,
                description: tool.description,
                parameters: tool.inputSchema,
                ...(tool.strict != null ? { strict: tool.strict } : {}),
              },
            }),
          }),
        ]
      : [],
  );
  return {
    model: options.model,
    max_tokens: call.maxOutputTokens,
    messages,
    ...(tools.length > 0 ? { tools, tool_choice: toolChoice(call.toolChoice) } : {}),
    stream: true,
    stream_options: { include_usage: true },
  };
}

function userMessage(message: UserMessage): ChatMessage {
  const [only] = message.content;
  if (message.content.length === 1 && only?.type === 'text') return { role: 'user', content: only.text };
  const content: ChatMessage[] = [];
  for (const part of message.content) {
    if (part.type === 'text') content.push({ type: 'text', text: part.text });
    else if (part.type === 'file' && part.mediaType.startsWith('image/')) {
      const url = imageUrl(part);
      if (url) content.push({ type: 'image_url', image_url: { url } });
    }
  }
  return { role: 'user', content };
}

/** An image by its URL, or inline as a base64 data URL. */
function imageUrl(part: Extract<UserMessage['content'][number], { type: 'file' }>): string | null {
  const { data } = part;
  if (data.type === 'url') return data.url.toString();
  if (data.type !== 'data') return null;
  const base64 = typeof data.data === 'string' ? data.data : Buffer.from(data.data).toString('base64');
  return `data:${part.mediaType};base64,${base64}`;
}

function assistantMessage(message: AssistantMessage): ChatMessage {
  let text = '';
  let reasoning = '';
  let reasoningField: ReasoningWireField = 'reasoning_content';
  const toolCalls: ChatMessage[] = [];
  for (const part of message.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'reasoning') {
      // Only reasoning whose field is known goes back (in it): one given as content parts
      // (Mistral's `thinking`) has none that its server would take.
      const field = reasoningFieldOf(part.providerOptions);
      if (field) {
        reasoning += part.text;
        reasoningField = field;
      }
    } else if (part.type === 'tool-call') {
      const signature = part.providerOptions?.[openAIMetadataKey]?.thoughtSignature;
      toolCalls.push({
        id: part.toolCallId,
        type: 'function',
        function: { name: part.toolName, arguments: toolArguments(part.input) },
        ...(signature ? { extra_content: { google: { thought_signature: String(signature) } } } : {}),
      });
    }
  }
  return {
    role: 'assistant',
    content: toolCalls.length > 0 ? text || null : text,
    // In the field the server streamed it in (see `openai-stream-parts.ts`).
    ...(reasoning ? { [reasoningField]: reasoning } : {}),
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
}

function toolMessages(message: ToolMessage): ChatMessage[] {
  return message.content.flatMap((part) => {
    if (part.type !== 'tool-result') return [];
    const { output } = part;
    const content =
      output.type === 'text' || output.type === 'error-text'
        ? output.value
        : output.type === 'execution-denied'
          ? (output.reason ?? 'Tool call execution denied.')
          : JSON.stringify(output.value);
    return [{ role: 'tool', tool_call_id: part.toolCallId, content }];
  });
}

/** A call's input goes back as the JSON text the model sent; a string that is already JSON as is. */
function toolArguments(input: unknown): string {
  if (typeof input === 'string') {
    try {
      JSON.parse(input);
      return input;
    } catch {
      return JSON.stringify(input);
    }
  }
  return JSON.stringify(input ?? {});
}

function toolChoice(choice: ModelCallOptions['toolChoice']): unknown {
  if (!choice) return undefined;
  if (choice.type === 'tool') return { type: 'function', function: { name: choice.toolName } };
  return choice.type;
}
