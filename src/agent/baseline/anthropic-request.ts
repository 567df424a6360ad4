import type { ModelCallOptions } from '../language-model.ts';
import type { ModelPromptMessage } from './model-prompt.ts';
import { toolEntry } from './request-text.ts';

type ContentBlock = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

/**
 * The Messages API body of one model call, from the provider-level prompt the step loop keeps.
 * Tool results travel in user messages, and consecutive messages of one role are merged, as the
 * API wants them alternating. A replayed thinking block keeps its signature.
 */
export function anthropicRequestBody(options: { model: string; call: ModelCallOptions }): unknown {
  const { call } = options;
  const system: string[] = [];
  const messages: AnthropicMessage[] = [];
  for (const message of call.prompt) {
    if (message.role === 'system') {
      system.push(message.content);
      continue;
    }
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = contentBlocks(message);
    const last = messages.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else messages.push({ role, content: blocks });
  }
  const tools = (call.tools ?? []).flatMap((tool) =>
    tool.type === 'function'
      ? [
          toolEntry({
            format: 'anthropic',
            name: tool.name,
            description: tool.description,
            schema: tool.inputSchema,
            make: () => ({ name: tool.name, description: tool.description, input_schema: tool.inputSchema }),
          }),
        ]
      : [],
  );
  return {
    model: options.model,
    max_tokens: call.maxOutputTokens,
    ...(system.length > 0 ? { system: system.map((text) => ({ type: 'text', text })) } : {}),
    messages,
    ...(tools.length > 0 ? { tools, tool_choice: { type: 'auto' } } : {}),
    stream: true,
  };
}

function contentBlocks(message: Exclude<ModelPromptMessage, { role: 'system' }>): ContentBlock[] {
  const blocks: ContentBlock[] = [];
  for (const part of message.content) {
    switch (part.type) {
      case 'text':
        blocks.push({ type: 'text', text: part.text });
        break;
      case 'file':
        if (part.data.type === 'data' && part.mediaType.startsWith('image/')) {
          const data = part.data.data;
          const base64 = typeof data === 'string' ? data : Buffer.from(data).toString('base64');
          blocks.push({
            type: 'image',
            source: { type: 'base64', media_type: part.mediaType, data: base64 },
          });
        }
        break;
      case 'reasoning': {
        const anthropic = part.providerOptions?.anthropic ?? {};
        if (typeof anthropic.redactedData === 'string') {
          blocks.push({ type: 'redacted_thinking', data: anthropic.redactedData });
        } else if (typeof anthropic.signature === 'string') {
          blocks.push({ type: 'thinking', thinking: part.text, signature: anthropic.signature });
        }
        // Thinking without a signature cannot be sent back; the API would refuse the request.
        break;
      }
      case 'tool-call':
        blocks.push({ type: 'tool_use', id: part.toolCallId, name: part.toolName, input: part.input ?? {} });
        break;
      case 'tool-result': {
        const output = part.output;
        const text = 'value' in output && typeof output.value === 'string' ? output.value : '';
        blocks.push({
          type: 'tool_result',
          tool_use_id: part.toolCallId,
          content: text,
          ...(output.type === 'error-text' ? { is_error: true } : {}),
        });
        break;
      }
      default:
        break;
    }
  }
  return blocks;
}
