import { afterEach, describe, expect, test } from 'vitest';
import { isAgentCall, isSummaryCall } from '../support/chat-rules.ts';
import { promptTooLong, scriptedBrain, textReply } from '../support/fake-model/index.ts';
import {
  createSession,
  type Provider,
  sendMessage,
  startTestServer,
  type TestServer,
} from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const summaryText = 'EARLY-TALK-SUMMARY';
const summaryLine = `[Summary of the earlier conversation]\n${summaryText}`;

/**
 * A runtime without a transcript (the baseline) sends its history whole. Once a conversation has
 * been summarised, later turns start from the stored summary instead of overflowing and paying
 * for the same summary again.
 */
describe.each(['anthropic', 'openai-compatible'] as const)(
  'stored context summaries (%s)',
  (provider: Provider) => {
    let server: TestServer;
    afterEach(async () => server?.close());

    async function send(sessionId: string, text: string) {
      const { errors, message } = await parseUIStream((await sendMessage(server, { sessionId, text })).body!);
      expect(errors).toEqual([]);
      return message;
    }

    const mainCalls = () => server.fake.requests.filter(isAgentCall);
    const summaryCalls = () => server.fake.requests.filter(isSummaryCall);

    test('a later turn starts from the stored summary: one model call, the summarised rows left out', async () => {
      server = await startTestServer({
        provider,
        brain: scriptedBrain([
          { when: isSummaryCall, reply: textReply(summaryText) },
          // From the third message on, a main call that still carries the oldest words no longer fits.
          {
            when: (request) =>
              request.allText.includes('oldest words') &&
              !/oldest words|second message/.test(request.lastUserText),
            reply: promptTooLong(),
          },
          {
            when: (request) => request.lastUserText.includes('big question'),
            reply: textReply('Big answer.'),
          },
          { when: () => true, reply: textReply('ok') },
        ]),
      });
      const sessionId = await createSession(server);
      await send(sessionId, 'oldest words');
      await send(sessionId, 'second message');
      const compacted = await send(sessionId, 'big question');
      expect(compacted?.parts.some((part) => part.type === 'tool-context_compaction')).toBe(true);
      expect(summaryCalls()).toHaveLength(1);

      // The summary is stored, so it outlives the process.
      await server.restart();
      server.fake.reset();
      const later = await send(sessionId, 'later question');
      expect(later?.parts.some((part) => part.type === 'tool-context_compaction')).toBe(false);
      expect(summaryCalls()).toHaveLength(0);
      expect(mainCalls()).toHaveLength(1);
      const sent = mainCalls()[0]!;
      expect(sent.allText).toContain(summaryLine);
      expect(sent.allText).not.toContain('oldest words');
      for (const kept of ['second message', 'big question', 'Big answer.', 'later question'])
        expect(sent.allText).toContain(kept);

      // What people see is unchanged: every message is still there.
      const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
      expect(JSON.stringify(detail.messages)).toContain('oldest words');
      expect(JSON.stringify(detail.messages)).not.toContain(summaryText);
    });

    test('a history over the budget is summarised before the first call, not after an overflow', async () => {
      server = await startTestServer({
        provider,
        env: { AUTOPILOT_CONTEXT_BUDGET_TOKENS: '1000' },
        brain: scriptedBrain([
          { when: isSummaryCall, reply: textReply(summaryText) },
          { when: () => true, reply: textReply('ok') },
        ]),
      });
      const sessionId = await createSession(server);
      // About 1,500 tokens by the engine's estimate: alone it is the last exchange, so it is kept.
      await send(sessionId, `oldest words ${'lorem ipsum '.repeat(500)}`);
      expect(summaryCalls()).toHaveLength(0);
      await send(sessionId, 'second message');
      expect(summaryCalls()).toHaveLength(0);

      server.fake.reset();
      const third = await send(sessionId, 'third question');
      expect(summaryCalls()).toHaveLength(1);
      expect(mainCalls()).toHaveLength(1);
      expect(mainCalls()[0]!.allText).toContain(summaryLine);
      expect(mainCalls()[0]!.allText).not.toContain('oldest words');
      expect(third?.parts.find((part) => part.type === 'tool-context_compaction')).toMatchObject({
        state: 'output-available',
        output: { summary: expect.stringContaining('summarized') },
      });

      // Back under the budget: the next turn neither summarises nor sends the oldest words.
      server.fake.reset();
      await send(sessionId, 'fourth question');
      expect(summaryCalls()).toHaveLength(0);
      expect(mainCalls()[0]!.allText).toContain(summaryLine);
      expect(mainCalls()[0]!.allText).not.toContain('oldest words');
    });
  },
);

describe('context on the claude runtime', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('a runtime with a transcript manages its own context: nothing is summarised before the first call', async () => {
    server = await startTestServer({
      runtime: 'claude',
      env: { AUTOPILOT_CONTEXT_BUDGET_TOKENS: '1000' },
      brain: scriptedBrain([
        { when: isSummaryCall, reply: textReply(summaryText) },
        { when: () => true, reply: textReply('ok') },
      ]),
    });
    const sessionId = await createSession(server);
    for (const text of [`oldest words ${'lorem ipsum '.repeat(500)}`, 'second message', 'third question']) {
      const { errors } = await parseUIStream((await sendMessage(server, { sessionId, text })).body!);
      expect(errors).toEqual([]);
    }
    expect(server.fake.requests.filter(isSummaryCall)).toHaveLength(0);
  });
});
