import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { startAutopilot } from '../../src/main.ts';
import { createLogger } from '../../src/util/logger.ts';
import { textOf } from '../support/chat-client.ts';
import { isTitleCall } from '../support/chat-rules.ts';
import {
  type FakeModelServer,
  scriptedBrain,
  startFakeAnthropicServer,
  textReply,
  toolReply,
} from '../support/fake-model/index.ts';
import { readUntil, spawnServer } from '../support/spawn-server.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

/** A spawned server's environment: the baseline runtime on the fake model, quiet. */
function serverEnv(fakeUrl: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: fakeUrl,
    AUTOPILOT_MODEL: 'claude-test',
    AUTOPILOT_RUNTIME: 'baseline',
    AUTOPILOT_LOG_LEVEL: 'silent',
  };
}

/** Reads an SSE response until `marker` has appeared in it. */
async function readToMarker(response: Response, marker: string): Promise<void> {
  const reader = response.body!.getReader();
  let seen = '';
  while (!seen.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  void reader.cancel().catch(() => undefined);
}

describe('crash safety', () => {
  let fake: FakeModelServer | undefined;
  let child: ChildProcess | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    await fake?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('after kill -9 mid-turn, completed messages are stored and the turn is marked interrupted on restart', async () => {
    fake = await startFakeAnthropicServer({
      brain: scriptedBrain([
        { when: (request) => request.lastUserText === 'again', reply: textReply('Recovered.') },
        {
          when: (request) => request.toolResults.length > 0,
          reply: {
            kind: 'message',
            blocks: [{ type: 'text', text: 'This final answer streams slowly and never finishes' }],
            chunkDelayMs: 500,
          },
        },
        {
          when: (request) => request.lastUserText === 'work',
          reply: toolReply({
            name: 'write_file',
            input: { path: 'done.txt', content: 'x' },
            text: 'Step one is complete.',
          }),
        },
        { when: () => true, reply: textReply('Recovered.') },
      ]),
    });
    dataDir = await mkdtemp(join(tmpdir(), 'autopilot-crash-'));
    const env = serverEnv(fake.url);
    const spawned = await spawnServer({ env, dataDir });
    child = spawned.child;
    const url = spawned.url;
    const session = await (
      await fetch(`${url}/api/sessions`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/json' },
      })
    ).json();
    const response = await fetch(`${url}/api/sessions/${session.id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'work' }),
    });
    // Read until the slow final answer has started, then kill the server outright.
    const reader = await readUntil({
      response,
      until: (seen) => seen.includes('never') || (seen.match(/text-start/g) ?? []).length >= 2,
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    await reader.cancel().catch(() => undefined);

    const config = loadConfig(
      { ...env, AUTOPILOT_RETRY_BASE_MS: '10' },
      { host: '127.0.0.1', port: 0, dataDir },
    );
    const server = await startAutopilot({ config, logger: createLogger({ level: 'silent' }) });
    try {
      const detail = await (await fetch(`${server.url}/api/sessions/${session.id}`)).json();
      expect(detail.activeTurn).toBeNull();
      expect(detail.status).toBe('idle');
      const parts = detail.messages.at(-1).parts;
      expect(parts.find((part: { type: string }) => part.type === 'text')?.text).toBe(
        'Step one is complete.',
      );
      expect(parts.find((part: { type: string }) => part.type === 'tool-write_file')?.state).toBe(
        'output-available',
      );
      expect(parts.at(-1)).toMatchObject({
        type: 'data-error',
        data: { code: 'turn_interrupted', retryable: true },
      });

      const next = await fetch(`${server.url}/api/sessions/${session.id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'again' }),
      });
      expect(next.status).toBe(200);
      const { message } = await parseUIStream(next.body!);
      expect(message?.parts.at(-1)).toMatchObject({ type: 'text', text: 'Recovered.' });
    } finally {
      await server.close();
    }
  });

  test('a session whose title was still being made at a kill -9 is named after the restart', async () => {
    let titlesHang = true;
    fake = await startFakeAnthropicServer({
      brain: scriptedBrain([
        {
          when: (request) => isTitleCall(request) && titlesHang,
          reply: { kind: 'message', blocks: [{ type: 'text', text: 'never named' }], answerDelayMs: 60_000 },
        },
        { when: isTitleCall, reply: textReply('Named After Restart') },
        { when: () => true, reply: textReply('Hello back.') },
      ]),
    });
    dataDir = await mkdtemp(join(tmpdir(), 'autopilot-crash-'));
    const env = serverEnv(fake.url);
    const spawned = await spawnServer({ env, dataDir });
    child = spawned.child;
    const api = (path: string, init?: RequestInit) => fetch(`${spawned.url}${path}`, init);
    const json = { 'content-type': 'application/json' };
    const session = await (await api('/api/sessions', { method: 'POST', body: '{}', headers: json })).json();
    const reply = await api(`/api/sessions/${session.id}/messages`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ text: 'hello there, please help me plan a trip' }),
    });
    await parseUIStream(reply.body!);
    // The turn is over; its title request is still waiting on the model when the process dies.
    await expect.poll(() => fake!.requests.some((request) => isTitleCall(request))).toBe(true);
    expect((await (await api(`/api/sessions/${session.id}`)).json()).title).toBeNull();
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));

    titlesHang = false;
    const config = loadConfig(env, { host: '127.0.0.1', port: 0, dataDir });
    const server = await startAutopilot({ config, logger: createLogger({ level: 'silent' }) });
    try {
      const titleNow = async () =>
        (await (await fetch(`${server.url}/api/sessions/${session.id}`)).json()).title;
      await expect.poll(titleNow, { timeout: 10_000 }).toBe('Named After Restart');
    } finally {
      await server.close();
    }
  });
});

