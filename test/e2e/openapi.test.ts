import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { echoBrain } from '../support/fake-model/brains.ts';
import { scriptedBrain, serverError, textReply } from '../support/fake-model/index.ts';
import { OpenApiChecker } from '../support/openapi-check.ts';
import { openSessionEvents } from '../support/session-events-client.ts';
import { sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { uploadFile } from '../support/upload-file.ts';

const aliceToken = 'alice-token-0123456789';
const bobToken = 'bob-token-0123456789ab';

/** Every route of SPEC §2's table, as the document names it. */
const specRoutes = [
  'POST /api/sessions',
  'GET /api/sessions',
  'GET /api/sessions/{id}',
  'PATCH /api/sessions/{id}',
  'DELETE /api/sessions/{id}',
  'POST /api/sessions/{id}/messages',
  'GET /api/sessions/{id}/stream',
  'POST /api/sessions/{id}/cancel',
  'GET /api/events',
  'POST /api/files',
  'GET /api/files/{id}',
  'GET /api/sessions/{id}/workspace',
  'GET /api/sessions/{id}/workspace/{path}',
  'GET /api/usage',
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /api/openapi.json',
];

const brain = scriptedBrain(
  [
    {
      when: (request) => request.system.includes('Generate a very short title'),
      reply: textReply('A title'),
    },
    { when: (request) => request.lastUserText === 'fail', reply: serverError() },
    {
      // The text after a failed turn's message: the model sees both.
      when: (request) => request.lastUserText.endsWith('slow answer please'),
      reply: {
        kind: 'message',
        blocks: [{ type: 'text', text: 'one two three four five six seven eight nine ten' }],
        chunkDelayMs: 200,
      },
    },
  ],
  echoBrain,
);

describe('the OpenAPI document', () => {
  let server: TestServer;
  let api: OpenApiChecker;

  beforeAll(async () => {
    server = await startTestServer({
      brain,
      env: {
        AUTOPILOT_API_TOKENS: `alice:${aliceToken},bob:${bobToken}`,
        AUTOPILOT_MAX_BODY_BYTES: '300000',
      },
    });
  });
  afterAll(async () => server?.close());

  const call = (path: string, init: Parameters<TestServer['api']>[1] = {}) =>
    server.api(path, { token: aliceToken, ...init });

  test('is valid OpenAPI 3.1 and describes every route of the API', async () => {
    const response = await server.api('/api/openapi.json');
    const document = await response.clone().json();
    api = await OpenApiChecker.load(document);
    await api.check('GET /api/openapi.json', response, 200);
    expect(document.openapi).toBe('3.1.0');
    expect(api.operations().sort()).toEqual([...specRoutes].sort());
    // Real schemas, not placeholders.
    expect(JSON.stringify(document.components.schemas.SessionDetail)).toContain('"activeTurn"');
    // The stream's own data part, as the claude runtime sends it.
    const progress = api.component('AgentProgressData');
    expect(progress({ toolName: 'bash_exec', summary: 'npm test' })).toBe(true);
    expect(progress({ toolName: 'bash_exec', summary: 'npm test', path: '/srv' })).toBe(false);
  });

  test('every route answers, on success and on error, exactly what the document says', async () => {
    const events = await openSessionEvents(server, aliceToken);
    api.checkHead('GET /api/events', await call('/api/events'), 200);
    await api.check('GET /api/events', await server.api('/api/events'), 401);

    // Sessions.
    const post = (init: Parameters<TestServer['api']>[1]) =>
      call('/api/sessions', { method: 'POST', ...init });
    const { id: sessionId } = (await api.check(
      'POST /api/sessions',
      await post({ json: { title: 'Plans' } }),
      201,
    )) as { id: string };
    const base = `/api/sessions/${sessionId}`;
    await api.check('POST /api/sessions', await post({ json: { title: 5 } }), 400);
    await api.check(
      'POST /api/sessions',
      await post({ body: '{oops', headers: { 'content-type': 'application/json' } }),
      400,
    );
    await api.check('POST /api/sessions', await post({ json: {}, token: 'wrong-token-0123456789' }), 401);
    await api.check(
      'POST /api/sessions',
      await post({ body: '{}', headers: { 'content-type': 'text/plain' } }),
      415,
    );
    await api.check('POST /api/sessions', await post({ json: { title: 'x'.repeat(400_000) } }), 413);
    await api.check('GET /api/sessions', await call('/api/sessions'), 200);
    await api.check('GET /api/sessions', await call('/api/sessions?limit=0'), 400);
    const patch = (title: string, token = aliceToken) =>
      call(base, { method: 'PATCH', json: { title }, token });
    await api.check('PATCH /api/sessions/{id}', await patch('Renamed'), 200);
    await api.check('PATCH /api/sessions/{id}', await patch(''), 400);
    await api.check('PATCH /api/sessions/{id}', await patch('mine', bobToken), 404);

    // Files, and turns that leave text, a tool call, an attachment and an error marker behind.
    const { id: fileId } = (await api.check(
      'POST /api/files',
      await uploadFile(server, { bytes: 'a,b\n1,2\n', name: 'data.csv', sessionId, token: aliceToken }),
      201,
    )) as { id: string };
    const formWithoutFile = new FormData();
    formWithoutFile.append('sessionId', sessionId);
    await api.check(
      'POST /api/files',
      await call('/api/files', { method: 'POST', body: formWithoutFile }),
      400,
    );
    await api.check('GET /api/files/{id}', await call(`/api/files/${fileId}`), 200);
    await api.check('GET /api/files/{id}', await call(`/api/files/${fileId}`, { token: bobToken }), 404);

    const send = (options: { text: string; fileIds?: string[]; token?: string; delivery?: 'steer' }) =>
      sendMessage(server, { sessionId, token: aliceToken, ...options });
    const messages = 'POST /api/sessions/{id}/messages';
    await api.check(messages, await send({ text: 'write notes.txt from the agent', fileIds: [fileId] }), 200);
    await api.check(messages, await send({ text: 'fail' }), 200);
    await api.check(messages, await send({ text: '   ' }), 400);
    await api.check(messages, await send({ text: 'hi', token: bobToken }), 404);
    const detail = (await api.check('GET /api/sessions/{id}', await call(base), 200)) as {
      messages: { parts: { type: string }[] }[];
    };
    const partTypes = new Set(detail.messages.flatMap((message) => message.parts.map((part) => part.type)));
    for (const type of ['text', 'file', 'tool-write_file', 'step-start', 'data-error']) {
      expect(partTypes).toContain(type);
    }
    await api.check('GET /api/sessions/{id}', await call(`${base}?limit=abc`), 400);
    await api.check('GET /api/sessions/{id}', await call('/api/sessions/no-such-session'), 404);

    // Workspace.
    const workspace = 'GET /api/sessions/{id}/workspace';
    await api.check(workspace, await call(`${base}/workspace`), 200);
    await api.check(workspace, await call(`${base}/workspace`, { token: bobToken }), 404);
    const workspaceFile = 'GET /api/sessions/{id}/workspace/{path}';
    await api.check(workspaceFile, await call(`${base}/workspace/notes.txt`), 200);
    await api.check(workspaceFile, await call(`${base}/workspace/%2E%2E%2Fescape`), 400);
    await api.check(workspaceFile, await call(`${base}/workspace/missing.txt`), 404);

    // A running turn: a waiting message, a refused attachment, a resumed stream, a cancel.
    const running = await send({ text: 'slow answer please' });
    api.checkHead(messages, running, 200);
    const waiting = await send({ text: 'while it runs' });
    api.checkHead(messages, waiting, 200);
    await api.check(messages, await send({ text: 'steered in', delivery: 'steer' }), 202);
    await api.check(messages, await send({ text: 'with a file', fileIds: [fileId] }), 409);
    const stream = 'GET /api/sessions/{id}/stream';
    const resumed = await call(`${base}/stream`);
    api.checkHead(stream, resumed, 200);
    await resumed.body?.cancel();
    await api.check(stream, await call(`${base}/stream`, { headers: { 'last-event-id': 'x' } }), 400);
    const cancel = (token = aliceToken) => call(`${base}/cancel`, { method: 'POST', token });
    await api.check('POST /api/sessions/{id}/cancel', await cancel(), 200);
    await running.text();
    await waiting.text();
    await api.check(stream, await call(`${base}/stream`), 204);
    await api.check(stream, await call('/api/sessions/no-such-session/stream'), 404);
    await api.check('POST /api/sessions/{id}/cancel', await cancel(), 200);
    await api.check('POST /api/sessions/{id}/cancel', await cancel(bobToken), 404);

    // Usage and the unauthenticated routes.
    await api.check('GET /api/usage', await call('/api/usage'), 200);
    await api.check('GET /api/usage', await server.api('/api/usage'), 401);
    await api.check('GET /healthz', await server.api('/healthz'), 200);
    await api.check('GET /readyz', await server.api('/readyz'), 200);
    await api.check('GET /metrics', await server.api('/metrics'), 200);

    await api.check('DELETE /api/sessions/{id}', await call(base, { method: 'DELETE' }), 204);
    await api.check('DELETE /api/sessions/{id}', await call(base, { method: 'DELETE' }), 404);

    // The events the open tab received match the document's SessionEvent.
    await events.waitFor((event) => event.type === 'session-deleted' && event.id === sessionId);
    const sessionEvent = api.component('SessionEvent');
    for (const { event } of events.received) {
      expect(sessionEvent(event), JSON.stringify(sessionEvent.errors)).toBe(true);
    }
    events.close();

    expect([...api.exercised].sort()).toEqual(api.operations().sort());
  });
});
