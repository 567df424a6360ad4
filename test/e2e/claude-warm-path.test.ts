import { afterEach, describe, expect, test } from 'vitest';
import { childPids } from '../support/child-processes.ts';

/** The CLI processes this test started: `claude` itself, or the `bwrap` that confines it. */
const cliPids = async () => [
  ...(await childPids({ nameIncludes: 'claude' })),
  ...(await childPids({ nameIncludes: 'bwrap' })),
];

import { scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const brain = scriptedBrain([
  {
    when: () => true,
    reply: (request) => textReply(`echo ${request.lastUserText}`, { inputTokens: 100, outputTokens: 10 }),
  },
]);

describe('claude runtime processes', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  async function turnUsage(sessionId: string, text: string) {
    const { message, errors } = await parseUIStream((await sendMessage(server, { sessionId, text })).body!);
    expect(errors).toEqual([]);
    const metadata = message?.metadata as
      | { usage: { inputTokens: number; outputTokens: number; costUsd: number } }
      | undefined;
    if (!metadata) throw new Error('the turn sent no usage');
    return metadata.usage;
  }

  test('a conversation keeps one warm CLI process across turns, and usage stays per turn', async () => {
    server = await startTestServer({ runtime: 'claude', brain });
    const sessionId = await createSession(server);
    const first = await turnUsage(sessionId, 'one');
    const afterFirst = await cliPids();
    expect(afterFirst).toHaveLength(1);
    const second = await turnUsage(sessionId, 'two');
    expect(await cliPids()).toEqual(afterFirst);
    expect(first).toMatchObject({ inputTokens: 100, outputTokens: 10 });
    expect(second).toMatchObject({ inputTokens: 100, outputTokens: 10 });
    expect(second.costUsd).toBeCloseTo(first.costUsd, 10);
    // The second call carried the whole conversation without a replayed history block.
    const call = server.fake.requests.findLast((request) => request.lastUserText === 'two');
    expect(call?.allText).toContain('echo one');
    expect(call?.allText).not.toContain('<conversation_history>');

    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.usage).toMatchObject({ inputTokens: 200, outputTokens: 20 });
    await server.api(`/api/sessions/${sessionId}`, { method: 'DELETE' });
    expect(await cliPids()).toEqual([]);
  });

  test('with the warm path off, every turn is a fresh resumed process and usage is still per turn', async () => {
    server = await startTestServer({ runtime: 'claude', brain, env: { AUTOPILOT_MAX_LIVE_PROCESSES: '0' } });
    const sessionId = await createSession(server);
    await turnUsage(sessionId, 'one');
    expect(await cliPids()).toEqual([]);
    const second = await turnUsage(sessionId, 'two');
    expect(second).toMatchObject({ inputTokens: 100, outputTokens: 10 });
    const call = server.fake.requests.findLast((request) => request.lastUserText === 'two');
    expect(call?.allText).toContain('echo one');
    expect(call?.allText).not.toContain('<conversation_history>');
  });

  test('an idle process is ended after the idle timeout, and the next turn resumes in a new one', async () => {
    server = await startTestServer({ runtime: 'claude', brain, env: { AUTOPILOT_PROCESS_IDLE_MS: '1500' } });
    const sessionId = await createSession(server);
    await turnUsage(sessionId, 'one');
    expect(await cliPids()).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await cliPids()).toEqual([]);
    await turnUsage(sessionId, 'two');
    const call = server.fake.requests.findLast((request) => request.lastUserText === 'two');
    expect(call?.allText).toContain('echo one');
  });
});
