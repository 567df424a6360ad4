import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const aliceToken = 'alice-token-0123456789';
const bobToken = 'bob-token-0123456789ab';

describe('bad input gets a clear error and loses nothing', () => {
  let server: TestServer;
  let sessionId: string;

  beforeAll(async () => {
    server = await startTestServer({
      brain: scriptedBrain([], () => textReply('ok')),
      env: {
        AUTOPILOT_API_TOKENS: `alice:${aliceToken},bob:${bobToken}`,
        AUTOPILOT_MAX_BODY_BYTES: '300000',
      },
    });
    sessionId = await createSession(server, aliceToken);
  });
  afterAll(async () => server?.close());

  async function expectError(response: Response, status: number, code?: string): Promise<void> {
    expect(response.status).toBe(status);
    const text = await response.text();
    expect(text).not.toMatch(/\bat .+\.ts:\d+|node_modules|Error:/);
    const body = JSON.parse(text);
    expect(body.error.message).toEqual(expect.any(String));
    if (code) expect(body.error.code).toBe(code);
  }

  async function storedMessageCount(): Promise<number> {
    const detail = await (await server.api(`/api/sessions/${sessionId}`, { token: aliceToken })).json();
    return detail.messages.length;
  }

  test('requests without a valid token are refused', async () => {
    await expectError(await server.api('/api/sessions'), 401, 'unauthorized');
    await expectError(
      await server.api('/api/sessions', { token: 'wrong-token-0123456789' }),
      401,
      'unauthorized',
    );
  });

  test('an unknown session, and another user’s session, are 404 everywhere', async () => {
    for (const [token, id] of [
      [aliceToken, 'no-such-session'],
      [bobToken, sessionId],
    ] as const) {
      await expectError(await server.api(`/api/sessions/${id}`, { token }), 404, 'not_found');
      await expectError(await sendMessage(server, { sessionId: id, text: 'hi', token }), 404, 'not_found');
      await expectError(await server.api(`/api/sessions/${id}/stream`, { token }), 404, 'not_found');
      await expectError(
        await server.api(`/api/sessions/${id}/cancel`, { method: 'POST', token }),
        404,
        'not_found',
      );
      await expectError(
        await server.api(`/api/sessions/${id}`, { method: 'PATCH', json: { title: 'mine now' }, token }),
        404,
        'not_found',
      );
      await expectError(
        await server.api(`/api/sessions/${id}`, { method: 'DELETE', token }),
        404,
        'not_found',
      );
    }
    const bobList = await (await server.api('/api/sessions', { token: bobToken })).json();
    expect(bobList.sessions).toEqual([]);
    const detail = await (await server.api(`/api/sessions/${sessionId}`, { token: aliceToken })).json();
    expect(detail.title).toBeNull();
  });

  test('a blank message is 400 empty_prompt', async () => {
    await expectError(
      await sendMessage(server, { sessionId, text: '  \n\t ', token: aliceToken }),
      400,
      'empty_prompt',
    );
    expect(await storedMessageCount()).toBe(0);
  });

  test('a message of 64,001 characters is 400; 64,000 is accepted', async () => {
    await expectError(
      await sendMessage(server, { sessionId, text: 'x'.repeat(64_001), token: aliceToken }),
      400,
      'message_too_long',
    );
    expect(await storedMessageCount()).toBe(0);
    const accepted = await sendMessage(server, { sessionId, text: 'y'.repeat(64_000), token: aliceToken });
    expect(accepted.status).toBe(200);
    expect((await parseUIStream(accepted.body!)).errors).toEqual([]);
    expect(await storedMessageCount()).toBe(2);
  });

  test('malformed JSON and wrong fields are 400', async () => {
    const path = `/api/sessions/${sessionId}/messages`;
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${aliceToken}` };
    await expectError(
      await server.api(path, { method: 'POST', headers, body: '{"text": "hi"' }),
      400,
      'invalid_json',
    );
    await expectError(
      await server.api(path, { method: 'POST', headers, body: '{"text": 42}' }),
      400,
      'bad_request',
    );
    await expectError(
      await server.api(path, { method: 'POST', headers, body: '{"text":"hi","role":"system"}' }),
      400,
    );
    await expectError(await server.api(path, { method: 'POST', headers, body: '[]' }), 400);
    await expectError(
      await server.api(path, {
        method: 'POST',
        json: { text: 'hi', fileIds: Array(21).fill('f') },
        token: aliceToken,
      }),
      400,
      'too_many_files',
    );
    await expectError(await server.api('/api/sessions?limit=abc', { token: aliceToken }), 400, 'bad_request');
    await expectError(
      await server.api(`/api/sessions/${sessionId}/stream`, {
        token: aliceToken,
        headers: { 'last-event-id': '-1' },
      }),
      400,
      'bad_request',
    );
  });

  test('a body over the limit is 413', async () => {
    await expectError(
      await sendMessage(server, { sessionId, text: 'z'.repeat(400_000), token: aliceToken }),
      413,
      'payload_too_large',
    );
  });

  test('a chunked body over the limit, with no length to judge it by, is 413 too', async () => {
    const body = new TextEncoder().encode(JSON.stringify({ text: 'z'.repeat(400_000) }));
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < body.length; offset += 64 * 1024) {
          controller.enqueue(body.subarray(offset, offset + 64 * 1024));
        }
        controller.close();
      },
    });
    await expectError(
      await server.api(`/api/sessions/${sessionId}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${aliceToken}` },
        body: chunked,
        duplex: 'half',
      } as RequestInit),
      413,
      'payload_too_large',
    );
  });

  test('unknown routes are JSON 404s', async () => {
    await expectError(await server.api('/api/nope', { token: aliceToken }), 404, 'not_found');
  });

  test('the session is intact after all of it', async () => {
    const detail = await (await server.api(`/api/sessions/${sessionId}`, { token: aliceToken })).json();
    expect(detail.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
  });
});
