import { mkdir, mkdtemp, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { type FakeRequest, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

describe.each(['baseline', 'claude'] as const)(
  'path confinement of tool calls on the %s runtime',
  (runtime) => {
    let server: TestServer;
    afterEach(async () => server?.close());

    test.each([
      ['a path with ..', '../escape.txt'],
      ['a nested .. that would stay inside', 'a/../b.txt'],
      ['an absolute path outside', join(tmpdir(), 'autopilot-outside.txt')],
      ['a path through a symlink that leads outside', 'link/escape.txt'],
      ['a NUL byte', 'bad\u0000name.txt'],
    ])('%s is refused and the model receives a clear error', async (_label, path) => {
      const resultsSeen: FakeRequest['toolResults'][] = [];
      server = await startTestServer({
        runtime,
        brain: scriptedBrain([
          {
            when: (request) => request.toolResults.length > 0,
            reply: (request) => {
              resultsSeen.push(request.toolResults);
              return textReply('I could not write there.');
            },
          },
          { when: () => true, reply: toolReply({ name: 'write_file', input: { path, content: 'pwned' } }) },
        ]),
      });
      const sessionId = await createSession(server);
      const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
      await mkdir(workspace, { recursive: true });
      const outside = await mkdirOutside();
      await symlink(outside, join(workspace, 'link'));

      const { message, errors } = await parseUIStream(
        (await sendMessage(server, { sessionId, text: 'write it' })).body!,
      );
      expect(errors).toEqual([]);
      const tool = message?.parts.find((part) => part.type === 'tool-write_file');
      expect(tool).toMatchObject({
        state: 'output-error',
        errorText: expect.stringMatching(/workspace|NUL/),
      });
      expect(resultsSeen).toHaveLength(1);
      expect(resultsSeen[0]?.[0]).toMatchObject({
        isError: true,
        content: expect.stringMatching(/workspace|NUL/),
      });
      expect(await readdir(outside)).toEqual([]);
      expect((await readdir(workspace)).sort()).toEqual(['link']);
      expect(message?.parts.at(-1)).toMatchObject({ type: 'text', text: 'I could not write there.' });
    });
  },
);

// No model means no runtime: this runs once.
describe('turn guards', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('with no model configured the server starts and a turn fails with model_not_configured', async () => {
    server = await startTestServer({ noModel: true });
    const home = await server.api('/');
    expect(await home.text()).toContain('ANTHROPIC_API_KEY');
    const sessionId = await createSession(server);
    const response = await sendMessage(server, { sessionId, text: 'hello' });
    expect(response.status).toBe(200);
    const { chunks } = await parseUIStream(response.body!);
    const dataError = chunks.find((chunk) => chunk.type === 'data-error');
    expect(dataError).toMatchObject({ data: { code: 'model_not_configured', retryable: false } });
    const error = chunks.find((chunk) => chunk.type === 'error');
    expect(error && 'errorText' in error ? error.errorText : '').toContain('ANTHROPIC_API_KEY');
    expect(chunks.at(-1)?.type).toBe('finish');
    expect(server.fake.requests).toHaveLength(0);

    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.messages.at(-1).parts).toEqual([
      { type: 'data-error', data: expect.objectContaining({ code: 'model_not_configured' }) },
    ]);
    // The next turn removes the stale marker before appending its own message.
    await parseUIStream((await sendMessage(server, { sessionId, text: 'again' })).body!);
    const after = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(after.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'user', 'assistant']);
  });
});

function mkdirOutside(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'autopilot-outside-'));
}
