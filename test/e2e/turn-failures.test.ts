import { type AddressInfo, createServer } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { isAgentCall, isSummaryCall } from '../support/chat-rules.ts';
import {
  connectionReset,
  overloaded,
  promptTooLong,
  scriptedBrain,
  textReply,
  toolReply,
} from '../support/fake-model/index.ts';
import { slowTool } from '../support/slow-tool.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

/** A loopback port nothing listens on: connections to it are refused. */
async function findClosedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe.each(['baseline', 'claude'] as const)('turn failures on the %s runtime', (runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  async function detail(sessionId: string) {
    return (await server.api(`/api/sessions/${sessionId}`)).json();
  }

  /** Two earlier exchanges: the older one can be summarised, the newer one is kept verbatim. */
  async function warmUp(sessionId: string) {
    for (const text of ['first message', 'second message']) {
      const { errors } = await parseUIStream((await sendMessage(server, { sessionId, text })).body!);
      expect(errors).toEqual([]);
    }
  }

  test('prompt too long on the first call only: attempt 2 succeeds with a compaction row', async () => {
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        { when: isSummaryCall, reply: textReply('The user said a first message.') },
        {
          when: (request) =>
            request.lastUserText.includes('big question') &&
            !request.allText.includes('[Summary of the earlier conversation]'),
          reply: promptTooLong(),
        },
        {
          when: (request) => request.lastUserText.includes('big question'),
          reply: textReply('Here is the answer.'),
        },
        { when: () => true, reply: textReply('ok') },
      ]),
    });
    const sessionId = await createSession(server);
    await warmUp(sessionId);
    const { chunks, message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'big question' })).body!,
    );
    expect(errors).toEqual([]);
    expect(chunks).toContainEqual(
      expect.objectContaining({ type: 'data-status', data: { message: 'Optimizing conversation context…' } }),
    );
    expect(chunks).toContainEqual(
      expect.objectContaining({
        type: 'data-compaction',
        data: expect.objectContaining({ phase: 'summarizing' }),
      }),
    );
    const compaction = message?.parts.find((part) => part.type === 'tool-context_compaction');
    expect(compaction).toMatchObject({
      state: 'output-available',
      output: { summary: expect.stringContaining('summarized') },
    });
    expect(message?.parts.at(-1)).toMatchObject({ type: 'text', text: 'Here is the answer.' });

    const stored = await detail(sessionId);
    const last = stored.messages.at(-1);
    const texts = last.parts.filter((part: { type: string }) => part.type === 'text');
    expect(texts).toEqual([{ type: 'text', text: 'Here is the answer.', state: 'done' }]);
    expect(last.parts.some((part: { type: string }) => part.type === 'tool-context_compaction')).toBe(true);
    expect(JSON.stringify(stored.messages)).not.toContain('data-error');
    // The compaction's progress part, as the client kept it from the stream, comes back on reload.
    const progress = message?.parts.find((part) => part.type === 'data-compaction');
    expect(progress).toMatchObject({ data: { phase: 'rebuilding', tokensBefore: expect.any(Number) } });
    expect(last.parts.find((part: { type: string }) => part.type === 'data-compaction')).toEqual(progress);
    expect(last.parts.map((part: { type: string }) => part.type)).toEqual(
      message?.parts.map((part) => part.type),
    );
  });

  test('prompt too long on every call: all_attempts_exhausted, nothing half-written', async () => {
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        { when: isSummaryCall, reply: textReply('summary') },
        { when: (request) => request.lastUserText.includes('big question'), reply: promptTooLong() },
        { when: () => true, reply: textReply('ok') },
      ]),
    });
    const sessionId = await createSession(server);
    await warmUp(sessionId);
    const response = await sendMessage(server, { sessionId, text: 'big question' });
    const { chunks } = await parseUIStream(response.body!);
    const dataError = chunks.find((chunk) => chunk.type === 'data-error');
    expect(dataError).toMatchObject({ data: { code: 'all_attempts_exhausted', retryable: false } });
    expect(chunks.find((chunk) => chunk.type === 'error')).toMatchObject({
      errorText: 'Your conversation is too long. Please start a new chat or clear some history.',
    });
    expect(chunks.at(-1)?.type).toBe('finish');
    expect(JSON.stringify(chunks)).not.toMatch(/tokens >|at .+\.ts:\d+/);

    const stored = await detail(sessionId);
    const last = stored.messages.at(-1);
    expect(last.parts.filter((part: { type: string }) => part.type === 'text')).toEqual([]);
    expect(last.parts.at(-1)).toMatchObject({ type: 'data-error', data: { code: 'all_attempts_exhausted' } });
    expect(stored.activeTurn).toBeNull();
  });

  test('a model whose context is smaller than the budget: after one big exchange the next messages still answer', async () => {
    // The provider refuses more than 100,000 characters of messages and says its context size.
    const limitChars = 100_000;
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        { when: isSummaryCall, reply: textReply('summary') },
        {
          when: (request) => isAgentCall(request) && JSON.stringify(request.messages).length > limitChars,
          reply: promptTooLong({ tokens: 30_000, maximum: 25_000 }),
        },
        {
          when: (request) => isAgentCall(request) && request.lastUserText.startsWith('paste'),
          reply: textReply('long answer '.repeat(5_000)),
        },
        { when: isAgentCall, reply: textReply('Still here.') },
        { when: () => true, reply: textReply('A title') },
      ]),
    });
    const sessionId = await createSession(server);
    const paste = await parseUIStream(
      (await sendMessage(server, { sessionId, text: `paste ${'lorem ipsum dolor '.repeat(3_300)}` })).body!,
    );
    expect(paste.errors).toEqual([]);

    for (const text of ['hi', 'hello?']) {
      const { message, errors } = await parseUIStream((await sendMessage(server, { sessionId, text })).body!);
      expect(errors).toEqual([]);
      expect(message?.parts.at(-1)).toMatchObject({ type: 'text', text: 'Still here.' });
    }
    const stored = await detail(sessionId);
    expect(stored.messages.at(-1).parts.at(-1)).toMatchObject({ type: 'text', text: 'Still here.' });
    expect(JSON.stringify(stored.messages)).not.toContain('all_attempts_exhausted');
    // What the user wrote is all still there, for them to read.
    expect(JSON.stringify(stored.messages)).toContain('lorem ipsum dolor lorem');
  });

  test('a first message too long for the model is not sent again unchanged', async () => {
    let agentCalls = 0;
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        { when: isSummaryCall, reply: textReply('summary') },
        {
          when: (request) => {
            if (isAgentCall(request)) agentCalls += 1;
            return isAgentCall(request);
          },
          reply: promptTooLong(),
        },
        { when: () => true, reply: textReply('A title') },
      ]),
    });
    const sessionId = await createSession(server);
    const { chunks } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'huge message' })).body!,
    );
    expect(chunks.find((chunk) => chunk.type === 'data-error')).toMatchObject({
      data: { code: 'all_attempts_exhausted' },
    });
    // Nothing to summarise, drop or leave out: asked once.
    expect(agentCalls).toBe(1);
  });

  test('an empty answer is a retryable error, stored, not a turn with nothing in it', async () => {
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        { when: isAgentCall, reply: { kind: 'message', blocks: [] } },
        { when: () => true, reply: textReply('A title') },
      ]),
    });
    const sessionId = await createSession(server);
    const { chunks, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'hello' })).body!,
    );
    expect(errors.map((error) => (error as Error).message)).toEqual([
      'The model sent an empty answer. Please try again.',
    ]);
    expect(chunks.find((chunk) => chunk.type === 'data-error')).toMatchObject({
      data: {
        code: 'model_error',
        retryable: true,
        message: 'The model sent an empty answer. Please try again.',
      },
    });

    const stored = await detail(sessionId);
    expect(stored.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    expect(stored.messages.at(-1).parts.at(-1)).toMatchObject({
      type: 'data-error',
      data: { code: 'model_error' },
    });
    expect(stored.activeTurn).toBeNull();
  });

  test('529 twice, then success: the turn succeeds with no error shown', async () => {
    let overloads = 0;
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        {
          when: (request) => isAgentCall(request) && overloads < 2,
          reply: () => {
            overloads += 1;
            return overloaded();
          },
        },
        { when: () => true, reply: textReply('Finally.') },
      ]),
    });
    const sessionId = await createSession(server);
    const { chunks, message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'hi' })).body!,
    );
    expect(errors).toEqual([]);
    expect(overloads).toBe(2);
    expect(chunks.some((chunk) => chunk.type === 'error' || chunk.type === 'data-error')).toBe(false);
    expect(message?.parts.at(-1)).toMatchObject({ type: 'text', text: 'Finally.' });
  });

  test('529 on every call: a retryable friendly error; the raw body appears nowhere', async () => {
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([{ when: () => true, reply: overloaded() }]),
    });
    const sessionId = await createSession(server);
    const { chunks } = await parseUIStream((await sendMessage(server, { sessionId, text: 'hi' })).body!);
    expect(chunks.find((chunk) => chunk.type === 'data-error')).toMatchObject({
      data: { code: 'transient_api_error', retryable: true, message: expect.stringMatching(/busy/) },
    });
    expect(JSON.stringify(chunks)).not.toContain('overloaded_error');
    expect(JSON.stringify(chunks)).not.toContain('Overloaded');
    const stored = await detail(sessionId);
    expect(JSON.stringify(stored)).not.toContain('overloaded_error');
    expect(stored.messages.at(-1).parts.at(-1)).toMatchObject({
      type: 'data-error',
      data: { retryable: true },
    });
  });

  test('an unreachable provider: the error says so and names the configured host', async () => {
    const closedPort = await findClosedPort();
    server = await startTestServer({
      runtime,
      env: { ANTHROPIC_BASE_URL: `http://127.0.0.1:${closedPort}`, AUTOPILOT_MAX_TRANSIENT_RETRIES: '0' },
    });
    const sessionId = await createSession(server);
    const { chunks } = await parseUIStream((await sendMessage(server, { sessionId, text: 'hi' })).body!);
    expect(chunks.find((chunk) => chunk.type === 'data-error')).toMatchObject({
      data: {
        code: 'transient_api_error',
        retryable: true,
        message: expect.stringContaining(`cannot reach the model provider at 127.0.0.1:${closedPort}`),
      },
    });
    expect(chunks.at(-1)?.type).toBe('finish');
  });

  test('a connection reset after some text has streamed: no new attempt, the text is stored, then a retryable marker', async () => {
    let firstCalls = 0;
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        {
          when: (request) => isAgentCall(request) && request.toolResults.length > 0,
          reply: connectionReset({
            blocks: [{ type: 'text', text: 'More text that is cut off' }],
            afterEvents: 3,
          }),
        },
        {
          when: isAgentCall,
          reply: () => {
            firstCalls += 1;
            return toolReply({ name: 'list_files', input: {}, text: 'Partial answer before the cut.' });
          },
        },
      ]),
    });
    const sessionId = await createSession(server);
    const { chunks } = await parseUIStream((await sendMessage(server, { sessionId, text: 'hi' })).body!);
    expect(firstCalls).toBe(1);
    expect(chunks.some((chunk) => chunk.type === 'text-delta')).toBe(true);
    expect(chunks.find((chunk) => chunk.type === 'data-error')).toMatchObject({
      data: { retryable: true, message: expect.stringMatching(/interrupted/) },
    });
    expect(chunks.at(-1)?.type).toBe('finish');
    const stored = await detail(sessionId);
    const parts = stored.messages.at(-1).parts;
    expect(parts.find((part: { type: string }) => part.type === 'text')?.text).toBe(
      'Partial answer before the cut.',
    );
    expect(parts.at(-1)).toMatchObject({ type: 'data-error', data: { retryable: true } });
  });

  test('stop during a tool call: the stopped marker, no error, and the next turn starts at once', async () => {
    server = await startTestServer({
      runtime,
      extraTools: () => [slowTool],
      brain: scriptedBrain([
        { when: (request) => request.lastUserText.endsWith('next'), reply: textReply('Next answer.') },
        { when: (request) => request.toolResults.length > 0, reply: textReply('after tool') },
        { when: isAgentCall, reply: toolReply({ name: 'slow_tool', input: { ms: 20_000 } }) },
      ]),
    });
    const sessionId = await createSession(server);
    const response = await sendMessage(server, { sessionId, text: 'go slow' });
    const parsing = parseUIStream(response.body!);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const state = await detail(sessionId);
      if (JSON.stringify(state.messages).includes('tool-slow_tool')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const started = Date.now();
    const cancel = await server.api(`/api/sessions/${sessionId}/cancel`, { method: 'POST' });
    expect(await cancel.json()).toEqual({ cancelled: true, unsent: [] });
    expect(Date.now() - started).toBeLessThan(2_000);
    const { chunks } = await parsing;
    expect(chunks.some((chunk) => chunk.type === 'error' || chunk.type === 'data-error')).toBe(false);
    expect(chunks).toContainEqual(
      expect.objectContaining({ type: 'data-system', data: { message: 'Execution stopped by user' } }),
    );
    expect(chunks.at(-1)?.type).toBe('finish');

    const stored = await detail(sessionId);
    expect(stored.activeTurn).toBeNull();
    const parts = stored.messages.at(-1).parts;
    expect(parts.find((part: { type: string }) => part.type === 'tool-slow_tool')?.state).toMatch(/output-/);
    expect(parts.at(-1)).toEqual({ type: 'data-system', data: { message: 'Execution stopped by user' } });

    const next = await parseUIStream((await sendMessage(server, { sessionId, text: 'next' })).body!);
    expect(next.message?.parts.at(-1)).toMatchObject({ type: 'text', text: 'Next answer.' });
    // The stop stays in the history a reload shows (only error markers are cleared by a new
    // message), and, like every marker, it never reaches the model.
    const after = await detail(sessionId);
    expect(after.messages.map((message: { role: string }) => message.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(after.messages[1].parts.at(-1)).toEqual({
      type: 'data-system',
      data: { message: 'Execution stopped by user' },
    });
    expect(JSON.stringify(server.fake.requests.at(-1))).not.toContain('Execution stopped by user');
  });
});