test('kill -9 with two messages waiting: after the restart both are answered, once each, in order', async () => {
  const fake = await startFakeAnthropicServer({
    brain: scriptedBrain([
      {
        when: (request) => request.lastUserText.includes('second waiting'),
        reply: textReply('Answered both.'),
      },
      {
        when: (request) => request.lastUserText === 'work',
        reply: {
          kind: 'message',
          blocks: [{ type: 'text', text: 'slow and never finished' }],
          chunkDelayMs: 2_000,
        },
      },
      { when: () => true, reply: textReply('Title') },
    ]),
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'autopilot-crash-'));
  const env = serverEnv(fake.url);
  const { child, url } = await spawnServer({ env, dataDir });
  try {
    const post = (body: unknown, path = '') =>
      fetch(`${url}/api/sessions${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const session = await (await post({})).json();
    await readToMarker(await post({ text: 'work' }, `/${session.id}/messages`), 'text-start');
    for (const [index, text] of ['first waiting', 'second waiting'].entries()) {
      await readToMarker(
        await post({ text, messageId: `wait-${index}` }, `/${session.id}/messages`),
        'data-status',
      );
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const config = loadConfig(
      { ...env, AUTOPILOT_RETRY_BASE_MS: '10' },
      { host: '127.0.0.1', port: 0, dataDir },
    );
    const server = await startAutopilot({ config, logger: createLogger({ level: 'silent' }) });
    try {
      let detail = await (await fetch(`${server.url}/api/sessions/${session.id}`)).json();
      for (let wait = 0; wait < 200 && (detail.activeTurn || detail.waiting.length > 0); wait++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        detail = await (await fetch(`${server.url}/api/sessions/${session.id}`)).json();
      }
      const shape = detail.messages.map(
        (message: { id: string; role: string; parts: { type: string; text?: string }[] }) =>
          message.role === 'user'
            ? [message.id, message.parts[0]?.text]
            : [message.role, message.parts.at(-1)?.type],
      );
      expect(shape).toEqual([
        // The interrupted turn left only its error marker, which the next turn clears (SPEC §4.1).
        [expect.any(String), 'work'],
        ['wait-0', 'first waiting'],
        ['wait-1', 'second waiting'],
        ['assistant', 'text'],
      ]);
      expect(detail.messages.at(-1).parts.at(-1).text).toBe('Answered both.');
      const answering = fake.requests.filter((request) => request.lastUserText.includes('second waiting'));
      expect(answering).toHaveLength(1);
      expect(answering[0]?.lastUserText.indexOf('first waiting')).toBeLessThan(
        answering[0]?.lastUserText.indexOf('second waiting') ?? -1,
      );
    } finally {
      await server.close();
    }
  } finally {
    child.kill('SIGKILL');
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}, 60_000);

describe('crash safety of tool calls', () => {
  let child: ChildProcess | undefined;
  let fake: FakeModelServer | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    await fake?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('after kill -9 between a stored tool call and its result, the call ends with an error on restart', async () => {
    const slowGrep = { pattern: '^(a+)+$', path: 'evil.txt' };
    fake = await startFakeAnthropicServer({
      brain: scriptedBrain([
        {
          when: (request) =>
            request.messages.some((message) => message.toolUses.some((use) => use.name.endsWith('grep'))),
          reply: textReply('Searched.'),
        },
        {
          when: (request) => request.toolResults.length > 0,
          reply: toolReply({ name: 'grep', input: slowGrep }),
        },
        {
          when: () => true,
          reply: toolReply({
            name: 'write_file',
            input: { path: 'evil.txt', content: `${'a'.repeat(40)}!` },
          }),
        },
      ]),
    });
    dataDir = await mkdtemp(join(tmpdir(), 'autopilot-crash-'));
    const env = serverEnv(fake.url);
    const spawned = await spawnServer({ env, dataDir });
    child = spawned.child;
    const api = (path: string, init?: RequestInit) =>
      fetch(`${spawned.url}${path}`, { ...init, headers: { 'content-type': 'application/json' } });
    const session = await (await api('/api/sessions', { method: 'POST', body: '{}' })).json();
    const response = await api(`/api/sessions/${session.id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text: 'search it' }),
    });
    // The grep call is shown (and stored right after); its regular expression runs for 10 s.
    const reader = await readUntil({
      response,
      until: (seen) => /"tool-input-available"[^\n]*"grep"/.test(seen),
    });
    let stored = false;
    for (let attempt = 0; attempt < 50 && !stored; attempt++) {
      const detail = await (await api(`/api/sessions/${session.id}`)).json();
      stored = JSON.stringify(detail.messages).includes('tool-grep');
      if (!stored) await new Promise((resolve) => setTimeout(resolve, 100));
      // Its calls' usage is stored as they answer, but a running turn shows none yet.
      else expect(detail.messages.at(-1).metadata).toMatchObject({ status: 'running', usage: null });
    }
    expect(stored).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    await reader.cancel().catch(() => undefined);

    const config = loadConfig(env, { host: '127.0.0.1', port: 0, dataDir });
    const server = await startAutopilot({ config, logger: createLogger({ level: 'silent' }) });
    try {
      const detail = await (await fetch(`${server.url}/api/sessions/${session.id}`)).json();
      const parts = detail.messages.at(-1).parts;
      expect(parts.find((part: { type: string }) => part.type === 'tool-write_file')?.state).toBe(
        'output-available',
      );
      expect(parts.find((part: { type: string }) => part.type === 'tool-grep')).toMatchObject({
        state: 'output-error',
        errorText: expect.stringMatching(/interrupted/),
      });
      expect(parts.at(-1)).toMatchObject({ type: 'data-error', data: { code: 'turn_interrupted' } });
      // The two model calls that had answered (write_file, then grep) were charged as they
      // answered: the process that died never reached the turn's end.
      const usage = detail.messages.at(-1).metadata.usage;
      expect(usage.inputTokens).toBeGreaterThan(0);
      expect(usage.outputTokens).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});

