import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureWebBuild } from '../../scripts/build-web.ts';
import { scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { type RawResponse, rawRequest } from '../support/raw-request.ts';
import { createSession, startTestServer, type TestServer } from '../support/test-server.ts';

/** A web page is an attacker: local mode (no tokens) must not be drivable by one (SPEC §2, Auth). */
describe('local mode resists web pages', () => {
  let server: TestServer;
  let sessionId: string;
  let port: string;

  beforeAll(async () => {
    // The page itself is among what must keep working, so it must exist before the server reads it.
    await ensureWebBuild();
    server = await startTestServer({ brain: scriptedBrain([], () => textReply('ok')) });
    sessionId = await createSession(server);
    port = new URL(server.url).port;
  });
  afterAll(async () => server?.close());

  const send = (options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Uint8Array;
  }) => rawRequest({ url: server.url, ...options });

  function expectRefused(response: RawResponse, status: number, code: string): void {
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body).error.code).toBe(code);
  }

  /** What a user would see changed: sessions, messages and stored files. */
  async function storedState() {
    const sessions = await (await server.api('/api/sessions')).json();
    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    const files = await readdir(join(server.dataDir, 'files')).catch(() => []);
    return { sessions: sessions.sessions.length, messages: detail.messages.length, files: files.length };
  }

  const json = { 'content-type': 'application/json' };
  const post = (path: string, headers: Record<string, string>, body: string) =>
    send({ method: 'POST', path, headers, body });

  test('a foreign Host (DNS rebinding) is refused on every route but /healthz', async () => {
    const before = await storedState();
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      `127.0.0.1:${Number(port) + 1}`,
      '127.0.0.1',
    ]) {
      expectRefused(await send({ path: '/api/sessions', headers: { host } }), 403, 'forbidden');
      expectRefused(await send({ path: '/metrics', headers: { host } }), 403, 'forbidden');
      expectRefused(await post('/api/sessions', { host, ...json }, '{}'), 403, 'forbidden');
      expectRefused(
        await post(`/api/sessions/${sessionId}/messages`, { host, ...json }, '{"text":"hi"}'),
        403,
        'forbidden',
      );
      expect((await send({ path: '/healthz', headers: { host } })).status).toBe(200);
    }
    expect(await storedState()).toEqual(before);
  });

  test('a foreign Origin (a cross-site script or form) is refused', async () => {
    const before = await storedState();
    for (const origin of [
      'http://evil.example',
      `http://evil.example:${port}`,
      'null',
      `https://127.0.0.1:${port}`,
    ]) {
      expectRefused(await post('/api/sessions', { origin, ...json }, '{}'), 403, 'forbidden');
      expectRefused(
        await post(`/api/sessions/${sessionId}/messages`, { origin, ...json }, '{"text":"hi"}'),
        403,
        'forbidden',
      );
      expectRefused(await send({ path: '/api/sessions', headers: { origin } }), 403, 'forbidden');
      expectRefused(
        await send({ method: 'DELETE', path: `/api/sessions/${sessionId}`, headers: { origin } }),
        403,
        'forbidden',
      );
    }
    // A browser that sends no Origin still marks a cross-site request.
    expectRefused(
      await post('/api/sessions', { 'sec-fetch-site': 'cross-site', ...json }, '{}'),
      403,
      'forbidden',
    );
    expect(await storedState()).toEqual(before);
  });

  test('a JSON body sent as text/plain (no preflight needed) is 415 and stores nothing', async () => {
    const before = await storedState();
    for (const contentType of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'text/plain; charset=utf-8',
    ]) {
      const headers = { 'content-type': contentType };
      expectRefused(
        await post(`/api/sessions/${sessionId}/messages`, headers, '{"text":"hi"}'),
        415,
        'unsupported_media_type',
      );
      expectRefused(await post('/api/sessions', headers, '{"title":"x"}'), 415, 'unsupported_media_type');
    }
    expectRefused(await post('/api/sessions', {}, '{"title":"x"}'), 415, 'unsupported_media_type');
    expect(await storedState()).toEqual(before);
  });

  test('a cross-site multipart upload is refused and stores nothing', async () => {
    const before = await storedState();
    const boundary = 'xyzzy';
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="evil.txt"',
      'Content-Type: text/plain',
      '',
      'planted',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const response = await post(
      '/api/files',
      { origin: 'http://evil.example', 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    );
    expectRefused(response, 403, 'forbidden');
    expect(await storedState()).toEqual(before);
  });

  test('the server’s own origin, by address or as localhost, and clients without Origin keep working', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const created = await post(
        '/api/sessions',
        { host, origin: `http://${host.toLowerCase()}`, ...json },
        '{}',
      );
      expect(created.status).toBe(201);
      const sameSite = await post(
        '/api/sessions',
        { host, 'sec-fetch-site': 'same-origin', ...json },
        '{"title":"t"}',
      );
      expect(sameSite.status).toBe(201);
    }
    expect((await post(`/api/sessions/${sessionId}/cancel`, {}, '')).status).toBe(200);
    expect((await send({ path: '/', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
  });
});

describe('with tokens the server may sit behind a proxy under any name', () => {
  test('Host and Origin are not checked; the token is', async () => {
    const server = await startTestServer({ env: { AUTOPILOT_API_TOKENS: 'alice:alice-token-0123456789' } });
    try {
      const response = await rawRequest({
        url: server.url,
        method: 'POST',
        path: '/api/sessions',
        headers: {
          host: 'autopilot.example.com',
          origin: 'https://autopilot.example.com',
          authorization: 'Bearer alice-token-0123456789',
          'content-type': 'application/json',
        },
        body: '{}',
      });
      expect(response.status).toBe(201);
    } finally {
      await server.close();
    }
  });
});
