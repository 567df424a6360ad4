import { afterEach, describe, expect, test } from 'vitest';
import type { Usage } from '../../src/protocol/index.ts';
import { type FakeRequest, scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const isTitleCall = (request: FakeRequest) => request.system.includes('Generate a very short title');
const slowReply = {
  kind: 'message' as const,
  blocks: [{ type: 'text' as const, text: 'a slow answer that is stopped before it ends' }],
  chunkDelayMs: 300,
};
const brain = scriptedBrain([
  { when: isTitleCall, reply: textReply('A short title') },
  { when: (request) => request.lastUserText === 'slow', reply: slowReply },
  { when: () => true, reply: textReply('Hello there.') },
]);

describe.each(['baseline', 'claude'] as const)('usage on the %s runtime', (runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  async function sessionUsage(sessionId: string): Promise<Usage> {
    return (await (await server.api(`/api/sessions/${sessionId}`)).json()).usage;
  }

  async function turnUsage(sessionId: string, text: string): Promise<Usage> {
    const { chunks } = await parseUIStream((await sendMessage(server, { sessionId, text })).body!);
    const metadata = chunks.find((chunk) => chunk.type === 'message-metadata');
    return (metadata as { messageMetadata: { usage: Usage } }).messageMetadata.usage;
  }

  async function titleOf(sessionId: string): Promise<string | null> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const { title } = await (await server.api(`/api/sessions/${sessionId}`)).json();
      if (title) return title;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return null;
  }

  test('a known Anthropic model is priced from the table; the title call is charged too', async () => {
    server = await startTestServer({ runtime, brain, env: { AUTOPILOT_MODEL: 'claude-sonnet-4-5' } });
    const sessionId = await createSession(server);
    const turn = await turnUsage(sessionId, 'hi');
    expect(turn).toMatchObject({ costKnown: true });
    expect(turn.inputTokens).toBeGreaterThan(0);
    const expectedCost = (turn.inputTokens * 3 + turn.outputTokens * 15 + turn.cacheReadTokens * 0.3) / 1e6;
    expect(turn.costUsd).toBeCloseTo(expectedCost + (turn.cacheWriteTokens * 3.75) / 1e6, 10);

    expect(await titleOf(sessionId)).toBe('A short title');
    const total = await sessionUsage(sessionId);
    expect(total.inputTokens).toBeGreaterThan(turn.inputTokens);
    expect(total.costUsd).toBeGreaterThan(turn.costUsd);
  });

  test('an unknown model costs 0 and says so', async () => {
    server = await startTestServer({ runtime, brain, env: { AUTOPILOT_MODEL: 'claude-test' } });
    const sessionId = await createSession(server);
    expect(await turnUsage(sessionId, 'hi')).toMatchObject({ costUsd: 0, costKnown: false });
  });

  test('a stopped turn is charged for what it used', async () => {
    server = await startTestServer({ runtime, brain });
    const sessionId = await createSession(server);
    await turnUsage(sessionId, 'hi');
    await titleOf(sessionId);
    const before = await sessionUsage(sessionId);

    const response = await sendMessage(server, { sessionId, text: 'slow' });
    const reader = response.body!.getReader();
    let seen = '';
    while (!seen.includes('text-delta')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    const cancel = await server.api(`/api/sessions/${sessionId}/cancel`, { method: 'POST', json: {} });
    expect(await cancel.json()).toMatchObject({ cancelled: true });
    await reader.cancel();

    const after = await sessionUsage(sessionId);
    expect(after.inputTokens).toBeGreaterThan(before.inputTokens);
    // Its output never got a closing count: it is charged for what streamed ("a slow answer that
    // is " at least, about 6 tokens), not the 1 that message_start carries.
    expect(after.outputTokens - before.outputTokens).toBeGreaterThanOrEqual(5);
  });
});
