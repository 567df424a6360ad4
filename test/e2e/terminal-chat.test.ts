import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { ApiClient } from '../../src/cli/api-client.ts';
import { joinRunningTurn, sendMessage } from '../../src/cli/chat-turn.ts';
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

    expect(outcome).toEqual({ status: 'completed', error: null });
    expect(options.terminal.output).toBe('Writing.\n\n✓ write_file a.txt\n\nAll **written**.\n');
    expect((await detail(sessionId)).messages).toHaveLength(2);
  });

  test('--session joins a running turn and shows it from its start', async () => {
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
    const options = chatOptions(sessionId);

    const outcome = await joinRunningTurn(options);

    expect(outcome?.status).toBe('completed');
    expect(options.terminal.output).toBe(
      'Starting the slow part.\n\n✓ slow_tool {"ms":800}\n\nFinished after the wait.\n',
    );
    await started.body?.cancel();
    expect(await joinRunningTurn(chatOptions(sessionId))).toBeNull();
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
