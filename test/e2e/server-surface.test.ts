import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { startAutopilot } from '../../src/main.ts';
import { createLogger } from '../../src/util/logger.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';

describe('server surface', () => {
  let server: TestServer | undefined;
  afterEach(async () => server?.close());

  test('refuses to listen on a non-loopback address without auth, and says why', async () => {
    const config = loadConfig(
      { AUTOPILOT_LOG_LEVEL: 'silent' },
      { host: '0.0.0.0', port: 0, dataDir: '/tmp/autopilot-never' },
    );
    await expect(startAutopilot({ config, logger: createLogger({ level: 'silent' }) })).rejects.toThrow(
      /without authentication[\s\S]*AUTOPILOT_API_TOKENS/,
    );
  });

  test('idle streams carry heartbeat comments', async () => {
    server = await startTestServer({
      env: { AUTOPILOT_HEARTBEAT_MS: '50' },
      brain: scriptedBrain([
        {
          when: () => true,
          reply: { kind: 'message', blocks: [{ type: 'text', text: 'slow words here' }], chunkDelayMs: 150 },
        },
      ]),
    });
    const sessionId = await createSession(server);
    const text = await (await sendMessage(server, { sessionId, text: 'hi' })).text();
    expect(text).toContain(': heartbeat\n\n');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
    expect(ids).toEqual(ids.map((_, index) => index + 1));
  });

  test('serves an OpenAPI 3.1 document of the API', async () => {
    server = await startTestServer({});
    const document = await (await server.api('/api/openapi.json')).json();
    expect(document.openapi).toBe('3.1.0');
    for (const path of [
      '/api/sessions',
      '/api/sessions/{id}',
      '/api/sessions/{id}/messages',
      '/api/sessions/{id}/stream',
      '/api/sessions/{id}/cancel',
      '/api/files',
      '/api/files/{id}',
    ]) {
      expect(document.paths[path]).toBeDefined();
    }
    expect((await server.api('/healthz')).status).toBe(200);
    expect((await server.api('/readyz')).status).toBe(200);
  });

  test('sessions list newest first and can be renamed and deleted', async () => {
    server = await startTestServer({});
    const first = await createSession(server);
    // Timestamps have millisecond precision: make the order unambiguous.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await createSession(server);
    const list = await (await server.api('/api/sessions')).json();
    expect(list.sessions.map((session: { id: string }) => session.id)).toEqual([second, first]);
    const renamed = await server.api(`/api/sessions/${first}`, {
      method: 'PATCH',
      json: { title: 'Renamed' },
    });
    expect((await renamed.json()).title).toBe('Renamed');
    expect((await server.api(`/api/sessions/${first}`, { method: 'DELETE' })).status).toBe(204);
    expect((await server.api(`/api/sessions/${first}`)).status).toBe(404);
  });

  test('GET /api/usage reports what the caller used today and this week', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        { when: () => true, reply: textReply('ok', { inputTokens: 40, outputTokens: 7 }) },
      ]),
    });
    const before = await (await server.api('/api/usage')).json();
    expect(before.today.inputTokens).toBe(0);
    const sessionId = await createSession(server);
    const response = await sendMessage(server, { sessionId, text: 'count me' });
    await response.text();
    const after = await (await server.api('/api/usage')).json();
    expect(after.today).toMatchObject({ inputTokens: 40, outputTokens: 7 });
    expect(after.week.inputTokens).toBeGreaterThanOrEqual(40);
    expect(after.limits).toEqual({ dailyUsd: null, weeklyUsd: null });
  });

  test('GET /metrics reports turns, their duration, tokens, errors and tool calls in the Prometheus format', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        {
          when: (request) => request.toolResults.length > 0,
          reply: textReply('Done.', { inputTokens: 30, outputTokens: 5 }),
        },
        { when: () => true, reply: toolReply({ name: 'list_files', input: {} }) },
      ]),
    });
    const sessionId = await createSession(server);
    await (await sendMessage(server, { sessionId, text: 'list' })).text();
    const response = await server.api('/metrics');
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('autopilot_active_turns 0');
    expect(text).toContain('autopilot_turns_total{status="completed"} 1');
    expect(text).toContain('autopilot_turn_duration_seconds_count 1');
    expect(text).toMatch(/autopilot_turn_duration_seconds_bucket\{le="\+Inf"\} 1/);
    expect(text).toContain('autopilot_tool_calls_total{tool="list_files"} 1');
    expect(text).toMatch(/autopilot_tokens_total\{kind="output"\} \d+/);
  });
});
