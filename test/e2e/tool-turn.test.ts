import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import {
  createSession,
  type Provider,
  sendMessage,
  startTestServer,
  type TestServer,
} from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const brain = scriptedBrain([
  {
    when: (request) => request.toolResults.length > 0,
    reply: textReply('The file is written.'),
  },
  {
    when: (request) => request.lastUserText.startsWith('please write'),
    reply: toolReply({
      name: 'write_file',
      input: { path: 'notes/hello.txt', content: 'hi there' },
      text: 'Writing it now.',
    }),
  },
  {
    when: (request) => request.lastUserText.startsWith('what did I ask'),
    reply: textReply('You asked me to write a file.'),
  },
]);

const setups: [string, Provider, 'baseline' | 'claude'][] = [
  ['baseline runtime, Anthropic provider', 'anthropic', 'baseline'],
  ['baseline runtime, OpenAI-compatible provider', 'openai-compatible', 'baseline'],
  ['claude runtime (the real Claude Code CLI)', 'anthropic', 'claude'],
];

describe.each(setups)('a tool turn on the %s', (_label, provider, runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('streams text, a completed tool part and the final text; the file exists', async () => {
    server = await startTestServer({ provider, runtime, brain });
    const sessionId = await createSession(server);
    const response = await sendMessage(server, { sessionId, text: 'please write a note' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');

    const { message, chunks, errors } = await parseUIStream(response.body!);
    expect(errors).toEqual([]);
    const parts = (message?.parts ?? []).filter((part) => part.type !== 'step-start');
    expect(parts.map((part) => part.type)).toEqual(['text', 'tool-write_file', 'text']);
    expect(parts[0]).toMatchObject({ type: 'text', text: 'Writing it now.' });
    expect(parts[1]).toMatchObject({
      type: 'tool-write_file',
      state: 'output-available',
      input: { path: 'notes/hello.txt', content: 'hi there' },
      output: { path: 'notes/hello.txt', bytesWritten: 8 },
    });
    expect(parts[2]).toMatchObject({ type: 'text', text: 'The file is written.' });
    expect(chunks[0]?.type).toBe('start');
    expect(chunks.at(-1)?.type).toBe('finish');
    expect(chunks.filter((chunk) => chunk.type === 'finish')).toHaveLength(1);
    expect(message?.metadata).toMatchObject({ usage: { inputTokens: expect.any(Number) } });

    const file = join(server.dataDir, 'workspaces', toPathKey(sessionId), 'notes/hello.txt');
    expect(await readFile(file, 'utf8')).toBe('hi there');
  });

  test('after a restart the conversation is returned as UIMessages and sent to the model', async () => {
    server = await startTestServer({ provider, runtime, brain });
    const sessionId = await createSession(server);
    const first = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'please write a note' })).body!,
    );
    expect(first.errors).toEqual([]);
    const before = await (await server.api(`/api/sessions/${sessionId}`)).json();

    await server.restart();

    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.messages).toEqual(before.messages);
    expect(detail.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant']);
    expect(detail.messages[0].parts).toEqual([{ type: 'text', text: 'please write a note', state: 'done' }]);
    const assistant = detail.messages[1];
    expect(assistant.id).toBe(first.message?.id);
    const stored = assistant.parts.filter((part: { type: string }) => part.type !== 'step-start');
    const streamed = (first.message?.parts ?? []).filter((part) => part.type !== 'step-start');
    expect(stored).toEqual(
      streamed.map((part) =>
        part.type === 'tool-write_file'
          ? {
              type: part.type,
              toolCallId: part.toolCallId,
              state: part.state,
              input: part.input,
              output: part.output,
            }
          : { type: part.type, text: 'text' in part ? part.text : undefined, state: 'done' },
      ),
    );
    expect(detail.activeTurn).toBeNull();

    server.fake.reset();
    const second = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'what did I ask?' })).body!,
    );
    expect(second.errors).toEqual([]);
    const modelCall = server.fake.requests.find((request) =>
      request.lastUserText.startsWith('what did I ask'),
    );
    expect(modelCall).toBeDefined();
    expect(modelCall?.allText).toContain('please write a note');
    expect(modelCall?.allText).toContain('The file is written.');
    expect(
      modelCall?.messages.some((message) => message.toolUses.some((use) => use.name.endsWith('write_file'))),
    ).toBe(true);
  });
});
