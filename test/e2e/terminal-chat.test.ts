import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { ApiClient } from '../../src/cli/api-client.ts';
import { chatLoop } from '../../src/cli/chat-command.ts';
import { joinRunningTurn, sendMessage } from '../../src/cli/chat-turn.ts';
import { showSessionRecap } from '../../src/cli/session-recap.ts';
import { asks, titleRule } from '../support/chat-rules.ts';
import { overloaded, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { pressableInterrupts, recordingTerminal } from '../support/recording-terminal.ts';
import { slowTool } from '../support/slow-tool.ts';
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

function chatOptions(sessionId: string, terminal = recordingTerminal()) {
  const interrupts = pressableInterrupts();
  const client = new ApiClient({ url: server!.url, token: null });
  return { client, terminal, interrupts, sessionId };
}

async function detail(sessionId: string) {
  return (await server!.api(`/api/sessions/${sessionId}`)).json();
}

async function waitForTool(sessionId: string, name: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (JSON.stringify((await detail(sessionId)).messages).includes(`tool-${name}`)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the tool ${name} never started`);
}

/** A server whose session has a turn running: it says a line, then waits in a tool for 800 ms. */
async function startSlowTurn() {
  server = await startTestServer({
    extraTools: () => [slowTool],
    brain: scriptedBrain([
      titleRule,
      { when: (request) => request.toolResults.length > 0, reply: textReply('Finished after the wait.') },
      {
        when: asks('slow work'),
        reply: toolReply({ name: 'slow_tool', input: { ms: 800 }, text: 'Starting the slow part.' }),
      },
    ]),
  });
  const sessionId = await createSession(server);
  const started = await post(server, { sessionId, text: 'slow work' });
  await waitForTool(sessionId, 'slow_tool');
  return { sessionId, started };
}

/**
 * A session whose message "first" runs (a slow tool of 800 ms, then FIRST ANSWER.) while "second"
 * waits for it (a slow tool of `secondToolMs`, then SECOND ANSWER.).
 */
async function startFirstWithSecondWaiting(options: { secondToolMs: number; secondDelayMs?: number }) {
  server = await startTestServer({
    extraTools: () => [slowTool],
    brain: scriptedBrain([
      titleRule,
      {
        when: (request) => asks('first')(request) && request.toolResults.length > 0,
        reply: textReply('FIRST ANSWER.'),
      },
      { when: (request) => request.toolResults.length > 0, reply: textReply('SECOND ANSWER.') },
      { when: asks('first'), reply: toolReply({ name: 'slow_tool', input: { ms: 800 } }) },
      {
        when: asks('second'),
        reply: {
          kind: 'message',
          blocks: [{ type: 'tool_use', name: 'slow_tool', input: { ms: options.secondToolMs } }],
          answerDelayMs: options.secondDelayMs ?? 0,
        },
      },
    ]),
  });
  const sessionId = await createSession(server);
  const first = await post(server, { sessionId, text: 'first' });
  await waitForTool(sessionId, 'slow_tool');
  const second = await post(server, { sessionId, text: 'second' });
  return { sessionId, first, second };
}

/** Both exchanges of `startFirstWithSecondWaiting`, each once, in order. */
function expectBothInOrder(output: string): void {
  const order = ['› first', 'FIRST ANSWER.', '› second', 'SECOND ANSWER.'].map((text) =>
    output.indexOf(text),
  );
  expect(order.every((index) => index >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  for (const text of ['FIRST ANSWER.', '› second', 'SECOND ANSWER.'])
    expect(output.split(text)).toHaveLength(2);
}

/** A server whose model is overloaded for the first turn's every attempt, then answers `answer`. */
async function startOverloadedOnce(answer: string): Promise<TestServer> {
  let calls = 0;
  server = await startTestServer({
    brain: scriptedBrain([
      titleRule,
      {
        when: () => true,
        reply: () => {
          calls += 1;
          return calls <= 4 ? overloaded() : textReply(answer);
        },
      },
    ]),
    env: { AUTOPILOT_MAX_TRANSIENT_RETRIES: '3' },
  });
  return server;
}

describe('the terminal chat client', () => {
  test('streams one turn as plain text when the output is not a terminal: text, a tool row, the answer', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        titleRule,
        { when: (request) => request.toolResults.length > 0, reply: textReply('All **written**.') },
        {
          when: asks('write it'),
          reply: toolReply({ name: 'write_file', input: { path: 'a.txt', content: 'hi' }, text: 'Writing.' }),
        },
      ]),
    });
    const sessionId = await createSession(server);
    const options = chatOptions(sessionId);

    const outcome = await sendMessage({ ...options, text: 'write it' });

    expect(outcome).toEqual({
      status: 'completed',
      error: null,
      accepted: true,
      messageId: expect.any(String),
    });
    expect(options.terminal.output).toBe('Writing.\n\n✓ write_file a.txt\n\nAll **written**.\n');
    expect((await detail(sessionId)).messages).toHaveLength(2);
  });

  test('--session joins a running turn and shows it from its start', async () => {
    const { sessionId, started } = await startSlowTurn();
    const options = chatOptions(sessionId);

    const outcome = await joinRunningTurn(options);

    expect(outcome?.status).toBe('completed');
    expect(options.terminal.output).toBe(
      'Starting the slow part.\n\n✓ slow_tool {"ms":800}\n\nFinished after the wait.\n',
    );
    await started.body?.cancel();
    expect(await joinRunningTurn(chatOptions(sessionId))).toBeNull();
  });

  test('--session at the prompt first shows where the conversation stood: the last three exchanges', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        titleRule,
        { when: asks('question 1'), reply: textReply('Answer one.') },
        { when: asks('question 2'), reply: textReply('Answer **two**.') },
        {
          when: (request) => asks('question 3')(request) && request.toolResults.length === 0,
          reply: toolReply({ name: 'write_file', input: { path: 'a.txt', content: 'x' } }),
        },
        {
          when: (request) => asks('question 3')(request) && request.toolResults.length > 0,
          reply: textReply('Answer three, file written.'),
        },
        {
          when: (request) => request.lastUserText.startsWith('question 4'),
          reply: textReply('Answer four.'),
        },
      ]),
    });
    const sessionId = await createSession(server);
    // A message's words are data: an escape sequence in one never reaches the terminal.
    const texts = [
      'question 1',
      'question 2',
      'question 3',
      'question 4\x1b]0;pwned\x07\nl2\nl3\nl4\nl5\nl6\nl7\nl8',
    ];
    for (const text of texts) await (await post(server, { sessionId, text })).text();
    const options = chatOptions(sessionId);
    const reader = { read: async () => null, close: () => undefined };

    await showSessionRecap(options);
    expect(await chatLoop({ ...options, reader, onSession: () => undefined })).toBe(0);

    expect(options.terminal.output).toBe(
      [
        '── A title ──',
        '⋯ earlier messages are not shown',
        '› question 2',
        'Answer **two**.',
        '› question 3',
        '✓ write_file a.txt',
        '',
        'Answer three, file written.',
        '› question 4',
        '  l2',
        '  l3',
        '  l4',
        '  l5',
        '  l6',
        '  ⋯ 2 more lines',
        'Answer four.',
        '──',
        '',
      ].join('\n'),
    );
  });

  test('--session at the prompt while a turn runs recaps its question once and streams its answer once', async () => {
    const { sessionId, started } = await startSlowTurn();
    const options = chatOptions(sessionId);
    const reader = { read: async () => null, close: () => undefined };

    await showSessionRecap(options);
    expect(await chatLoop({ ...options, reader, onSession: () => undefined })).toBe(0);

    expect(options.terminal.output).toMatch(
      /^── (A title )?──\n› slow work\n──\nStarting the slow part\.\n\n✓ slow_tool \{"ms":800\}\n\nFinished after the wait\.\n$/,
    );
    await started.body?.cancel();
  });

  test('a running turn that ends between the recap and the join is shown from the store', async () => {
    const { sessionId, started } = await startSlowTurn();
    const options = chatOptions(sessionId);
    const recap = await showSessionRecap(options);
    // The turn ends before the prompt asks to follow it: its answer is nowhere to stream from.
    await started.text();
    const reader = { read: async () => null, close: () => undefined };

    expect(await chatLoop({ ...options, reader, recap, onSession: () => undefined })).toBe(0);

    expect(recap.runningTurnId).not.toBeNull();
    expect(options.terminal.output.split('Finished after the wait.')).toHaveLength(2);
    expect(options.terminal.output.indexOf('› slow work')).toBeLessThan(
      options.terminal.output.indexOf('Starting the slow part.'),
    );
  });

  test('a running turn that ends before the join while a message waits: its answer first, then the next turn', async () => {
    // The second waits for the running first: its answer streams once that one ends.
    const { sessionId, first, second } = await startFirstWithSecondWaiting({ secondToolMs: 1500 });
    const options = chatOptions(sessionId);
    const recap = await showSessionRecap(options);
    // The first turn ends and the waiting message's turn starts before the prompt joins.
    await first.text();
    await expect.poll(async () => (await detail(sessionId)).activeTurn?.id).not.toBe(recap.runningTurnId);
    const reader = { read: async () => null, close: () => undefined };

    expect(await chatLoop({ ...options, reader, recap, onSession: () => undefined })).toBe(0);

    expectBothInOrder(options.terminal.output);
    await second.body?.cancel();
  });

  test('--session while a turn runs and a message waits: that turn, then the question that waited and its answer', async () => {
    // The second is sent from another client while the first turn runs: it waits for it. Its model
    // answers late, so the client asks for its question before the turn has stored anything.
    const { sessionId, first, second } = await startFirstWithSecondWaiting({
      secondToolMs: 300,
      secondDelayMs: 600,
    });
    const options = chatOptions(sessionId);
    const recap = await showSessionRecap(options);
    const reader = { read: async () => null, close: () => undefined };

    expect(await chatLoop({ ...options, reader, recap, onSession: () => undefined })).toBe(0);

    expectBothInOrder(options.terminal.output);
    await first.body?.cancel();
    await second.body?.cancel();
  });

  test('a recap shows at most the last 60 lines of a long answer', async () => {
    const long = Array.from({ length: 200 }, (_, index) => `line ${index + 1}`).join('\n');
    server = await startTestServer({
      brain: scriptedBrain([titleRule, { when: () => true, reply: textReply(long) }]),
    });
    const sessionId = await createSession(server);
    await (await post(server, { sessionId, text: 'a long one' })).text();
    const options = chatOptions(sessionId);

    await showSessionRecap(options);

    const lines = options.terminal.output.trimEnd().split('\n');
    expect(lines).toHaveLength(63);
    expect(lines[1]).toBe('⋯ earlier messages are not shown');
    expect(lines.at(-2)).toBe('line 200');
    expect(options.terminal.output).not.toContain('a long one');
  });

  test('a message sent while another turn runs is answered, and the answer is shown', async () => {
    server = await startTestServer({
      extraTools: () => [slowTool],
      brain: scriptedBrain([
        titleRule,
        { when: asks('and also this'), reply: textReply('Here is your later answer.') },
        { when: (request) => request.toolResults.length > 0, reply: textReply('First turn done.') },
        { when: asks('first'), reply: toolReply({ name: 'slow_tool', input: { ms: 800 } }) },
      ]),
    });
    const sessionId = await createSession(server);
    const first = await post(server, { sessionId, text: 'first' });
    await waitForTool(sessionId, 'slow_tool');
    const options = chatOptions(sessionId);

    const outcome = await sendMessage({ ...options, text: 'and also this' });

    expect(outcome.status).toBe('completed');
    expect(options.terminal.output).toContain('Here is your later answer.');
    await first.body?.cancel();
    const texts = JSON.stringify((await detail(sessionId)).messages);
    expect(texts.indexOf('and also this')).toBeGreaterThan(texts.indexOf('First turn done.'));
  });

  test('a full queue (429) is a friendly line that says when to try again, and nothing is stored', async () => {
    server = await startTestServer({
      extraTools: () => [slowTool],
      brain: scriptedBrain([
        titleRule,
        { when: () => true, reply: toolReply({ name: 'slow_tool', input: { ms: 30_000 } }) },
      ]),
    });
    const sessionId = await createSession(server);
    const responses = [await post(server, { sessionId, text: 'busy' })];
    await waitForTool(sessionId, 'slow_tool');
    for (let index = 0; index < 10; index++)
      responses.push(await post(server, { sessionId, text: `wait ${index}` }));
    const options = chatOptions(sessionId);

    const outcome = await sendMessage({ ...options, text: 'one too many' });

    expect(outcome.status).toBe('failed');
    expect(outcome.error?.retryable).toBe(true);
    expect(options.terminal.output).toMatch(/^✗ .+ \(retry after \d+ s\) Try again in a moment\.\n$/);
    for (const response of responses) await response.body?.cancel();
    expect(JSON.stringify((await detail(sessionId)).messages)).not.toContain('one too many');
  });

  test('a retryable model failure shows its message and says to try again', async () => {
    server = await startTestServer({
      brain: scriptedBrain([titleRule, { when: () => true, reply: overloaded() }]),
    });
    const sessionId = await createSession(server);
    const options = chatOptions(sessionId);

    const outcome = await sendMessage({ ...options, text: 'hello' });

    expect(outcome.status).toBe('failed');
    expect(outcome.error?.retryable).toBe(true);
    const stored = (await detail(sessionId)).messages.at(-1).parts.at(-1);
    expect(options.terminal.output).toBe(`✗ ${stored.data.message} This is temporary: try again.\n`);
  });

  test('sending a failed message again runs it again without storing it twice', async () => {
    const sessionId = await createSession(await startOverloadedOnce('Answered on the second try.'));
    const options = chatOptions(sessionId);
    const lines = ['hello there', 'hello there'];
    const prefills: (string | undefined)[] = [];
    const reader = {
      read: async (readOptions?: { prefill?: string }) => {
        prefills.push(readOptions?.prefill);
        return lines.shift() ?? null;
      },
      close: () => undefined,
    };

    expect(await chatLoop({ ...options, reader, onSession: () => undefined })).toBe(0);

    // The failed message came back at the prompt, and Enter ran it again.
    expect(prefills).toEqual([undefined, 'hello there', undefined]);
    const messages = (await detail(sessionId)).messages as {
      role: string;
      parts: { type: string; text?: string }[];
    }[];
    expect(messages.filter((message) => message.role === 'user')).toHaveLength(1);
    expect(JSON.stringify(messages.at(-1))).toContain('Answered on the second try.');
    expect(JSON.stringify(messages)).not.toContain('data-error');
  });

  test('--session on a conversation whose last turn failed for a while offers that message again', async () => {
    const flaky = await startOverloadedOnce('Answered at last.');
    const sessionId = await createSession(flaky);
    await (await post(flaky, { sessionId, text: 'hello again' })).text();
    const options = chatOptions(sessionId);
    const prefills: (string | undefined)[] = [];
    const lines = ['hello again'];
    const reader = {
      read: async (readOptions?: { prefill?: string }) => {
        prefills.push(readOptions?.prefill);
        return lines.shift() ?? null;
      },
      close: () => undefined,
    };

    const recap = await showSessionRecap(options);
    expect(await chatLoop({ ...options, reader, recap, onSession: () => undefined })).toBe(0);

    // The prompt offered the failed message, and Enter ran it again rather than storing it twice.
    expect(prefills[0]).toBe('hello again');
    const messages = (await detail(sessionId)).messages as { role: string }[];
    expect(messages.filter((message) => message.role === 'user')).toHaveLength(1);
    expect(JSON.stringify(messages.at(-1))).toContain('Answered at last.');
  });

  test('Ctrl-C asks the server to stop the turn; a second Ctrl-C while it stops leaves at once', async () => {
    server = await startTestServer({
      extraTools: () => [slowTool],
      brain: scriptedBrain([
        titleRule,
        { when: asks('slow'), reply: toolReply({ name: 'slow_tool', input: { ms: 30_000 } }) },
      ]),
    });
    const sessionId = await createSession(server);
    const options = chatOptions(sessionId);
    const turn = sendMessage({ ...options, text: 'slow' });
    await waitForTool(sessionId, 'slow_tool');

    options.interrupts.press();
    options.interrupts.press();

    expect(options.interrupts.exits).toEqual([130]);
    expect((await turn).status).toBe('stopped');
    expect(options.terminal.output).toContain('■ Execution stopped by user\n');
    expect((await detail(sessionId)).activeTurn).toBeNull();
  });

  test('escape sequences in what the model says never reach the terminal', async () => {
    const hostile = 'Look\x1b]52;c;ZXZpbA==\x07 here\x1b[2J\x1b[31m red\x9b1m\r overwritten';
    server = await startTestServer({
      brain: scriptedBrain([
        titleRule,
        { when: (request) => request.toolResults.length > 0, reply: textReply(`# ${hostile}\n\n${hostile}`) },
        {
          when: asks('go'),
          reply: toolReply({
            name: 'write_file',
            input: { path: `x\x1b]0;pwned\x07.txt`, content: hostile },
          }),
        },
      ]),
    });
    const sessionId = await createSession(server);
    const options = chatOptions(sessionId, recordingTerminal({ styled: true }));

    await sendMessage({ ...options, text: 'go' });

    const output = options.terminal.output;
    expect(stripVTControlCharacters(output)).toContain('\nLook here red overwritten\n');
    expect(stripVTControlCharacters(output)).toContain('✓ write_file x.txt');
    // Only our own styling (SGR "m" sequences) remains, never the model's colour or commands.
    const afterEscapes = output.split('\x1b').slice(1);
    expect(afterEscapes.filter((rest) => !/^\[[\d;]*m/.test(rest))).toEqual([]);
    expect([...output].filter((character) => ['\x07', '\x9b', '\r'].includes(character))).toEqual([]);
    expect(output).not.toContain('\x1b[31m');
  });
});
