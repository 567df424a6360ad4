import type { ServerResponse } from 'node:http';
import { isRecord } from './json-values.ts';
import { sendJson } from './model-server.ts';
import { type ResolvedMessage, resolveMessage, splitInTwo, splitText } from './resolve-message.ts';
import type { FakeReply, FakeRequest } from './script.ts';
import { writeEventStream } from './write-event-stream.ts';

export async function sendOpenAIReply(options: {
  request: FakeRequest;
  reply: FakeReply;
  response: ServerResponse;
  sequence: number;
  chunkDelayMs: number;
}): Promise<void> {
  const { request, reply, response, sequence } = options;
  if (reply.kind === 'error') {
    sendOpenAIError({ response, status: reply.status, errorType: reply.errorType, message: reply.message });
    return;
  }
  const context: CompletionContext = {
    id: `chatcmpl-fake-${sequence}`,
    model: request.model,
    created: Math.floor(Date.now() / 1000),
    message: resolveMessage({
      blocks: reply.blocks,
      usage: reply.kind === 'message' ? reply.usage : undefined,
      request,
      toolIdPrefix: `call_fake_${sequence}`,
    }),
  };
  if (!request.stream) {
    if (reply.kind === 'reset') response.socket?.destroy();
    else sendJson(response, 200, toCompletionJson(context));
    return;
  }
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const body = isRecord(request.body) ? request.body : {};
  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  const frames = [
    ...toChunks({ context, includeUsage }).map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`),
    'data: [DONE]\n\n',
  ];
  await writeEventStream({ response, frames, reply, defaultDelayMs: options.chunkDelayMs });
}

export function sendOpenAIError(options: {
  response: ServerResponse;
  status: number;
  errorType: string;
  message: string;
}): void {
  sendJson(options.response, options.status, {
    error: { message: options.message, type: options.errorType, param: null, code: null },
  });
}

interface CompletionContext {
  id: string;
  model: string;
  created: number;
  message: ResolvedMessage;
}

function toUsageJson(message: ResolvedMessage) {
  const { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens } = message.usage;
  // OpenAI's prompt_tokens include cached tokens; cached_tokens is the read-from-cache share.
  const promptTokens = inputTokens + cacheReadTokens + cacheWriteTokens;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: outputTokens,
    total_tokens: promptTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: cacheReadTokens },
  };
}

function finishReason(message: ResolvedMessage): 'tool_calls' | 'stop' {
  return message.hasToolUse ? 'tool_calls' : 'stop';
}

function toCompletionJson({ id, model, created, message }: CompletionContext) {
  const text = message.blocks.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
  const reasoning = message.blocks
    .flatMap((block) => (block.type === 'thinking' ? [block.thinking] : []))
    .join('');
  const toolCalls = message.blocks.flatMap((block) =>
    block.type === 'tool_use'
      ? [
          {
            id: block.id,
            type: 'function',
            function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
          },
        ]
      : [],
  );
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text || null,
          ...(reasoning ? { reasoning_content: reasoning } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReason(message),
      },
    ],
    usage: toUsageJson(message),
  };
}

function toChunks(options: { context: CompletionContext; includeUsage: boolean }) {
  const { id, model, created, message } = options.context;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices,
    ...extra,
  });
  const delta = (value: Record<string, unknown>) => chunk([{ index: 0, delta: value, finish_reason: null }]);
  const chunks = [delta({ role: 'assistant', content: '' })];
  let toolIndex = 0;
  for (const block of message.blocks) {
    if (block.type === 'text') chunks.push(...splitText(block.text).map((content) => delta({ content })));
    if (block.type === 'thinking') {
      const field = block.field ?? 'reasoning_content';
      chunks.push(...splitText(block.thinking).map((piece) => delta({ [field]: piece })));
    }
    if (block.type === 'tool_use') {
      const index = toolIndex++;
      const [first, second] = splitInTwo(JSON.stringify(block.input ?? {}));
      chunks.push(
        delta({
          tool_calls: [
            { index, id: block.id, type: 'function', function: { name: block.name, arguments: first } },
          ],
        }),
        delta({ tool_calls: [{ index, function: { arguments: second } }] }),
      );
    }
  }
  chunks.push(chunk([{ index: 0, delta: {}, finish_reason: finishReason(message) }]));
  if (options.includeUsage) chunks.push(chunk([], { usage: toUsageJson(message) }));
  return chunks;
}
