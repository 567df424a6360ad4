import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, describe, expect, test } from 'vitest';
import { asks, titleRule } from '../support/chat-rules.ts';
import { startHoldingProxy } from '../support/cutting-proxy.ts';
import { overloaded, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { type PtyProcess, runInPty } from '../support/pty.ts';
import { slowTool } from '../support/slow-tool.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';

let server: TestServer | undefined;
let pty: PtyProcess | undefined;

afterEach(async () => {
  pty?.kill();
  pty = undefined;
  await server?.close();
  server = undefined;
});

function sessionIdShownBy(terminal: PtyProcess): string {
  const id = /continue with --session (\S+)\)/.exec(terminal.text())?.[1];
  if (!id) throw new Error(`no session id in:\n${terminal.text()}`);
  return id;
}

async function detail(sessionId: string) {
  return (await server!.api(`/api/sessions/${sessionId}`)).json();
}

describe('autopilot chat in a terminal', () => {
  test('streams a turn: a spinner while waiting, the tool row, and the reply rendered as markdown', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        titleRule,
        {
          when: (request) => request.toolResults.length > 0,
          reply: textReply('# Notes ready\n\nI **wrote** the file:\n\n- `notes.txt` with hello\n'),
        },
        {
          when: asks('write notes'),
          reply: toolReply({ name: 'write_file', input: { path: 'notes.txt', content: 'hello' } }),
        },
      ]),
    });
    pty = runInPty({ args: ['chat', '--url', server.url, 'write notes'] });

    expect(await pty.exited).toBe(0);
    const shown = pty.text();
    // The spinner was drawn (and erased again before the conversation went on).
    expect(stripVTControlCharacters(pty.raw)).toContain('⠋ Waiting for the model…');
    expect(shown).not.toContain('Waiting for the model');
    expect(shown).toContain('✓ write_file notes.txt');
    // Rendered, not raw markdown: the heading without its #, a bullet, bold as bold.
    expect(shown).toContain('\nNotes ready\n');
    expect(shown).not.toContain('# Notes ready');
    expect(shown).toContain('• notes.txt with hello');
    expect(pty.raw).toContain('\x1b[1mwrote\x1b[22m');
    expect(shown.indexOf('✓ write_file notes.txt')).toBeLessThan(shown.indexOf('Notes ready'));

    const sessionId = sessionIdShownBy(pty);
    const files = await (await server.api(`/api/sessions/${sessionId}/workspace`)).json();
    expect(JSON.stringify(files)).toContain('notes.txt');
  });

  test('Ctrl-C stops the running turn on the server', async () => {
    server = await startTestServer({
      extraTools: () => [slowTool],
      brain: scriptedBrain([
        titleRule,
        { when: (request) => request.toolResults.length > 0, reply: textReply('should not be reached') },
        { when: asks('take your time'), reply: toolReply({ name: 'slow_tool', input: { ms: 30_000 } }) },
      ]),
    });
    pty = runInPty({ args: ['chat', '--url', server.url, 'take your time'] });
    await pty.waitFor('slow_tool');
    pty.type('\x03');

    expect(await pty.exited).toBe(130);
    expect(pty.text()).toContain('Execution stopped by user');
    const stored = await detail(sessionIdShownBy(pty));
    expect(stored.activeTurn).toBeNull();
    expect(stored.messages.at(-1).parts.at(-1)).toEqual({
      type: 'data-system',
      data: { message: 'Execution stopped by user' },
    });
    expect(JSON.stringify(stored.messages)).not.toContain('should not be reached');
  });

  test('a second Ctrl-C leaves at once, still saying which session to continue, and no spinner stays', async () => {
    server = await startTestServer({
      extraTools: () => [slowTool],
      brain: scriptedBrain([
        titleRule,
        { when: asks('take your time'), reply: toolReply({ name: 'slow_tool', input: { ms: 30_000 } }) },
      ]),
    });
    // The stop is asked for, and never answered: only a second Ctrl-C gets the user out.
    const proxy = await startHoldingProxy({ target: server.url, hold: (path) => path.endsWith('/cancel') });
    pty = runInPty({ args: ['chat', '--url', proxy.url, 'take your time'] });
    try {
      await pty.waitFor('slow_tool');
      pty.type('\x03');
      await pty.waitFor('Stopping');
      pty.type('\x03');
      expect(await pty.exited).toBe(130);
    } finally {
      proxy.close();
    }
    expect(sessionIdShownBy(pty)).toMatch(/^[\w-]+$/);
    expect(pty.text()).not.toContain('Stopping');
  });

  test('the interactive prompt answers one message after another, pasted lines included', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        titleRule,
        { when: asks('first question'), reply: textReply('Answer one.') },
        { when: asks('second question'), reply: textReply('Answer two.') },
        { when: asks('third question'), reply: textReply('Answer three.') },
      ]),
    });
    pty = runInPty({ args: ['chat', '--url', server.url] });
    let seen = await pty.waitFor('› ');
    pty.type('first question\r');
    seen = await pty.waitFor('Answer one.', { from: seen });
    seen = await pty.waitFor('› ', { from: seen });
    // Two lines at once, as a paste: the second waits for its turn instead of being lost.
    pty.type('second question\rthird question\r');
    seen = await pty.waitFor('Answer two.', { from: seen });
    seen = await pty.waitFor('Answer three.', { from: seen });
    await pty.waitFor('› ', { from: seen });
    pty.type('\x04');

    expect(await pty.exited).toBe(0);
    const stored = await detail(sessionIdShownBy(pty));
    const texts = stored.messages.map((message: { parts: { type: string; text?: string }[] }) =>
      message.parts
        .filter((part) => part.type === 'text')
        .map((part) => part.text)
        .join(''),
    );
    expect(texts).toEqual([
      'first question',
      'Answer one.',
      'second question',
      'Answer two.',
      'third question',
      'Answer three.',
    ]);
  });

  test('chat --session shows where the conversation stood before its prompt, styled as it streamed', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        titleRule,
        { when: asks('first question'), reply: textReply('Answer **one**.') },
        { when: asks('second question'), reply: textReply('Answer two.') },
      ]),
    });
    const sessionId = await createSession(server);
    await (await sendMessage(server, { sessionId, text: 'first question' })).text();
    pty = runInPty({ args: ['chat', '--url', server.url, '--session', sessionId] });
    // The recap has a `› ` of its own: the prompt is the one after the hint line.
    let seen = await pty.waitFor('Enter sends');
    seen = await pty.waitFor('› ', { from: seen });
    pty.type('second question\r');
    seen = await pty.waitFor('Answer two.', { from: seen });
    await pty.waitFor('› ', { from: seen });
    pty.type('\x04');

    expect(await pty.exited).toBe(0);
    const shown = pty.text();
    expect(shown).toContain('› first question');
    expect(pty.raw).toContain('\x1b[1mone\x1b[22m');
    // The recap comes before the prompt's hint line and the new exchange, and only once.
    expect(shown.indexOf('first question')).toBeLessThan(shown.indexOf('Enter sends'));
    expect(shown.indexOf('Enter sends')).toBeLessThan(shown.indexOf('second question'));
    expect(shown.split('Answer one.').length).toBe(2);
  });

  test('chat --continue picks up the session changed last; with none it starts one', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        titleRule,
        { when: asks('old question'), reply: textReply('Old answer.') },
        { when: asks('latest question'), reply: textReply('Latest answer.') },
        { when: asks('follow-up'), reply: textReply('Follow-up answer.') },
      ]),
    });
    pty = runInPty({ args: ['chat', '--url', server.url, '--continue', 'nothing yet'] });
    expect(await pty.exited).toBe(0);
    expect(pty.text()).toContain('(no session to continue: this starts a new one)');

    const older = await createSession(server);
    await (await sendMessage(server, { sessionId: older, text: 'old question' })).text();
    const latest = await createSession(server);
    await (await sendMessage(server, { sessionId: latest, text: 'latest question' })).text();
    pty = runInPty({ args: ['chat', '--url', server.url, '-c'] });
    let seen = await pty.waitFor('Enter sends');
    seen = await pty.waitFor('› ', { from: seen });
    pty.type('follow-up\r');
    seen = await pty.waitFor('Follow-up answer.', { from: seen });
    await pty.waitFor('› ', { from: seen });
    pty.type('\x04');

    expect(await pty.exited).toBe(0);
    expect(pty.text()).toContain('› latest question');
    expect(pty.text()).not.toContain('old question');
    expect(sessionIdShownBy(pty)).toBe(latest);
    expect(JSON.stringify((await detail(latest)).messages)).toContain('Follow-up answer.');
  });

  test('a line typed while a turn runs is not drawn into the spinner, and is sent when the turn ends', async () => {
    server = await startTestServer({
      extraTools: () => [slowTool],
      brain: scriptedBrain([
        titleRule,
        { when: (request) => request.toolResults.length > 0, reply: textReply('Done waiting.') },
        { when: asks('wait a bit'), reply: toolReply({ name: 'slow_tool', input: { ms: 1500 } }) },
        { when: asks('next question'), reply: textReply('Answer to the next one.') },
      ]),
    });
    pty = runInPty({ args: ['chat', '--url', server.url] });
    let seen = await pty.waitFor('› ');
    pty.type('wait a bit\r');
    seen = await pty.waitFor('slow_tool', { from: seen });
    pty.type('next question\r');
    seen = await pty.waitFor('Answer to the next one.', { from: seen });
    await pty.waitFor('› ', { from: seen });
    pty.type('\x04');

    expect(await pty.exited).toBe(0);
    const lines = pty.text().split('\n');
    // No line was left behind with the spinner and the keys typed into it.
    expect(lines.filter((line) => line.includes('next question'))).toEqual(['› next question']);
    expect(lines.filter((line) => /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(line))).toEqual([]);
  });

  test('a line typed while a turn runs that then fails is sent alone, not joined to the failed message', async () => {
    server = await startTestServer({
      extraTools: () => [slowTool],
      brain: scriptedBrain([
        titleRule,
        // Whatever it comes with: the next message, or the failed turn's tool result before it.
        {
          when: (request) => request.lastUserText.includes('next question'),
          reply: textReply('Next answered.'),
        },
        { when: (request) => request.toolResults.length > 0, reply: overloaded() },
        { when: asks('wait then fail'), reply: toolReply({ name: 'slow_tool', input: { ms: 1500 } }) },
      ]),
      env: { AUTOPILOT_MAX_TRANSIENT_RETRIES: '0' },
    });
    pty = runInPty({ args: ['chat', '--url', server.url] });
    let seen = await pty.waitFor('› ');
    pty.type('wait then fail\r');
    seen = await pty.waitFor('slow_tool', { from: seen });
    pty.type('next question\r');
    seen = await pty.waitFor('Next answered.', { from: seen });
    await pty.waitFor('› ', { from: seen });
    pty.type('\x04');

    expect(await pty.exited).toBe(0);
    const stored = await detail(sessionIdShownBy(pty));
    const users = stored.messages.filter((message: { role: string }) => message.role === 'user');
    expect(users.map((message: { parts: { text?: string }[] }) => message.parts[0]?.text)).toEqual([
      'wait then fail',
      'next question',
    ]);
  });

  test('a paste of several lines is one message, sent with Enter; the terminal is left as it was', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        titleRule,
        {
          when: asks('why? Error: boom\n  at main.js:3\n  at run.js:9'),
          reply: textReply('That is a null reference.'),
        },
      ]),
    });
    pty = runInPty({ args: ['chat', '--url', server.url] });
    let seen = await pty.waitFor('› ');
    // As a terminal sends a paste with bracketed paste on: the pasted line ends are not Enter.
    pty.type('why? \x1b[200~Error: boom\r  at main.js:3\r  at run.js:9\x1b[201~');
    seen = await pty.waitFor('[pasted text #1: 3 lines]', { from: seen });
    pty.type('\r');
    seen = await pty.waitFor('That is a null reference.', { from: seen });
    await pty.waitFor('› ', { from: seen });
    pty.type('\x04');

    expect(await pty.exited).toBe(0);
    expect(pty.raw).toContain('\x1b[?2004h');
    expect(pty.raw.lastIndexOf('\x1b[?2004l')).toBeGreaterThan(pty.raw.lastIndexOf('\x1b[?2004h'));
    const stored = await detail(sessionIdShownBy(pty));
    const userTexts = stored.messages
      .filter((message: { role: string }) => message.role === 'user')
      .map((message: { parts: { type: string; text?: string }[] }) =>
        message.parts.map((part) => part.text).join(''),
      );
    expect(userTexts).toEqual(['why? Error: boom\n  at main.js:3\n  at run.js:9']);
  });

  test('a paste whose placeholder was cut into comes back whole, and a paste recalled with Up is sent again', async () => {
    const pasted = 'why? Error: boom\n  at main.js:3';
    server = await startTestServer({
      brain: scriptedBrain([titleRule, { when: asks(pasted), reply: textReply('A null reference.') }]),
    });
    pty = runInPty({ args: ['chat', '--url', server.url] });
    let seen = await pty.waitFor('› ');
    pty.type('why? \x1b[200~Error: boom\r  at main.js:3\x1b[201~');
    seen = await pty.waitFor('[pasted text #1: 2 lines]', { from: seen });
    // A Backspace at the placeholder's end, then Enter: nothing is sent, the line comes back whole.
    pty.type('\x7f\r');
    seen = await pty.waitFor('so it is back whole', { from: seen });
    seen = await pty.waitFor('[pasted text #1: 2 lines]', { from: seen });
    pty.type('\r');
    seen = await pty.waitFor('A null reference.', { from: seen });
    seen = await pty.waitFor('› ', { from: seen });
    // The line recalled from the history sends the paste, not its placeholder.
    pty.type('\x1b[A\r');
    seen = await pty.waitFor('A null reference.', { from: seen });
    await pty.waitFor('› ', { from: seen });
    pty.type('\x04');

    expect(await pty.exited).toBe(0);
    const stored = await detail(sessionIdShownBy(pty));
    const userTexts = stored.messages
      .filter((message: { role: string }) => message.role === 'user')
      .map((message: { parts: { type: string; text?: string }[] }) =>
        message.parts.map((part) => part.text).join(''),
      );
    expect(userTexts).toEqual([pasted, pasted]);
  });
});

