import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { cliPids } from '../support/child-processes.ts';
import { type FakeRequest, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { slowTool } from '../support/slow-tool.ts';
import { framesToBody, readFrames } from '../support/sse-capture.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const words = Array.from({ length: 30 }, (_, index) => `word${index}`).join(' ');
const streamingBrain = scriptedBrain([
  {
    when: (request) => request.toolResults.length > 0,
    reply: { kind: 'message', blocks: [{ type: 'text', text: words }], chunkDelayMs: 3 },
  },
  {
    when: () => true,
    reply: (request) =>
      toolReply({
        name: 'write_file',
        input: { path: 'note.txt', content: request.lastUserText },
        text: 'Writing a note.',
      }),
  },
]);

function withoutStreamState(message: { id: string; role: string; parts: unknown[] }) {
  return { id: message.id, role: message.role, parts: message.parts };
}

describe('detached turns', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ brain: streamingBrain });
  });
  afterAll(async () => server?.close());

  test('a client that disconnects after any number of events loses nothing (50 trials)', async () => {
    for (let trial = 0; trial < 50; trial++) {
      const sessionId = await createSession(server);
      const cut = 1 + Math.floor(Math.random() * 12);
      const first = await readFrames({
        response: await sendMessage(server, { sessionId, text: `trial ${trial}` }),
        maxEvents: cut,
      });
      expect(first.frames).toHaveLength(cut);

      const [replay, rest] = await Promise.all([
        server.api(`/api/sessions/${sessionId}/stream`),
        server.api(`/api/sessions/${sessionId}/stream`, { headers: { 'last-event-id': String(cut) } }),
      ]);
      const replayed = await readFrames({ response: replay });
      const continued = await readFrames({ response: rest });
      expect(replayed.done).toBe(true);
      expect(continued.done).toBe(true);
      expect(replayed.frames.slice(0, cut)).toEqual(first.frames);
      expect([...first.frames, ...continued.frames]).toEqual(replayed.frames);
      expect(continued.frames[0]?.id).toBe(cut + 1);

      const { message, errors } = await parseUIStream(framesToBody(replayed.frames));
      expect(errors).toEqual([]);
      const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
      expect(detail.activeTurn).toBeNull();
      expect(withoutStreamState(detail.messages.at(-1))).toEqual(withoutStreamState(message!));
    }
  }, 120_000);

  test('five concurrent subscribers receive identical event sequences', async () => {
    const sessionId = await createSession(server);
    const post = await sendMessage(server, { sessionId, text: 'many viewers' });
    const viewers = await Promise.all(
      Array.from({ length: 5 }, () => server.api(`/api/sessions/${sessionId}/stream`)),
    );
    const poster = await readFrames({ response: post });
    const seen = await Promise.all(viewers.map((response) => readFrames({ response })));
    for (const viewer of seen) expect(viewer.frames).toEqual(poster.frames);
    expect(poster.done).toBe(true);
  });

  test('GET /stream answers 204 when no turn is active', async () => {
    const sessionId = await createSession(server);
    expect((await server.api(`/api/sessions/${sessionId}/stream`)).status).toBe(204);
  });

  test('two senders at the same moment: each gets the stream of the turn that answers it, in order (100 trials)', async () => {
    for (let trial = 0; trial < 100; trial++) {
      const sessionId = await createSession(server);
      const [a, b] = await Promise.all([
        sendMessage(server, { sessionId, text: `first ${trial}` }),
        sendMessage(server, { sessionId, text: `second ${trial}` }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const [streamA, streamB] = await Promise.all([parseUIStream(a.body!), parseUIStream(b.body!)]);
      expect([streamA.errors, streamB.errors]).toEqual([[], []]);
      expect(streamA.message?.id).not.toBe(streamB.message?.id);
      for (const { chunks } of [streamA, streamB]) expect(chunks.at(-1)?.type).toBe('finish');

      const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
      const roles = detail.messages.map((message: { role: string }) => message.role);
      expect(roles).toEqual(['user', 'assistant', 'user', 'assistant']);
      const answerIds = detail.messages
        .filter((message: { role: string }) => message.role === 'assistant')
        .map((message: { id: string }) => message.id);
      expect(answerIds.sort()).toEqual([streamA.message?.id, streamB.message?.id].sort());
      const userTexts = detail.messages
        .filter((message: { role: string }) => message.role === 'user')
        .map((message: { parts: { text: string }[] }) => message.parts[0]?.text);
      expect(userTexts.sort()).toEqual([`first ${trial}`, `second ${trial}`]);
    }
  }, 120_000);

  test('more than 10 waiting messages are refused with 429 and Retry-After', async () => {
    const slow = scriptedBrain([
      {
        when: () => true,
        reply: { kind: 'message', blocks: [{ type: 'text', text: words }], chunkDelayMs: 40 },
      },
    ]);
    server.fake.setBrain(slow);
    try {
      const sessionId = await createSession(server);
      const running = await sendMessage(server, { sessionId, text: 'long answer' });
      expect(running.status).toBe(200);
      for (let index = 0; index < 10; index++) {
        const waiting = await sendMessage(server, { sessionId, text: `follow-up ${index}` });
        expect(waiting.status).toBe(200);
        await waiting.body?.cancel();
      }
      const refused = await sendMessage(server, { sessionId, text: 'one too many' });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBeTruthy();
      expect((await refused.json()).error.code).toBe('queue_full');
      await server.api(`/api/sessions/${sessionId}/cancel`, { method: 'POST' });
      await readFrames({ response: running });
    } finally {
      server.fake.setBrain(streamingBrain);
    }
  });
});

const isMainCall = (request: FakeRequest) => !request.system.includes('Generate a very short title');

describe.each(['baseline', 'claude'] as const)('stop and follow-ups on the %s runtime', (runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  async function waitForTool(sessionId: string, name: string): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
      if (JSON.stringify(detail.messages).includes(`tool-${name}`)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`the tool ${name} never started`);
  }

  test('cancel mid-tool stops within 2 s, leaves no CLI process, and every subscriber gets the end', async () => {
    server = await startTestServer({
      runtime,
      extraTools: () => [slowTool],
      env: { AUTOPILOT_MAX_LIVE_PROCESSES: '0' },
      brain: scriptedBrain([
        { when: (request) => request.toolResults.length > 0, reply: textReply('done') },
        { when: isMainCall, reply: toolReply({ name: 'slow_tool', input: { ms: 30_000 } }) },
      ]),
    });
    const sessionId = await createSession(server);
    const post = await sendMessage(server, { sessionId, text: 'slow work' });
    await waitForTool(sessionId, 'slow_tool');
    const viewer = await server.api(`/api/sessions/${sessionId}/stream`);
    const started = Date.now();
    const cancel = await server.api(`/api/sessions/${sessionId}/cancel`, { method: 'POST' });
    expect(await cancel.json()).toEqual({ cancelled: true, unsent: [] });
    expect(Date.now() - started).toBeLessThan(2_000);
    for (const response of [post, viewer]) {
      const { chunks } = await parseUIStream(response.body!);
      expect(chunks).toContainEqual(
        expect.objectContaining({ type: 'data-system', data: { message: 'Execution stopped by user' } }),
      );
      expect(chunks.some((chunk) => chunk.type === 'error')).toBe(false);
      expect(chunks.at(-1)?.type).toBe('finish');
    }
    expect(await cliPids()).toEqual([]);
    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.messages.at(-1).parts.at(-1)).toEqual({
      type: 'data-system',
      data: { message: 'Execution stopped by user' },
    });
    expect(
      (await (await server.api(`/api/sessions/${sessionId}/cancel`, { method: 'POST' })).json()).cancelled,
    ).toBe(false);
  });

  test('a steered message goes into the running turn at the next tool boundary (claude), or waits for the next turn (baseline)', async () => {
    server = await startTestServer({
      runtime,
      extraTools: () => [slowTool],
      brain: scriptedBrain([
        {
          when: (request) =>
            request.allText.includes('ALSO-CHECK-THIS') && request.lastUserText.includes('ALSO-CHECK-THIS'),
          reply: textReply('Answering the follow-up in a new turn.'),
        },
        {
          when: (request) => request.toolResults.length > 0 && request.allText.includes('ALSO-CHECK-THIS'),
          reply: textReply('Saw the follow-up within the turn.'),
        },
        { when: (request) => request.toolResults.length > 0, reply: textReply('Tool finished.') },
        { when: isMainCall, reply: toolReply({ name: 'slow_tool', input: { ms: 1_500 } }) },
      ]),
    });
    const sessionId = await createSession(server);
    const post = await sendMessage(server, { sessionId, text: 'start working' });
    await waitForTool(sessionId, 'slow_tool');
    const followUp = await sendMessage(server, {
      sessionId,
      text: 'ALSO-CHECK-THIS please',
      messageId: 'steer-1',
      delivery: 'steer',
    });
    expect(followUp.status).toBe(202);
    expect(await followUp.json()).toEqual({ queued: true, messageId: 'steer-1' });
    const first = await parseUIStream(post.body!);
    expect(first.errors).toEqual([]);

    let detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    for (let wait = 0; wait < 200 && (detail.activeTurn || detail.waiting.length > 0); wait++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    }
    const text = JSON.stringify(detail.messages);
    expect(text.split('ALSO-CHECK-THIS please')).toHaveLength(2);
    if (runtime === 'claude') {
      const followUpPart = {
        type: 'data-follow-up',
        data: { messageId: 'steer-1', text: 'ALSO-CHECK-THIS please' },
      };
      expect(first.chunks).toContainEqual(followUpPart);
      expect(first.message?.parts).toContainEqual(followUpPart);
      expect(detail.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
      expect(withoutStreamState(detail.messages[1])).toEqual(withoutStreamState(first.message!));
      expect(text).toContain('Saw the follow-up within the turn.');
      const afterTool = server.fake.requests.find(
        (request) => request.toolResults.length > 0 && isMainCall(request),
      );
      expect(afterTool?.allText).toContain('ALSO-CHECK-THIS please');
    } else {
      expect(first.chunks.some((chunk) => chunk.type === 'data-follow-up')).toBe(false);
      expect(
        detail.messages.map((message: { role: string; id: string }) => [
          message.role,
          message.role === 'user' ? message.id : '',
        ]),
      ).toEqual([
        ['user', expect.any(String)],
        ['assistant', ''],
        ['user', 'steer-1'],
        ['assistant', ''],
      ]);
      expect(text).toContain('Answering the follow-up in a new turn.');
    }
  });
});
