import { isSummaryCall, isTitleCall } from '../test/support/chat-rules.ts';
import { promptTooLong, scriptedBrain, textReply } from '../test/support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer } from '../test/support/test-server.ts';
import { parseUIStream } from '../test/support/ui-stream.ts';
import type { BenchGroup } from './bench-group.ts';
import { toMarkdownTable } from './markdown-table.ts';

/** The fake model's context, in characters of the request's text: small, so a bench chat outgrows it soon. */
const windowChars = 40_000;
const turns = 40;
const userChars = 2_000;
const answerChars = 1_000;
const summaryChars = 400;

const description = `One conversation of ${turns} messages on the baseline runtime (no transcript), in one process
with the real server and SQLite. Each message carries ${userChars.toLocaleString('en-US')} characters and
each answer ${answerChars.toLocaleString('en-US')}; the fake model refuses, as "prompt is too long", any
request whose text passes ${windowChars.toLocaleString('en-US')} characters, and answers a summary call with
${summaryChars} characters. The run counts what reached the model: the agent's calls (refused ones
included), the summary calls, and the characters of every request's text. Two settings: the engine's
budget above the model's window (the default, 140,000 tokens: only a refusal starts a compaction) and
below it (8,000 tokens, about 32,000 characters by the engine's estimate of 4 characters a token).`;

interface LongChatResult {
  setting: string;
  failedTurns: number;
  agentCalls: number;
  refused: number;
  summaries: number;
  charsSent: number;
}

async function runLongChat(options: { setting: string; budgetTokens?: number }): Promise<LongChatResult> {
  const server = await startTestServer({
    env: options.budgetTokens ? { AUTOPILOT_CONTEXT_BUDGET_TOKENS: String(options.budgetTokens) } : {},
    brain: scriptedBrain([
      { when: isTitleCall, reply: textReply('A long chat') },
      { when: isSummaryCall, reply: textReply('s'.repeat(summaryChars)) },
      { when: (request) => request.allText.length > windowChars, reply: promptTooLong() },
      { when: () => true, reply: textReply('a'.repeat(answerChars)) },
    ]),
  });
  try {
    const sessionId = await createSession(server);
    let failedTurns = 0;
    for (let turn = 0; turn < turns; turn++) {
      const text = `message ${turn} ${'u'.repeat(userChars)}`;
      const { errors } = await parseUIStream((await sendMessage(server, { sessionId, text })).body!);
      if (errors.length > 0) failedTurns += 1;
    }
    const requests = server.fake.requests.filter((request) => !isTitleCall(request));
    const agentCalls = requests.filter((request) => !isSummaryCall(request));
    return {
      setting: options.setting,
      failedTurns,
      agentCalls: agentCalls.length,
      refused: agentCalls.filter((request) => request.allText.length > windowChars).length,
      summaries: requests.filter(isSummaryCall).length,
      charsSent: requests.reduce((sum, request) => sum + request.allText.length, 0),
    };
  } finally {
    await server.close();
  }
}

export const longChatGroup: BenchGroup = {
  name: 'long-chat',
  title: 'A conversation that outgrows the model',
  description,
  async run() {
    const results = [
      await runLongChat({ setting: 'budget above the window (default)' }),
      await runLongChat({ setting: 'budget below the window (8,000 tokens)', budgetTokens: 8_000 }),
    ];
    return toMarkdownTable({
      header: [
        'setting',
        'turns (failed)',
        'agent calls (refused)',
        'summary calls',
        'characters sent to the model per turn',
      ],
      rows: results.map((result) => [
        result.setting,
        `${turns} (${result.failedTurns})`,
        `${result.agentCalls} (${result.refused})`,
        String(result.summaries),
        Math.round(result.charsSent / turns).toLocaleString('en-US'),
      ]),
    });
  },
};
