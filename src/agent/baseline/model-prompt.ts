import type { ModelMessage } from 'ai';
import type { PromptImage } from '../agent-runtime.ts';
import type { ModelCallOptions } from '../language-model.ts';

export type ModelPrompt = ModelCallOptions['prompt'];
export type ModelPromptMessage = ModelPrompt[number];
/** A part of an assistant message in the prompt: text, reasoning, a tool call. */
export type AssistantPart = Extract<ModelPromptMessage, { role: 'assistant' }>['content'][number];
/** A tool result in the prompt. */
export type ToolResultPart = Extract<ModelPromptMessage, { role: 'tool' }>['content'][number];

/**
 * The provider-level prompt of a turn's first model call: the system prompt, the stored
 * conversation (as `toModelMessages` rebuilt it) and the new message with its images. This is
 * the one conversion `streamText` made before each call; the baseline runtime now calls the
 * provider's `doStream` itself.
 */
export function toModelPrompt(options: {
  system: string;
  history: ModelMessage[];
  prompt: string;
  images: PromptImage[];
}): ModelPrompt {
  return [
    { role: 'system', content: options.system },
    ...options.history.map(toPromptMessage),
    {
      role: 'user',
      content: [
        { type: 'text', text: options.prompt },
        ...options.images.map((image) => ({
          type: 'file' as const,
          data: { type: 'data' as const, data: image.data },
          mediaType: image.mediaType,
        })),
      ],
    },
  ];
}

/** The shapes `toModelMessages` produces: user text, assistant text, reasoning and tool calls, tool results. */
function toPromptMessage(message: ModelMessage): ModelPromptMessage {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return {
        role: 'user',
        content:
          typeof message.content === 'string'
            ? [{ type: 'text', text: message.content }]
            : message.content.flatMap((part) =>
                part.type === 'text' ? [{ type: 'text', text: part.text }] : [],
              ),
      };
    case 'assistant':
      return {
        role: 'assistant',
        content:
          typeof message.content === 'string'
            ? [{ type: 'text', text: message.content }]
            : message.content.flatMap((part): AssistantPart[] => {
                if (part.type === 'text') return [{ type: 'text' as const, text: part.text }];
                if (part.type === 'reasoning') {
                  const { providerOptions } = part;
                  return [
                    {
                      type: 'reasoning' as const,
                      text: part.text,
                      ...(providerOptions ? { providerOptions } : {}),
                    },
                  ];
                }
                if (part.type === 'tool-call') {
                  const { toolCallId, toolName, input } = part;
                  return [{ type: 'tool-call' as const, toolCallId, toolName, input }];
                }
                return [];
              }),
      };
    case 'tool':
      return {
        role: 'tool',
        content: message.content.flatMap((part) => {
          if (part.type !== 'tool-result') return [];
          const { toolCallId, toolName, output } = part;
          const value = 'value' in output && typeof output.value === 'string' ? output.value : '';
          return [
            {
              type: 'tool-result' as const,
              toolCallId,
              toolName,
              output: output.type === 'error-text' ? { type: 'error-text', value } : { type: 'text', value },
            },
          ];
        }),
      };
  }
}