describe('idempotency', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('the same messageId twice creates one user message and one turn, and both get the turn’s stream', async () => {
    server = await startTestServer({
      brain: scriptedBrain([{ when: () => true, reply: textReply('Only once.') }]),
    });
    const sessionId = await createSession(server);
    const first = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'hello', messageId: 'click-1' })).body!,
    );
    const second = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'hello', messageId: 'click-1' })).body!,
    );
    expect(second.message?.id).toBe(first.message?.id);
    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
  });

  test('the same messageId again while its turn runs gets that turn’s stream, not a refusal or a second turn', async () => {
    server = await startTestServer({
      brain: scriptedBrain([
        {
          when: () => true,
          reply: { kind: 'message', blocks: [{ type: 'text', text: 'Still answering.' }], chunkDelayMs: 100 },
        },
      ]),
    });
    const sessionId = await createSession(server);
    const firstResponse = await sendMessage(server, { sessionId, text: 'hello', messageId: 'click-1' });
    // The stream is open, so the turn runs: the repeat finds the session busy.
    const repeatResponse = await sendMessage(server, { sessionId, text: 'hello', messageId: 'click-1' });
    expect(repeatResponse.status).toBe(200);
    const [first, repeat] = await Promise.all([
      parseUIStream(firstResponse.body!),
      parseUIStream(repeatResponse.body!),
    ]);
    expect(repeat.errors).toEqual([]);
    expect(repeat.message?.id).toBe(first.message?.id);
    expect(textOf(repeat.message)).toBe('Still answering.');
    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    expect(server.fake.requests.filter((request) => request.toolNames.length > 0)).toHaveLength(1);
  });

  test('the same messageId from three clients at once: one user message, one turn, one stream for all', async () => {
    server = await startTestServer({
      brain: scriptedBrain([{ when: () => true, reply: textReply('Only once.') }]),
    });
    for (let trial = 0; trial < 10; trial++) {
      const sessionId = await createSession(server);
      const responses = await Promise.all(
        [1, 2, 3].map(() => sendMessage(server, { sessionId, text: 'hello', messageId: 'click-1' })),
      );
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
      const streams = await Promise.all(responses.map((response) => parseUIStream(response.body!)));
      for (const stream of streams) expect(stream.errors).toEqual([]);
      expect(new Set(streams.map((stream) => stream.message?.id)).size).toBe(1);
      const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
      expect(detail.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    }
  });

  test('a steered messageId sent again after its turn ended is queued again, and the session stays free', async () => {
    server = await startTestServer({
      brain: scriptedBrain([{ when: () => true, reply: textReply('Answered.') }]),
    });
    const sessionId = await createSession(server);
    const steered = { sessionId, text: 'go', messageId: 'steer-1', delivery: 'steer' } as const;
    // On a free session a steered message starts a turn of its own.
    const first = await sendMessage(server, steered);
    expect(first.status).toBe(200);
    await parseUIStream(first.body!);
    const again = await sendMessage(server, steered);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ queued: true, messageId: 'steer-1' });
    const next = await sendMessage(server, { sessionId, text: 'next', messageId: 'next-1' });
    expect(next.status).toBe(200);
    expect((await parseUIStream(next.body!)).errors).toEqual([]);
    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(
      detail.messages.map((message: { id: string; role: string }) =>
        message.role === 'user' ? message.id : message.role,
      ),
    ).toEqual(['steer-1', 'assistant', 'next-1', 'assistant']);
  });

  test('the same text again within a second is one message and one turn', async () => {
    server = await startTestServer({
      brain: scriptedBrain([{ when: () => true, reply: textReply('Only once.') }]),
    });
    const sessionId = await createSession(server);
    const first = await parseUIStream((await sendMessage(server, { sessionId, text: 'hello' })).body!);
    const second = await parseUIStream((await sendMessage(server, { sessionId, text: 'hello' })).body!);
    expect(second.message?.id).toBe(first.message?.id);
    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    const modelCalls = server.fake.requests.filter((request) => request.toolNames.length > 0);
    expect(modelCalls).toHaveLength(1);
  });

  test('two identical POSTs at the same moment create one user message and one turn', async () => {
    server = await startTestServer({
      brain: scriptedBrain([{ when: () => true, reply: textReply('Only once.') }]),
    });
    for (let trial = 0; trial < 20; trial++) {
      const sessionId = await createSession(server);
      const responses = await Promise.all([
        sendMessage(server, { sessionId, text: 'double click' }),
        sendMessage(server, { sessionId, text: 'double click' }),
      ]);
      const streams = [];
      for (const response of responses) {
        expect(response.status).toBe(200);
        streams.push(await parseUIStream(response.body!));
      }
      expect(streams[1]?.message?.id).toBe(streams[0]?.message?.id);
      const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
      expect(detail.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    }
  });
});

