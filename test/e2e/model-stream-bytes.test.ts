import { afterEach, describe, expect, test } from 'vitest';
import { chat, textOf } from '../support/chat-client.ts';
import type { FakeReply } from '../support/fake-model/index.ts';
import { createSession, startTestServer, type TestServer } from '../support/test-server.ts';

/** Accents, an emoji (four bytes) and CJK: every frame that carries them is cut inside one. */
const reply = 'Voilà: héllo 😀 日本語, façade naïve.';

describe.each(['anthropic', 'openai-compatible'] as const)('model stream bytes (%s)', (provider) => {
  let server: TestServer | undefined;
  afterEach(async () => server?.close());

  test('a character the provider’s stream splits between two reads reaches the reply and the store whole', async () => {
    const splitReply: FakeReply = {
      kind: 'message',
      blocks: [{ type: 'text', text: reply }],
      splitCharacters: true,
    };
    server = await startTestServer({ provider, brain: () => splitReply });
    const sessionId = await createSession(server);

    const { message, errors } = await chat({ url: server.url, sessionId, text: 'say it' });

    expect(errors).toEqual([]);
    expect(textOf(message)).toBe(reply);
    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    const stored = detail.messages.find((candidate: { role: string }) => candidate.role === 'assistant');
    expect(textOf(stored)).toBe(reply);
  });
});