describe('autopilot chat when its terminal goes away', () => {
  test('a terminal closed at the prompt ends the client quietly, with the hangup exit code', async () => {
    server = await startTestServer({});
    const directory = await mkdtemp(join(tmpdir(), 'autopilot-hangup-'));
    const stderrFile = join(directory, 'stderr.txt');
    const codeFile = join(directory, 'code.txt');
    try {
      // The shell around the client outlives the terminal (it ignores the hangup) to note how the
      // client ended; the client's stderr goes to a file, where a stack trace would show.
      pty = runInPty({
        args: ['chat', '--url', server.url],
        around: (cli) => `trap '' HUP; ${cli} 2>'${stderrFile}'; echo $? > '${codeFile}'`,
      });
      await pty.waitFor('› ');
      pty.kill();

      const code = await waitForFile(codeFile);
      expect(await readFile(stderrFile, 'utf8')).toBe('');
      expect(code.trim()).toBe('129');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

async function waitForFile(path: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(path, 'utf8').catch(() => null);
    if (text) return text;
    if (Date.now() > deadline) throw new Error(`${path} was not written in ${timeoutMs} ms`);
    await sleep(50);
  }
}

describe('autopilot chat --session after a failure', () => {
  test('a failed message with control characters, offered again, runs again on Enter and is stored once', async () => {
    let calls = 0;
    server = await startTestServer({
      brain: scriptedBrain([
        titleRule,
        { when: () => true, reply: () => (++calls <= 4 ? overloaded() : textReply('Answered at last.')) },
      ]),
      env: { AUTOPILOT_MAX_TRANSIENT_RETRIES: '3' },
    });
    const sessionId = await createSession(server);
    // A bell and a carriage return came with it (a paste from a log); the prompt shows neither.
    await (await sendMessage(server, { sessionId, text: 'hello\x07 there\r\nsecond line' })).text();

    pty = runInPty({ args: ['chat', '--url', server.url, '--session', sessionId] });
    let seen = await pty.waitFor('[pasted text #1: 2 lines]');
    pty.type('\r');
    seen = await pty.waitFor('Answered at last.', { from: seen });
    await pty.waitFor('› ', { from: seen });
    pty.type('\x04');

    expect(await pty.exited).toBe(0);
    const stored = await detail(sessionId);
    const users = stored.messages.filter((message: { role: string }) => message.role === 'user');
    expect(users).toHaveLength(1);
    expect(JSON.stringify(stored.messages.at(-1))).toContain('Answered at last.');
  });
});
