import { afterEach, describe, expect, test } from 'vitest';
import { chat, roleAndText, textOf } from '../support/chat-client.ts';
import { type FakeRequest, overloaded, scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';

const isMainCall = (request: FakeRequest) => !request.system.includes('Generate a very short title');

/** A regenerate that names the message it runs again (what useChat's transport and the terminal send). */
describe('a regenerate that names its message', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  const detailOf = async (sessionId: string) => (await server.api(`/api/sessions/${sessionId}`)).json();
  const post = (sessionId: string, json: unknown) =>
    server.api(`/api/sessions/${sessionId}/messages`, { method: 'POST', json });

  /** A server whose model is overloaded until told otherwise, then answers "Recovered.". */
  async function startFailingUntilTold(): Promise<{ failing: boolean }> {
    const model = { failing: true };
    server = await startTestServer({
      brain: scriptedBrain([
        { when: (request) => isMainCall(request) && model.failing, reply: overloaded() },
        { when: isMainCall, reply: textReply('Recovered.') },
      ]),
    });
    return model;
  }

  test('once another client’s message came after it, a retry is refused and runs nothing', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        { when: (request) => isMainCall(request) && request.lastUserText === 'mine', reply: overloaded() },
        { when: isMainCall, reply: textReply('Answer to theirs.') },
      ]),
    });
    const sessionId = await createSession(server);
    const failed = await chat({ url: server.url, sessionId, text: 'mine', messageId: 'k-mine' });
    expect(failed.chunks).toContainEqual(expect.objectContaining({ type: 'data-error' }));
    await chat({ url: server.url, sessionId, text: 'theirs', messageId: 'k-theirs' });
    const before = await detailOf(sessionId);
    const modelCalls = server.fake.requests.filter(isMainCall).length;

    // The first client's "Try again", as useChat's transport sends it, and as the terminal does.
    for (const body of [
      { trigger: 'regenerate-message', messageId: 'k-mine', text: 'mine' },
      { regenerate: true, messageId: 'k-mine' },
    ]) {
      const refused = await post(sessionId, body);
      expect(refused.status).toBe(409);
      expect((await refused.json()).error).toMatchObject({ code: 'message_not_last' });
    }
    expect(await detailOf(sessionId)).toEqual(before);
    expect(before.messages.map(roleAndText)).toEqual([
      ['user', 'mine'],
      ['user', 'theirs'],
      ['assistant', 'Answer to theirs.'],
    ]);
    expect(server.fake.requests.filter(isMainCall)).toHaveLength(modelCalls);
  });

  test('the last message, named by its id, runs again in place', async () => {
    const model = await startFailingUntilTold();
    const sessionId = await createSession(server);
    await chat({ url: server.url, sessionId, text: 'please', messageId: 'k1' });
    model.failing = false;
    const again = await chat({
      url: server.url,
      sessionId,
      text: 'please',
      messageId: 'k1',
      regenerate: true,
    });
    expect(again.errors).toEqual([]);
    expect(textOf(again.message)).toBe('Recovered.');
    const detail = await detailOf(sessionId);
    expect(detail.messages.map(roleAndText)).toEqual([
      ['user', 'please'],
      ['assistant', 'Recovered.'],
    ]);
    expect(detail.messages[0].id).toBe('k1');
  });

  test('a message the session never stored is sent as a new one, and the answer before it stays', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        {
          when: (request) => isMainCall(request) && request.lastUserText === 'first',
          reply: textReply('One.'),
        },
        { when: isMainCall, reply: textReply('Two.') },
      ]),
    });
    const sessionId = await createSession(server);
    await chat({ url: server.url, sessionId, text: 'first', messageId: 'k1' });
    // Its first send never reached the store (a dropped connection): "Try again" regenerates it.
    const resent = await chat({
      url: server.url,
      sessionId,
      text: 'lost on the way',
      messageId: 'k-lost',
      regenerate: true,
    });
    expect(textOf(resent.message)).toBe('Two.');
    const detail = await detailOf(sessionId);
    expect(detail.messages.map(roleAndText)).toEqual([
      ['user', 'first'],
      ['assistant', 'One.'],
      ['user', 'lost on the way'],
      ['assistant', 'Two.'],
    ]);
    expect(detail.messages[2].id).toBe('k-lost');
    expect(server.fake.requests.filter(isMainCall).at(-1)?.lastUserText).toBe('lost on the way');

    // The resend is validated as any message is, and stores nothing when refused.
    const blank = await post(sessionId, { regenerate: true, messageId: 'k-blank', text: 'x'.repeat(64_001) });
    expect(blank.status).toBe(400);
    expect((await detailOf(sessionId)).messages).toHaveLength(4);
  });

  test('a message still running or waiting is answered with its turn, not refused and not stored again', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        {
          when: isMainCall,
          reply: (request) => ({
            kind: 'message',
            blocks: [{ type: 'text', text: `Slow answer to ${request.lastUserText}.` }],
            chunkDelayMs: 150,
          }),
        },
      ]),
    });
    const sessionId = await createSession(server);
    // Their sends' connections dropped: the turns go on, and "Try again" names each message.
    const first = chat({ url: server.url, sessionId, text: 'mine', messageId: 'k-mine' });
    for (let attempt = 0; attempt < 400 && (await detailOf(sessionId)).activeTurn === null; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const second = chat({ url: server.url, sessionId, text: 'later', messageId: 'k-later' });
    for (let attempt = 0; attempt < 400 && (await detailOf(sessionId)).waiting.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const runningTurnId = (await detailOf(sessionId)).activeTurn.id;
    // Named by the message, or by its reply (the turn's id) as useChat may.
    const answers = await Promise.all(
      [
        { text: 'mine', messageId: 'k-mine' },
        { text: 'mine', messageId: runningTurnId },
        { text: 'later', messageId: 'k-later' },
      ].map((message) => chat({ url: server.url, sessionId, ...message, regenerate: true })),
    );
    const [firstAnswer, secondAnswer] = [await first, await second];
    for (const answer of answers.slice(0, 2)) {
      expect(answer?.errors).toEqual([]);
      expect(textOf(answer?.message)).toBe('Slow answer to mine.');
      expect(answer?.message?.id).toBe(firstAnswer.message?.id);
    }
    expect(textOf(answers[2]?.message)).toBe('Slow answer to later.');
    expect(answers[2]?.message?.id).toBe(secondAnswer.message?.id);
    expect((await detailOf(sessionId)).messages.map(roleAndText)).toEqual([
      ['user', 'mine'],
      ['assistant', 'Slow answer to mine.'],
      ['user', 'later'],
      ['assistant', 'Slow answer to later.'],
    ]);
    expect(server.fake.requests.filter(isMainCall)).toHaveLength(2);
  });

  test('another user’s session is not found, whether the message is known or not', async () => {
    const [aliceToken, bobToken] = ['alice-token-0123456789', 'bob-token-0123456789ab'];
    server = await startTestServer({
      brain: scriptedBrain([{ when: isMainCall, reply: textReply('Hi.') }]),
      env: { AUTOPILOT_API_TOKENS: `alice:${aliceToken},bob:${bobToken}` },
    });
    const sessionId = await createSession(server, aliceToken);
    await (
      await sendMessage(server, { sessionId, text: 'hello', messageId: 'k1', token: aliceToken })
    ).text();
    for (const messageId of ['k1', 'k-unknown']) {
      const foreign = await server.api(`/api/sessions/${sessionId}/messages`, {
        method: 'POST',
        json: { regenerate: true, messageId, text: 'hello' },
        token: bobToken,
      });
      expect(foreign.status).toBe(404);
      expect((await foreign.json()).error.code).toBe('not_found');
    }
    const detail = await (await server.api(`/api/sessions/${sessionId}`, { token: aliceToken })).json();
    expect(detail.messages.map(roleAndText)).toEqual([
      ['user', 'hello'],
      ['assistant', 'Hi.'],
    ]);
  });
});
