import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createWebFetch } from '../../src/tools/web-fetch.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const hits: string[] = [];
let pageServer: Server;
let pageUrl = '';

beforeAll(async () => {
  pageServer = createServer((request, response) => {
    hits.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(
      '<html><head><title>Tides</title></head><body><article><h2>Why tides happen</h2>' +
        '<p>The Moon pulls the oceans toward it, and the Earth turns underneath the bulge. ' +
        'That is why most coasts see two high tides a day, about 12 hours and 25 minutes apart.</p>' +
        '</article></body></html>',
    );
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', () => resolve()));
  pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/tides`;
});
afterAll(async () => new Promise((resolve) => pageServer.close(resolve)));

const brain = scriptedBrain([
  {
    when: (request) => request.toolResults.length > 0,
    reply: (request) => textReply(`Read: ${request.toolResults.map((result) => result.content).join(' ')}`),
  },
  {
    when: (request) => request.lastUserText.startsWith('fetch '),
    reply: (request) =>
      toolReply({ name: 'web_fetch', input: { url: request.lastUserText.slice(6).trim() } }),
  },
]);

describe.each(['baseline', 'claude'] as const)('web_fetch on the %s runtime', (runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('the model reads a page as Markdown (through the test-only allowance for its server)', async () => {
    const { port } = pageServer.address() as AddressInfo;
    server = await startTestServer({
      runtime,
      brain,
      env: { AUTOPILOT_WEB_FETCH: 'off' },
      extraTools: () => [
        createWebFetch({
          maxBytes: 100_000,
          timeoutMs: 10_000,
          testAllowance: { address: '127.0.0.1', port },
        }).tool,
      ],
    });
    const sessionId = await createSession(server);
    const { message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: `fetch ${pageUrl}` })).body!,
    );
    expect(errors).toEqual([]);
    expect(message?.parts.find((part) => part.type === 'tool-web_fetch')).toMatchObject({
      state: 'output-available',
      output: { title: 'Tides', content: expect.stringContaining('## Why tides happen') },
    });
    const last = message?.parts.at(-1);
    expect(last?.type === 'text' ? last.text : '').toContain('two high tides a day');
  });

  test('the configured tool (production settings) refuses the same loopback page; nothing reaches it', async () => {
    hits.length = 0;
    server = await startTestServer({ runtime, brain });
    const sessionId = await createSession(server);
    const { message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: `fetch ${pageUrl}` })).body!,
    );
    expect(errors).toEqual([]);
    expect(message?.parts.find((part) => part.type === 'tool-web_fetch')).toMatchObject({
      state: 'output-error',
      errorText: expect.stringContaining('loopback'),
    });
    expect(hits).toEqual([]);
  });
});
