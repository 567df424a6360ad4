import { afterEach, expect, test } from 'vitest';
import { chat, textOf } from '../support/chat-client.ts';
import { type FakeRequest, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';

const isMainCall = (request: FakeRequest) => !request.system.includes('Generate a very short title');

import { readFrames } from '../support/sse-capture.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';

let server: TestServer;
afterEach(async () => server?.close());

// SPEC §2, POST /api/sessions/:id/messages: "`messageId` is an idempotency key: the same id again
// stores nothing and answers with the stream (or, once it has ended, the stored answer) of the turn it started."
test('the same messageId after the turn ended and its stream expired answers with the stored answer', async () => {
  server = await startTestServer({
    brain: scriptedBrain([{ when: isMainCall, reply: textReply('The stored answer.') }]),
  });
  const sessionId = await createSession(server);
  const first = await chat({ url: server.url, sessionId, text: 'hello', messageId: 'msg-1' });
  expect(textOf(first.message)).toBe('The stored answer.');
  await server.restart(); // the embedded stream registry is in memory: the turn's events are gone
  const again = await chat({ url: server.url, sessionId, text: 'hello', messageId: 'msg-1' });
  expect(again.errors).toEqual([]);
  expect(textOf(again.message)).toBe('The stored answer.');
  const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
  expect(detail.messages).toHaveLength(2);
});

test('a repeated messageId after a restart replays a stored tool turn as the same message', async () => {
  server = await startTestServer({
    brain: scriptedBrain([
      { when: (request) => request.toolResults.length > 0, reply: textReply('The file is written.') },
      {
        when: isMainCall,
        reply: toolReply({
          name: 'write_file',
          input: { path: 'a.txt', content: 'hi' },
          text: 'Writing it.',
        }),
      },
    ]),
  });
  const sessionId = await createSession(server);
  const first = await chat({ url: server.url, sessionId, text: 'please write', messageId: 'msg-t' });
  expect(first.errors).toEqual([]);
  await server.restart();
  const again = await chat({ url: server.url, sessionId, text: 'please write', messageId: 'msg-t' });
  expect(again.errors).toEqual([]);
  const shape = (message: typeof first.message) =>
    message?.parts.map((part) => ({ type: part.type, state: 'state' in part ? part.state : undefined }));
  expect(shape(again.message)).toEqual(shape(first.message));
  expect(textOf(again.message)).toBe(textOf(first.message));
  expect(again.message?.id).toBe(first.message?.id);
});

test('framing, limits, 204 resume, idle cancel', async () => {
  server = await startTestServer({
    brain: scriptedBrain([{ when: isMainCall, reply: textReply('Hi there.') }]),
  });
  const sessionId = await createSession(server);
  const response = await sendMessage(server, { sessionId, text: 'x'.repeat(64_000) });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  expect(response.headers.get('cache-control')).toBe('no-cache');
  expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
  expect(response.headers.get('x-accel-buffering')).toBe('no');
  const { frames, done } = await readFrames({ response });
  expect(done).toBe(true);
  const chunkFrames = frames.slice(0, -1);
  expect(chunkFrames.map((frame) => frame.id)).toEqual(chunkFrames.map((_, index) => index + 1));
  const types = chunkFrames.map((frame) => JSON.parse(frame.data).type);
  expect(types[0]).toBe('start');
  expect(types.at(-1)).toBe('finish');
  expect(types.indexOf('message-metadata')).toBeGreaterThan(0);
  const tooLong = await sendMessage(server, { sessionId, text: 'x'.repeat(64_001) });
  expect(tooLong.status).toBe(400);
  const body = await tooLong.json();
  expect(Object.keys(body)).toEqual(['error']);
  const blank = await sendMessage(server, { sessionId, text: '   ' });
  expect(blank.status).toBe(400);
  expect((await blank.json()).error.code).toBe('empty_prompt');
  const resume = await server.api(`/api/sessions/${sessionId}/stream`);
  expect(resume.status).toBe(204);
  const cancel = await server.api(`/api/sessions/${sessionId}/cancel`, { method: 'POST' });
  expect(cancel.status).toBe(200);
  expect(await cancel.json()).toEqual({ cancelled: false, unsent: [] });
  const missing = await sendMessage(server, { sessionId: 'nope', text: 'hi' });
  expect(missing.status).toBe(404);
  expect((await missing.json()).error.code).toBe('not_found');
  const list = await (await server.api('/api/sessions?limit=50')).json();
  expect(Object.keys(list).sort()).toEqual(['nextCursor', 'sessions']);
  expect(Object.keys(list.sessions[0]).sort()).toEqual(['createdAt', 'id', 'status', 'title', 'updatedAt']);
  const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
  const assistant = detail.messages.find((message: { role: string }) => message.role === 'assistant');
  expect(Object.keys(assistant.metadata).sort()).toEqual([
    'durationMs',
    'startedAt',
    'status',
    'turnId',
    'usage',
  ]);
  expect(Object.keys(detail.usage).sort()).toEqual(
    expect.arrayContaining(['cacheReadTokens', 'cacheWriteTokens', 'costUsd', 'inputTokens', 'outputTokens']),
  );
});

// SPEC §4.1: "A message over 64,000 characters, or more than 20 files: 400." Characters, as the
// reference counts them (pydantic's max_length=64000 counts code points), not UTF-16 units.
test('a message of 64,000 characters outside the BMP is accepted; 64,001 is refused', async () => {
  server = await startTestServer({ brain: scriptedBrain([{ when: isMainCall, reply: textReply('Ok.') }]) });
  const sessionId = await createSession(server);
  const tooLong = await sendMessage(server, { sessionId, text: '😀'.repeat(64_001) });
  expect(tooLong.status).toBe(400);
  expect((await tooLong.json()).error.code).toBe('message_too_long');
  const response = await sendMessage(server, { sessionId, text: '😀'.repeat(64_000) });
  expect(response.status).toBe(200);
  const { done } = await readFrames({ response });
  expect(done).toBe(true);
});
