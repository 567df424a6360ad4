import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { chat, roleAndText, textOf } from '../support/chat-client.ts';
import {
  errorReply,
  type FakeRequest,
  overloaded,
  scriptedBrain,
  textReply,
  toolReply,
} from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const isMainCall = (request: FakeRequest) => !request.system.includes('Generate a very short title');
const slowly = (text: string) => ({
  kind: 'message' as const,
  blocks: [{ type: 'text' as const, text }],
  chunkDelayMs: 150,
});

async function detailOf(server: TestServer, sessionId: string, query = '') {
  return (await server.api(`/api/sessions/${sessionId}${query}`)).json();
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the condition was never met');
}

describe.each(['baseline', 'claude'] as const)('two clients on one session (%s runtime)', (runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('B sends while A’s turn runs: B’s own stream shows its answer, A’s ends normally, all stored once, in order', async () => {
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        { when: (request) => request.lastUserText === 'second', reply: textReply('Answer to second.') },
        { when: isMainCall, reply: slowly('Answer to first, which takes a while to write.') },
      ]),
    });
    const sessionId = await createSession(server);
    const a = chat({ url: server.url, sessionId, text: 'first', messageId: 'msg-a' });
    await waitFor(
      () => detailOf(server, sessionId),
      (detail) => detail.activeTurn !== null,
    );
    const b = await chat({ url: server.url, sessionId, text: 'second', messageId: 'msg-b' });
    const first = await a;

    expect(b.errors).toEqual([]);
    expect(textOf(b.message)).toBe('Answer to second.');
    expect(b.chunks[0]).toEqual({ type: 'start', messageId: b.message?.id });
    expect(b.chunks).toContainEqual(expect.objectContaining({ type: 'data-status', transient: true }));
    expect(b.chunks.at(-1)?.type).toBe('finish');
    expect(first.errors).toEqual([]);
    expect(textOf(first.message)).toBe('Answer to first, which takes a while to write.');
    expect(first.chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });

    const detail = await detailOf(server, sessionId);
    expect(detail.messages.map(roleAndText)).toEqual([
      ['user', 'first'],
      ['assistant', 'Answer to first, which takes a while to write.'],
      ['user', 'second'],
      ['assistant', 'Answer to second.'],
    ]);
    expect(detail.messages.map((message: { id: string }) => message.id)).toEqual([
      'msg-a',
      first.message?.id,
      'msg-b',
      b.message?.id,
    ]);
    expect(
      server.fake.requests.filter((request) => isMainCall(request) && request.lastUserText === 'second'),
    ).toHaveLength(1);
  }, 60_000);
});

describe.each(['baseline', 'claude'] as const)('history after a reload (%s runtime)', (runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('reload hydration: client message ids and per-turn usage survive GET /api/sessions/:id', async () => {
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        { when: isMainCall, reply: textReply('Counted.', { inputTokens: 11, outputTokens: 7 }) },
      ]),
    });
    const sessionId = await createSession(server);
    const live = await chat({ url: server.url, sessionId, text: 'count me', messageId: 'hydrate-1' });
    const detail = await detailOf(server, sessionId);
    expect(detail.messages[0].id).toBe('hydrate-1');
    const assistant = detail.messages[1];
    expect(assistant.id).toBe(live.message?.id);
    expect(assistant.metadata).toEqual({
      turnId: live.message?.id,
      status: 'completed',
      startedAt: expect.stringMatching(/Z$/),
      durationMs: expect.any(Number),
      usage: expect.objectContaining({ inputTokens: 11, outputTokens: 7 }),
    });
    expect(live.message?.metadata).toMatchObject({
      turnId: assistant.id,
      status: 'completed',
      usage: assistant.metadata.usage,
    });
  });

  test('regenerate after a completed answer: the old answer is gone from history and from what the model sees', async () => {
    let attempt = 0;
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        {
          when: (request) => isMainCall(request) && request.lastUserText === 'tell me',
          reply: () => textReply(`Answer number ${++attempt}.`),
        },
        { when: isMainCall, reply: textReply('Follow-up answered.') },
      ]),
    });
    const sessionId = await createSession(server);
    await chat({ url: server.url, sessionId, text: 'tell me', messageId: 'r1' });
    const again = await chat({ url: server.url, sessionId, regenerate: true });
    expect(textOf(again.message)).toBe('Answer number 2.');
    await chat({ url: server.url, sessionId, text: 'and then?', messageId: 'r2' });
    const detail = await detailOf(server, sessionId);
    expect(detail.messages.map(roleAndText)).toEqual([
      ['user', 'tell me'],
      ['assistant', 'Answer number 2.'],
      ['user', 'and then?'],
      ['assistant', 'Follow-up answered.'],
    ]);
    const last = server.fake.requests.filter(isMainCall).at(-1);
    expect(last?.allText).toContain('Answer number 2.');
    expect(last?.allText).not.toContain('Answer number 1.');
  }, 60_000);
});

