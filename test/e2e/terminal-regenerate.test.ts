import { afterEach, expect, test } from 'vitest';
import { ApiClient } from '../../src/cli/api-client.ts';
import { chatLoop } from '../../src/cli/chat-command.ts';
import { showSessionRecap } from '../../src/cli/session-recap.ts';
import { roleAndText } from '../support/chat-client.ts';
import { asks, isTitleCall, titleRule } from '../support/chat-rules.ts';
import { type FakeRequest, overloaded, scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { pressableInterrupts, recordingTerminal } from '../support/recording-terminal.ts';
import {
  createSession,
  sendMessage as post,
  startTestServer,
  type TestServer,
} from '../support/test-server.ts';

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('a failed message offered at the prompt, overtaken by another client’s, runs nothing else and is sent anew', async () => {
  let failing = true;
  // The failed message and theirs reach the model as one user message: nothing answered the first.
  const asksTheirs = (request: FakeRequest) =>
    !isTitleCall(request) && request.lastUserText.endsWith('theirs');
  server = await startTestServer({
    brain: scriptedBrain([
      titleRule,
      { when: asksTheirs, reply: textReply('Answer to theirs.') },
      { when: () => failing, reply: overloaded() },
      { when: asks('mine'), reply: textReply('Answer to mine.') },
    ]),
    env: { AUTOPILOT_MAX_TRANSIENT_RETRIES: '0' },
  });
  const sessionId = await createSession(server);
  await (await post(server, { sessionId, text: 'mine' })).text();
  const options = {
    client: new ApiClient({ url: server.url, token: null }),
    terminal: recordingTerminal(),
    interrupts: pressableInterrupts(),
    sessionId,
  };
  const recap = await showSessionRecap(options);
  expect(recap.failedMessage?.text).toBe('mine');

  const prefills: (string | undefined)[] = [];
  const reader = {
    read: async (readOptions?: { prefill?: string }) => {
      prefills.push(readOptions?.prefill);
      if (prefills.length === 1) {
        // While the prompt offers the failed message, another client sends one, and it is answered.
        failing = false;
        await (await post(server!, { sessionId, text: 'theirs' })).text();
      }
      return prefills.length <= 2 ? 'mine' : null;
    },
    close: () => undefined,
  };
  expect(await chatLoop({ ...options, reader, recap, onSession: () => undefined })).toBe(0);

  // Enter on the offered message was refused, not run as "theirs" again; it came back at the
  // prompt, and the second Enter sent it as a new message.
  expect(prefills).toEqual(['mine', 'mine', undefined]);
  expect(options.terminal.output).toContain('not the last one in this conversation');
  const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
  expect(detail.messages.map(roleAndText)).toEqual([
    ['user', 'mine'],
    ['user', 'theirs'],
    ['assistant', 'Answer to theirs.'],
    ['user', 'mine'],
    ['assistant', 'Answer to mine.'],
  ]);
  expect(server.fake.requests.filter(asksTheirs)).toHaveLength(1);
});
