import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { type FakeRequest, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';
import { uploadFileId } from '../support/upload-file.ts';

/** The workspace path of the last file the hint in the user's message lists. */
function lastHintedPath(request: FakeRequest): string | undefined {
  return [...request.lastUserText.matchAll(/ at (attachments\/[^\n]+)/g)].at(-1)?.[1];
}

/** Reads the newest attachment it is told about, then says what it read. */
const readingBrain = scriptedBrain([
  {
    when: (request) => request.toolResults.length > 0,
    reply: (request) => textReply(`Read: ${request.toolResults.map((result) => result.content).join(' ')}`),
  },
  {
    when: (request) => request.toolNames.length > 0 && lastHintedPath(request) !== undefined,
    reply: (request) => toolReply({ name: 'read_file', input: { path: lastHintedPath(request) } }),
  },
]);

describe.each(['baseline', 'claude'] as const)('attachments on the %s runtime', (runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  function mainCall(text: string): FakeRequest {
    const call = server.fake.requests.find(
      (request) => request.lastUserText.includes(text) && request.toolNames.length > 0,
    );
    if (!call) throw new Error(`no model call for "${text}"`);
    return call;
  }

  test('an uploaded file is copied into the workspace, hinted to the model and shown as a file part', async () => {
    server = await startTestServer({ runtime, brain: readingBrain });
    const sessionId = await createSession(server);
    const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
    const fileId = await uploadFileId(server, {
      bytes: 'alpha beta gamma\n',
      name: 'notes.txt',
      type: 'text/plain',
      sessionId,
    });

    const response = await sendMessage(server, { sessionId, text: 'summarise my notes', fileIds: [fileId] });
    const { message, errors } = await parseUIStream(response.body!);

    expect(errors).toEqual([]);
    const first = mainCall('summarise my notes');
    expect(first.lastUserText).toContain('notes.txt (text/plain, 17 bytes) at attachments/notes.txt');
    expect(first.lastUserText).toContain('read_file / list_files');
    expect(message?.parts.find((part) => part.type === 'tool-read_file')).toMatchObject({
      state: 'output-available',
      output: { path: 'attachments/notes.txt', content: 'alpha beta gamma' },
    });
    expect(await readFile(join(workspace, 'attachments', 'notes.txt'), 'utf8')).toBe('alpha beta gamma\n');

    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.messages[0]).toEqual({
      id: expect.any(String),
      role: 'user',
      parts: [
        { type: 'text', text: 'summarise my notes', state: 'done' },
        { type: 'file', mediaType: 'text/plain', url: `/api/files/${fileId}`, filename: 'notes.txt' },
      ],
    });
    expect(await (await server.api(detail.messages[0].parts[1].url)).text()).toBe('alpha beta gamma\n');

    // A second file of the same name gets its own copy; the earlier hint stays in the history.
    const secondId = await uploadFileId(server, { bytes: 'delta\n', name: 'notes.txt', type: 'text/plain' });
    const again = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'and these', fileIds: [secondId] })).body!,
    );
    expect(again.errors).toEqual([]);
    const second = mainCall('and these');
    expect(second.lastUserText).toContain('at attachments/notes (2).txt');
    expect(second.allText).toContain('at attachments/notes.txt');
    expect(await readFile(join(workspace, 'attachments', 'notes (2).txt'), 'utf8')).toBe('delta\n');
    expect((await readdir(join(workspace, 'attachments'))).sort()).toEqual(['notes (2).txt', 'notes.txt']);
  });
});

describe('attachments that cannot be attached', () => {
  const alice = 'alice-token-0123456789';
  const bob = 'bob-token-0123456789ab';
  let server: TestServer;
  let sessionId: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: { AUTOPILOT_API_TOKENS: `alice:${alice},bob:${bob}` },
      brain: scriptedBrain([
        {
          when: (request) => request.lastUserText.includes('take your time'),
          reply: {
            kind: 'message',
            blocks: [{ type: 'text', text: 'one two three four five six seven eight nine ten' }],
            chunkDelayMs: 100,
          },
        },
      ]),
    });
    sessionId = await createSession(server, alice);
  });
  afterAll(async () => server?.close());

  test('an unknown, foreign or other-session file is 400 and nothing is stored or sent', async () => {
    const bobsFile = await uploadFileId(server, { bytes: 'b', name: 'b.txt', token: bob });
    const otherSession = await createSession(server, alice);
    const otherSessionsFile = await uploadFileId(server, {
      bytes: 'o',
      name: 'o.txt',
      sessionId: otherSession,
      token: alice,
    });
    const ownFile = await uploadFileId(server, { bytes: 'a', name: 'a.txt', token: alice });

    for (const fileIds of [['no-such-file'], [bobsFile], [otherSessionsFile], [ownFile, 'no-such-file']]) {
      const response = await sendMessage(server, { sessionId, text: 'look', fileIds, token: alice });
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.error).toEqual({ code: 'bad_request', message: expect.stringContaining('Unknown file') });
    }

    const detail = await (await server.api(`/api/sessions/${sessionId}`, { token: alice })).json();
    expect(detail.messages).toEqual([]);
    expect(server.fake.requests).toEqual([]);
    const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
    expect(await readdir(workspace).catch(() => [])).toEqual([]);
  });

  test('files cannot wait in the queue behind a running reply: 409, and the text-only follow-up still queues', async () => {
    const fileId = await uploadFileId(server, { bytes: 'a', name: 'a.txt', token: alice });
    const running = await sendMessage(server, { sessionId, text: 'take your time', token: alice });
    expect(running.status).toBe(200);

    const withFile = await sendMessage(server, {
      sessionId,
      text: 'and this',
      fileIds: [fileId],
      token: alice,
    });
    expect(withFile.status).toBe(409);
    expect((await withFile.json()).error.code).toBe('turn_in_progress');
    const textOnly = await sendMessage(server, { sessionId, text: 'and this', token: alice });
    expect(textOnly.status).toBe(200);

    await parseUIStream(running.body!);
    await parseUIStream(textOnly.body!);
  });
});
