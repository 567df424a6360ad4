import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { UIMessageChunk } from 'ai';
import { afterEach, describe, expect, test } from 'vitest';
import { maxModelTextChars, maxShownOutputChars } from '../../src/tools/tool-output-limits.ts';
import { toPathKey } from '../../src/util/ids.ts';
import {
  type FakeRequest,
  type FakeToolResult,
  scriptedBrain,
  textReply,
  toolReply,
} from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

/** 3,000 numbered lines of 100 characters (newline included): 300,000 characters. */
const bigText = `${Array.from({ length: 3000 }, (_, index) => `line ${index + 1} `.padEnd(99, 'x')).join('\n')}\n`;

/** A call of the main agent (title calls offer no tools) answering the user message `text`. */
const isMainCall = (text: string) => (request: FakeRequest) =>
  request.toolNames.length > 0 && request.lastUserText.endsWith(text);
const lastResult = (request: FakeRequest): FakeToolResult | undefined => request.toolResults.at(-1);

describe.each(['baseline', 'claude'] as const)('tool limits on the %s runtime', (runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('a 300,000-character tool output is capped in the stream and for the model, and saved whole', async () => {
    const modelSaw: FakeToolResult[] = [];
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        {
          when: (request) =>
            isMainCall('read the big file')(request) &&
            !!lastResult(request)?.content.includes('too large to show in full'),
          reply: (request) => {
            modelSaw.push(lastResult(request)!);
            return textReply('That file is large; I read its beginning and end.');
          },
        },
        {
          when: (request) =>
            isMainCall('read the big file')(request) &&
            !!lastResult(request)?.content.includes('bytesWritten'),
          reply: toolReply({ name: 'read_file', input: { path: 'big.txt', limit: 100_000 } }),
        },
        {
          when: isMainCall('read the big file'),
          reply: toolReply({ name: 'write_file', input: { path: 'big.txt', content: bigText } }),
        },
      ]),
    });
    const sessionId = await createSession(server);

    const { message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'write and read the big file' })).body!,
    );

    expect(errors).toEqual([]);
    const read = message?.parts.find((part) => part.type === 'tool-read_file');
    expect(read).toMatchObject({ state: 'output-available' });
    const shown = read && 'output' in read ? read.output : undefined;
    expect(typeof shown).toBe('string');
    expect((shown as string).length).toBeLessThanOrEqual(maxShownOutputChars);
    expect(shown as string).toMatch(/characters cut from the middle; the whole output is saved/);
    expect(message?.parts.at(-1)).toMatchObject({
      type: 'text',
      text: expect.stringMatching(/beginning and end/),
    });

    expect(modelSaw).toHaveLength(1);
    const seen = modelSaw[0]!;
    expect(seen.isError).toBe(false);
    expect(seen.content.length).toBeLessThanOrEqual(maxModelTextChars);
    expect(seen.content).toContain('line 1 xxx');
    expect(seen.content).toContain('line 3000 xxx');
    const path = /saved in the workspace at "([^"]+)"/.exec(seen.content)?.[1];
    expect(path).toMatch(/^\.autopilot\/tool-outputs\/[\w-]+\.json$/);
    expect(seen.content).toContain(`read_file (offset is the first line`);

    const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
    const saved = JSON.parse(await readFile(join(workspace, path!), 'utf8'));
    expect(saved).toEqual({
      path: 'big.txt',
      content: bigText.slice(0, -1),
      startLine: 1,
      endLine: 3000,
      totalLines: 3000,
    });
    const stored = await (await server.api(`/api/sessions/${sessionId}`)).json();
    const storedRead = stored.messages
      .at(-1)
      .parts.find((part: { type: string }) => part.type === 'tool-read_file');
    expect(storedRead.output).toBe(shown);
  });

  test('after three identical failures the fourth identical call is refused with STOP', async () => {
    const modelSaw: FakeToolResult[] = [];
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        {
          when: (request) =>
            isMainCall('keep trying')(request) && !!lastResult(request)?.content.startsWith('STOP:'),
          reply: (request) => {
            modelSaw.push(lastResult(request)!);
            return textReply('I could not find that file.');
          },
        },
        {
          when: isMainCall('keep trying'),
          reply: (request) => {
            const result = lastResult(request);
            if (result) modelSaw.push(result);
            return toolReply({ name: 'read_file', input: { path: 'missing.txt' } });
          },
        },
      ]),
    });
    const sessionId = await createSession(server);

    const { message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'keep trying' })).body!,
    );

    expect(errors).toEqual([]);
    expect(modelSaw.map((result) => result.isError)).toEqual([true, true, true, true]);
    expect(modelSaw.slice(0, 3).map((result) => result.content)).toEqual(
      Array(3).fill('File "missing.txt" does not exist in the workspace.'),
    );
    expect(modelSaw[3]?.content).toMatch(
      /^STOP: read_file has failed 3 times in a row .*Do not retry this call/,
    );
    const reads = message?.parts.filter((part) => part.type === 'tool-read_file') ?? [];
    expect(reads.map((part) => ('state' in part ? part.state : undefined))).toEqual(
      Array(4).fill('output-error'),
    );
    expect(reads[3]).toMatchObject({ errorText: expect.stringMatching(/^STOP: /) });
    expect(message?.parts.at(-1)).toMatchObject({ type: 'text', text: 'I could not find that file.' });
  });

  test('five empty tool calls in a row end the turn with circuit_breaker_empty_tool_calls', async () => {
    const modelSaw: FakeToolResult[] = [];
    server = await startTestServer({
      runtime,
      brain: scriptedBrain([
        {
          when: isMainCall('write it all'),
          reply: (request) => {
            const result = lastResult(request);
            if (result) modelSaw.push(result);
            return toolReply({ name: 'write_file', input: {} });
          },
        },
      ]),
    });
    const sessionId = await createSession(server);

    const { chunks } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'write it all' })).body!,
    );

    // The model read guidance after each of the first four. (A CLI still winding down may call it
    // again after the turn ended; those calls are refused and never shown.)
    expect(modelSaw.length).toBeGreaterThanOrEqual(4);
    for (const result of modelSaw.slice(0, 4)) {
      expect(result).toMatchObject({
        isError: true,
        content: expect.stringMatching(/arrived with empty arguments/),
      });
      expect(result.content).toMatch(/append: true/);
    }
    if (modelSaw[4]) expect(modelSaw[4].content).toMatch(/^This turn is ending: 5 tool calls in a row/);
    const types = chunks.map((chunk) => chunk.type);
    const dataError = chunks.find((chunk) => chunk.type === 'data-error') as
      | Extract<UIMessageChunk, { type: `data-${string}` }>
      | undefined;
    expect(dataError?.data).toMatchObject({ code: 'circuit_breaker_empty_tool_calls', retryable: true });
    expect(types.indexOf('data-error')).toBeLessThan(types.indexOf('error'));
    expect(types.at(-1)).toBe('finish');
    expect(types.filter((type) => type === 'tool-input-available')).toHaveLength(5);
    expect(types.filter((type) => type === 'tool-output-error')).toHaveLength(5);

    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.status).toBe('idle');
    const stored = detail.messages.at(-1);
    expect(stored.role).toBe('assistant');
    expect(stored.parts.filter((part: { type: string }) => part.type === 'tool-write_file')).toHaveLength(5);
    expect(stored.parts.at(-1)).toEqual({
      type: 'data-error',
      data: expect.objectContaining({ code: 'circuit_breaker_empty_tool_calls', retryable: true }),
    });
  });
});