describe('the message flow', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('several waiting messages start one turn together, each request streams it, and a retried key is stored once', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        { when: (request) => request.lastUserText.includes('w1'), reply: textReply('Both answered.') },
        { when: isMainCall, reply: slowly('A long first answer.') },
      ]),
    });
    const sessionId = await createSession(server);
    const running = await sendMessage(server, { sessionId, text: 'start', messageId: 'a' });
    const waiting = await Promise.all([
      sendMessage(server, { sessionId, text: 'w1', messageId: 'w1' }),
      sendMessage(server, { sessionId, text: 'w2', messageId: 'w2' }),
    ]);
    const retried = await sendMessage(server, { sessionId, text: 'w2', messageId: 'w2' });
    const during = await detailOf(server, sessionId);
    expect(during.waiting).toEqual([
      { messageId: 'w1', text: 'w1' },
      { messageId: 'w2', text: 'w2' },
    ]);
    const streams = await Promise.all(
      [running, ...waiting, retried].map((response) => parseUIStream(response.body!)),
    );
    for (const stream of streams) expect(stream.errors).toEqual([]);
    const [, w1, w2, again] = streams;
    expect(w1?.message?.id).toBe(w2?.message?.id);
    expect(again?.message?.id).toBe(w1?.message?.id);
    expect(textOf(w1?.message)).toBe('Both answered.');

    const detail = await detailOf(server, sessionId);
    expect(detail.waiting).toEqual([]);
    expect(
      detail.messages.map((message: { id: string; role: string }) =>
        message.role === 'user' ? message.id : message.role,
      ),
    ).toEqual(['a', 'assistant', 'w1', 'w2', 'assistant']);
    const followUpCalls = server.fake.requests.filter(
      (request) => isMainCall(request) && request.allText.includes('w1'),
    );
    expect(followUpCalls).toHaveLength(1);
  });

  test('cancel with two messages waiting returns them in unsent; nothing of them is stored or run', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        { when: isMainCall, reply: slowly('A very long answer that will be stopped before its end.') },
      ]),
    });
    const sessionId = await createSession(server);
    const running = await sendMessage(server, { sessionId, text: 'start' });
    const waiting = [
      await sendMessage(server, { sessionId, text: 'keep this', messageId: 'k1' }),
      await sendMessage(server, { sessionId, text: 'and this', messageId: 'k2' }),
    ];
    const cancel = await server.api(`/api/sessions/${sessionId}/cancel`, { method: 'POST' });
    expect(await cancel.json()).toEqual({
      cancelled: true,
      unsent: [
        { messageId: 'k1', text: 'keep this' },
        { messageId: 'k2', text: 'and this' },
      ],
    });
    for (const response of waiting) {
      const { chunks, errors } = await parseUIStream(response.body!);
      expect(errors).toEqual([]);
      expect(chunks.at(-1)?.type).toBe('finish');
      expect(chunks.some((chunk) => chunk.type === 'text-delta')).toBe(false);
    }
    await parseUIStream(running.body!);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const detail = await detailOf(server, sessionId);
    expect(detail.waiting).toEqual([]);
    expect(JSON.stringify(detail.messages)).not.toMatch(/keep this|and this/);
    expect(server.fake.requests.some((request) => /keep this|and this/.test(request.allText))).toBe(false);
    // The keys are free again: sending one now is a new message.
    const again = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'keep this', messageId: 'k1' })).body!,
    );
    expect(again.errors).toEqual([]);
  });

  test('regenerate after a retryable failure: one user message, the new answer shown, the error marker gone but kept superseded', async () => {
    let failing = true;
    server = await startTestServer({
      brain: scriptedBrain([
        { when: (request) => isMainCall(request) && failing, reply: overloaded() },
        { when: isMainCall, reply: slowly('Recovered answer.') },
      ]),
    });
    const sessionId = await createSession(server);
    const failed = await chat({ url: server.url, sessionId, text: 'please answer', messageId: 'q1' });
    expect(failed.chunks).toContainEqual(
      expect.objectContaining({ type: 'data-error', data: expect.objectContaining({ retryable: true }) }),
    );
    failing = false;

    const regenerating = chat({ url: server.url, sessionId, regenerate: true });
    await waitFor(
      () => detailOf(server, sessionId),
      (detail) => detail.activeTurn !== null,
    );
    const busy = await server.api(`/api/sessions/${sessionId}/messages`, {
      method: 'POST',
      json: { regenerate: true },
    });
    expect(busy.status).toBe(409);
    expect((await busy.json()).error.code).toBe('turn_in_progress');
    const regenerated = await regenerating;
    expect(regenerated.errors).toEqual([]);
    expect(textOf(regenerated.message)).toBe('Recovered answer.');

    const detail = await detailOf(server, sessionId);
    expect(detail.messages.map(roleAndText)).toEqual([
      ['user', 'please answer'],
      ['assistant', 'Recovered answer.'],
    ]);
    expect(detail.messages[0].id).toBe('q1');
    expect(JSON.stringify(detail.messages)).not.toContain('data-error');
    const database = new BetterSqlite3(join(server.dataDir, 'autopilot.db'), { readonly: true });
    try {
      const superseded = database
        .prepare("select role from messages where superseded_by is not null and role = 'marker'")
        .all();
      expect(superseded).toHaveLength(1);
      expect(database.prepare("select count(*) as n from messages where role = 'user'").get()).toEqual({
        n: 1,
      });
    } finally {
      database.close();
    }
  });

  test('with a messageId the same text is never a double submit: a new key after a fast failure runs a new turn', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        {
          when: isMainCall,
          reply: errorReply({ status: 400, errorType: 'invalid_request_error', message: 'no' }),
        },
      ]),
    });
    const sessionId = await createSession(server);
    const first = await chat({ url: server.url, sessionId, text: 'same text', messageId: 'try-1' });
    const second = await chat({ url: server.url, sessionId, text: 'same text', messageId: 'try-2' });
    expect(second.message?.id).not.toBe(first.message?.id);
    const detail = await detailOf(server, sessionId);
    expect(
      detail.messages
        .filter((message: { role: string }) => message.role === 'user')
        .map((message: { id: string }) => message.id),
    ).toEqual(['try-1', 'try-2']);
  });

  test('pages are cut at turn boundaries and nextBefore walks back to the start', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        { when: (request) => request.toolResults.length > 0, reply: textReply('Done.') },
        {
          when: isMainCall,
          reply: (request) =>
            toolReply({
              name: 'write_file',
              input: { path: 'a.txt', content: request.lastUserText },
              text: 'Writing.',
            }),
        },
      ]),
    });
    const sessionId = await createSession(server);
    for (let index = 0; index < 5; index++) {
      await parseUIStream((await sendMessage(server, { sessionId, text: `turn ${index}` })).body!);
    }
    const whole = await detailOf(server, sessionId);
    expect(whole.nextBefore).toBeNull();
    expect(whole.hasMore).toBe(false);

    const pages: { messages: { id: string; role: string }[] }[] = [];
    let query = '?limit=3';
    for (let page = 0; page < 20; page++) {
      const detail = await detailOf(server, sessionId, query);
      pages.unshift(detail);
      expect(detail.messages[0]?.role).toBe('user');
      expect(detail.hasMore).toBe(detail.nextBefore !== null);
      if (detail.nextBefore === null) break;
      query = `?limit=3&before=${detail.nextBefore}`;
    }
    // A turn here is 5 rows, more than the limit: each page is exactly one whole turn.
    expect(pages).toHaveLength(5);
    expect(pages.flatMap((page) => page.messages)).toEqual(whole.messages);
  });
});
