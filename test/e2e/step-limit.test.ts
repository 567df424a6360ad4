import { afterEach, describe, expect, test } from 'vitest';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const notice = 'Stopped after 3 model calls, the most one turn may make. Send a message to let it go on.';

// A model that never stops asking for a tool, and one that answers in two calls.
const brain = scriptedBrain([
  {
    when: (request) => request.lastUserText === 'keep listing',
    reply: toolReply({ name: 'list_files', input: {}, text: 'Listing again.' }),
  },
  {
    when: (request) => request.lastUserText === 'list once' && request.toolResults.length === 0,
    reply: toolReply({ name: 'list_files', input: {} }),
  },
  { when: () => true, reply: textReply('Nothing there.') },
]);

describe('the step limit on the baseline runtime', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('a turn that reaches it says so, live and after a reload, and still completes', async () => {
    server = await startTestServer({ brain, env: { AUTOPILOT_MAX_STEPS: '3' } });
    const sessionId = await createSession(server);
    const { chunks, message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'keep listing' })).body!,
    );
    expect(errors).toEqual([]);
    expect(message?.parts.filter((part) => part.type === 'tool-list_files')).toHaveLength(3);
    expect(message?.parts.at(-1)).toMatchObject({ type: 'data-system', data: { message: notice } });
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });

    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    const stored = detail.messages.at(-1);
    expect(stored.metadata.status).toBe('completed');
    expect(stored.parts.at(-1)).toEqual({ type: 'data-system', data: { message: notice } });
  });

  test('a turn that ends within it says nothing of it', async () => {
    server = await startTestServer({ brain, env: { AUTOPILOT_MAX_STEPS: '3' } });
    const sessionId = await createSession(server);
    const { message } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'list once' })).body!,
    );
    expect(message?.parts.some((part) => part.type === 'data-system')).toBe(false);
    expect(message?.parts.at(-1)).toMatchObject({ type: 'text', text: 'Nothing there.' });
  });
});
