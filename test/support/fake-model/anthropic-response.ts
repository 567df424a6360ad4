import type { ServerResponse } from 'node:http';
import { sendJson } from './model-server.ts';
import {
  type ResolvedBlock,
  type ResolvedMessage,
  resolveMessage,
  splitInTwo,
  splitText,
} from './resolve-message.ts';
import type { FakeReply, FakeRequest } from './script.ts';
import { writeEventStream } from './write-event-stream.ts';

export async function sendAnthropicReply(options: {
  request: FakeRequest;
  reply: FakeReply;
  response: ServerResponse;
  sequence: number;
  chunkDelayMs: number;
}): Promise<void> {
  const { request, reply, response, sequence } = options;
  const requestId = `req_fake_${sequence}`;
  if (reply.kind === 'error') {
    sendAnthropicError({
      response,
      status: reply.status,
      errorType: reply.errorType,
      message: reply.message,
      requestId,
    });
    return;
  }
  const messageId = `msg_fake_${sequence}`;
  const message = resolveMessage({
    blocks: reply.blocks,
    usage: reply.kind === 'message' ? reply.usage : undefined,
    request,
    toolIdPrefix: `toolu_fake_${sequence}`,
  });
  if (!request.stream) {
    if (reply.kind === 'reset') response.socket?.destroy();
    else
      sendJson(response, 200, toMessageJson({ message, messageId, model: request.model }), {
        'request-id': requestId,
      });
    return;
  }
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': requestId,
  });
  const frames = toStreamEvents({ message, messageId, model: request.model }).map(
    (event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`,
  );
  await writeEventStream({ response, frames, reply, defaultDelayMs: options.chunkDelayMs });
}

/** The real API's error body; `request-id` mirrors the header clients quote in their errors. */
export function sendAnthropicError(options: {
  response: ServerResponse;
  status: number;
  errorType: string;
  message: string;
  requestId?: string;
}): void {
  const requestId = options.requestId ?? 'req_fake_error';
  sendJson(
    options.response,
    options.status,
    { type: 'error', error: { type: options.errorType, message: options.message }, request_id: requestId },
    { 'request-id': requestId },
  );
}

interface MessageContext {
  message: ResolvedMessage;
  messageId: string;
  model: string;
}

function toMessageJson({ message, messageId, model }: MessageContext) {
  return {
    id: messageId,
    type: 'message',
    role: 'assistant',
    model,
    content: message.blocks.map(toContentBlock),
    stop_reason: stopReason(message),
    stop_sequence: null,
    usage: {
      input_tokens: message.usage.inputTokens,
      cache_creation_input_tokens: message.usage.cacheWriteTokens,
      cache_read_input_tokens: message.usage.cacheReadTokens,
      output_tokens: message.usage.outputTokens,
    },
  };
}

function toContentBlock(block: ResolvedBlock) {
  if (block.type === 'thinking') return { ...block, signature: fakeSignature(block.thinking) };
  return block;
}

/** Event order of the real API: message_start, per block start/deltas/stop, message_delta, message_stop. */
function toStreamEvents({ message, messageId, model }: MessageContext): { type: string }[] {
  const start = toMessageJson({ message, messageId, model });
  const events: { type: string; [key: string]: unknown }[] = [
    {
      type: 'message_start',
      message: { ...start, content: [], stop_reason: null, usage: { ...start.usage, output_tokens: 1 } },
    },
  ];
  message.blocks.forEach((block, index) => {
    events.push({ type: 'content_block_start', index, content_block: emptyBlock(block) });
    for (const delta of blockDeltas(block)) events.push({ type: 'content_block_delta', index, delta });
    events.push({ type: 'content_block_stop', index });
  });
  events.push(
    {
      type: 'message_delta',
      delta: { stop_reason: stopReason(message), stop_sequence: null },
      usage: { output_tokens: message.usage.outputTokens },
    },
    { type: 'message_stop' },
  );
  return events;
}

function emptyBlock(block: ResolvedBlock) {
  if (block.type === 'text') return { type: 'text', text: '' };
  if (block.type === 'thinking') return { type: 'thinking', thinking: '', signature: '' };
  return { type: 'tool_use', id: block.id, name: block.name, input: {} };
}

function blockDeltas(block: ResolvedBlock): Record<string, unknown>[] {
  if (block.type === 'text') return splitText(block.text).map((text) => ({ type: 'text_delta', text }));
  if (block.type === 'thinking') {
    return [
      ...splitText(block.thinking).map((thinking) => ({ type: 'thinking_delta', thinking })),
      { type: 'signature_delta', signature: fakeSignature(block.thinking) },
    ];
  }
  return splitInTwo(JSON.stringify(block.input ?? {})).map((partial_json) => ({
    type: 'input_json_delta',
    partial_json,
  }));
}

function stopReason(message: ResolvedMessage): 'tool_use' | 'end_turn' {
  return message.hasToolUse ? 'tool_use' : 'end_turn';
}

/** Clients replay thinking signatures verbatim; any stable opaque string will do. */
function fakeSignature(thinking: string): string {
  return `sig_fake_${Buffer.from(thinking).toString('base64url').slice(0, 16)}`;
}
