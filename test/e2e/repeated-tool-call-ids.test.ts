import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { type FakeReply, type FakeRequest, scriptedBrain, textReply } from '../support/fake-model/index.ts';
import {
  createSession,
  type Provider,
  sendMessage,
  startTestServer,
  type TestServer,
} from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

/** Some OpenAI-compatible servers number tool calls per response: the same id comes back every step. */
const repeatedId = 'write_file:0';

function writeCall(path: string, content: string): FakeReply {
  return {
    kind: 'message',
    blocks: [{ type: 'tool_use', id: repeatedId, name: 'write_file', input: { path, content } }],
  };
}

const callsSoFar = (request: FakeRequest) =>
  request.messages.filter((message) => message.toolUses.length > 0).length;

const brain = scriptedBrain([
  { when: (request) => callsSoFar(request) === 0, reply: writeCall('one.txt', 'first') },
  { when: (request) => callsSoFar(request) === 1, reply: writeCall('two.txt', 'second') },
  { when: () => true, reply: textReply('Both files are written.') },
]);

const providers: Provider[] = ['openai-compatible', 'anthropic'];

describe.each(providers)('a model that repeats a tool call id in every step (%s)', (provider) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('every call is shown, stored and sent back with its own id; both ran', async () => {
    server = await startTestServer({ provider, brain });
    const sessionId = await createSession(server);
    const { message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'write two files' })).body!,
    );
    expect(errors).toEqual([]);
    const toolParts = (message?.parts ?? []).filter((part) => part.type === 'tool-write_file');
    expect(toolParts).toHaveLength(2);
    expect(toolParts.map((part) => ('input' in part ? part.input : undefined))).toEqual([
      { path: 'one.txt', content: 'first' },
      { path: 'two.txt', content: 'second' },
    ]);
    expect(toolParts.every((part) => 'state' in part && part.state === 'output-available')).toBe(true);
    const ids = toolParts.map((part) => ('toolCallId' in part ? part.toolCallId : ''));
    // The first keeps the model's id; the repeat gets a new one.
    expect(ids[0]).toBe(repeatedId);
    expect(ids[1]).not.toBe(repeatedId);

    // What was stored, as a reload shows it.
    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    const stored = detail.messages[1].parts.filter(
      (part: { type: string }) => part.type === 'tool-write_file',
    );
    expect(
      stored.map((part: { toolCallId: string; state: string }) => [part.toolCallId, part.state]),
    ).toEqual([
      [ids[0], 'output-available'],
      [ids[1], 'output-available'],
    ]);

    // The last model call saw each call paired with its own result.
    const last = server.fake.requests.at(-1)!;
    const calls = last.messages.flatMap((entry) => entry.toolUses.map((use) => use.id));
    const results = last.messages.flatMap((entry) => entry.toolResults.map((result) => result.toolUseId));
    expect(calls).toEqual(ids);
    expect(results).toEqual(ids);

    const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
    expect(await readFile(join(workspace, 'one.txt'), 'utf8')).toBe('first');
    expect(await readFile(join(workspace, 'two.txt'), 'utf8')).toBe('second');
  });
});
