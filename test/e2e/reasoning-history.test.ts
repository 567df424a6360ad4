import { afterEach, expect, test } from 'vitest';
import { errorReply, type FakeReply, type FakeRequest, textReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type WireMessage = { role?: string; tool_calls?: unknown[]; reasoning_content?: unknown };

/** The conversation both servers hold: think and write a file, say so, then answer the next question. */
function thinkThenWrite(request: FakeRequest, field: 'reasoning_content' | 'reasoning'): FakeReply {
  if (request.lastUserText === 'write a file' && request.toolResults.length === 0) {
    return {
      kind: 'message',
      blocks: [
        {
          type: 'thinking',
          thinking: 'I should write the file.',
          ...(field === 'reasoning' ? { field } : {}),
        },
        { type: 'tool_use', name: 'write_file', input: { path: 'a.txt', content: 'a' } },
      ],
    };
  }
  if (request.lastUserText === 'write a file') return textReply('Written.');
  return textReply('Still here.');
}

/**
 * DeepSeek in thinking mode (the default of its V4 models): an assistant message that made tool
 * calls must carry its `reasoning_content` in every later request, later turns included, or the
 * API answers 400 (https://api-docs.deepseek.com/guides/thinking_mode#tool-calls).
 */
function deepSeekThinking(request: FakeRequest): FakeReply {
  const messages = ((request.body as { messages?: WireMessage[] }).messages ?? []) as WireMessage[];
  const missing = messages.findIndex(
    (message) =>
      message.role === 'assistant' &&
      Array.isArray(message.tool_calls) &&
      message.tool_calls.length > 0 &&
      typeof message.reasoning_content !== 'string',
  );
  if (missing !== -1) {
    return errorReply({
      status: 400,
      errorType: 'invalid_request_error',
      message: `Missing \`reasoning_content\` field in the assistant message at message index ${missing}.`,
    });
  }
  return thinkThenWrite(request, 'reasoning_content');
}

test('a thinking model that called tools in one turn can still be asked a second question', async () => {
  server = await startTestServer({ provider: 'openai-compatible', brain: deepSeekThinking });
  const sessionId = await createSession(server);
  const first = await parseUIStream((await sendMessage(server, { sessionId, text: 'write a file' })).body!);
  expect(first.errors).toEqual([]);

  const second = await parseUIStream((await sendMessage(server, { sessionId, text: 'and now?' })).body!);
  expect(second.errors).toEqual([]);
  const text = (second.message?.parts ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : []));
  expect(text.join('')).toBe('Still here.');
  // The reasoning went back with the call it led to, as it came.
  const assistant = (server.fake.requests.at(-1)!.body as { messages: WireMessage[] }).messages.find(
    (message) => message.role === 'assistant' && message.tool_calls,
  );
  expect(assistant?.reasoning_content).toBe('I should write the file.');
});

/** Groq and Cerebras stream reasoning as `reasoning` and refuse `reasoning_content` on any message. */
function groqThinking(request: FakeRequest): FakeReply {
  const messages = ((request.body as { messages?: WireMessage[] }).messages ?? []) as WireMessage[];
  const refused = messages.findIndex((message) => 'reasoning_content' in message);
  if (refused !== -1) {
    return errorReply({
      status: 400,
      errorType: 'invalid_request_error',
      message: `'messages.${refused}' : property 'reasoning_content' is unsupported`,
    });
  }
  return thinkThenWrite(request, 'reasoning');
}

test('reasoning streamed as `reasoning` goes back as `reasoning`, within the turn and after a restart', async () => {
  server = await startTestServer({ provider: 'openai-compatible', brain: groqThinking });
  const sessionId = await createSession(server);
  const first = await parseUIStream((await sendMessage(server, { sessionId, text: 'write a file' })).body!);
  expect(first.errors).toEqual([]);
  // A new process knows the field only from what was stored.
  await server.restart();
  const second = await parseUIStream((await sendMessage(server, { sessionId, text: 'and now?' })).body!);
  expect(second.errors).toEqual([]);
  const text = (second.message?.parts ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : []));
  expect(text.join('')).toBe('Still here.');
  const assistant = (
    server.fake.requests.at(-1)!.body as { messages: (WireMessage & { reasoning?: unknown })[] }
  ).messages.find((message) => message.role === 'assistant' && message.tool_calls);
  expect(assistant?.reasoning).toBe('I should write the file.');
});