describe('shutdown', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('a turn still running when the grace period ends is interrupted, not "stopped by user"; new turns are refused', async () => {
    server = await startTestServer({
      // Long enough for the session made below to be made during the grace on a loaded machine;
      // the answer takes longer still.
      env: { AUTOPILOT_SHUTDOWN_GRACE_MS: '1500' },
      brain: scriptedBrain([
        { when: (request) => request.lastUserText.endsWith('after'), reply: textReply('Back.') },
        {
          when: () => true,
          reply: {
            kind: 'message',
            blocks: [{ type: 'text', text: 'a very slow answer indeed' }],
            chunkDelayMs: 1500,
          },
        },
      ]),
    });
    const sessionId = await createSession(server);
    const response = await sendMessage(server, { sessionId, text: 'slow' });
    const parsing = parseUIStream(response.body!);
    const restarting = server.restart();
    const refused = await sendMessage(server, {
      sessionId: await createSession(server),
      text: 'during shutdown',
    });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    const { chunks } = await parsing;
    expect(chunks.find((chunk) => chunk.type === 'data-error')).toMatchObject({
      data: { code: 'turn_interrupted', retryable: true },
    });
    expect(chunks.some((chunk) => chunk.type === 'data-system')).toBe(false);
    expect(chunks.at(-1)?.type).toBe('finish');
    await restarting;
    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.activeTurn).toBeNull();
    expect(detail.messages.at(-1).parts.at(-1)).toMatchObject({
      type: 'data-error',
      data: { code: 'turn_interrupted' },
    });
    const next = await parseUIStream((await sendMessage(server, { sessionId, text: 'after' })).body!);
    expect(next.message?.parts.at(-1)).toMatchObject({ type: 'text', text: 'Back.' });
  });
});
