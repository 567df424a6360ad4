import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { scriptedBrain, textReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';
import { uploadFileId } from '../support/upload-file.ts';

/** Odd but valid input gets a sensible answer, never a 500 and never a wrong file. */
describe('odd but valid input', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ brain: scriptedBrain([], () => textReply('ok')) });
  });
  afterAll(async () => server?.close());

  const workspaceOf = (sessionId: string) => join(server.dataDir, 'workspaces', toPathKey(sessionId));

  test('a percent-encoded session id still downloads the right workspace file', async () => {
    const sessionId = await createSession(server);
    await mkdir(join(workspaceOf(sessionId), 'reports'), { recursive: true });
    await writeFile(join(workspaceOf(sessionId), 'reports', 'q1.md'), 'quarter one');
    const encoded = [...sessionId].map((char) => `%${char.charCodeAt(0).toString(16)}`).join('');

    for (const id of [encoded, `%${sessionId.charCodeAt(0).toString(16)}${sessionId.slice(1)}`]) {
      const response = await server.api(`/api/sessions/${id}/workspace/reports/q1.md`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('quarter one');
    }
  });

  test('an attachments folder the agent replaced with a symlink is repaired safely, not a 500', async () => {
    const sessionId = await createSession(server);
    const outside = join(server.dataDir, 'outside-attachments');
    await mkdir(outside, { recursive: true });
    await mkdir(workspaceOf(sessionId), { recursive: true });
    await symlink(outside, join(workspaceOf(sessionId), 'attachments'));
    const fileId = await uploadFileId(server, {
      bytes: 'attached',
      name: 'a.txt',
      type: 'text/plain',
      sessionId,
    });

    const response = await sendMessage(server, { sessionId, text: 'see the file', fileIds: [fileId] });
    expect(response.status).toBe(200);
    const { errors, chunks } = await parseUIStream(response.body!);
    expect(errors).toEqual([]);
    expect(chunks.some((chunk) => chunk.type === 'error')).toBe(false);
    expect(await readFile(join(workspaceOf(sessionId), 'attachments', 'a.txt'), 'utf8')).toBe('attached');
    expect(await readdir(outside)).toEqual([]);
  });

  test('NUL characters are refused with a 400 and store nothing; lone surrogates are cleaned', async () => {
    const expect400 = async (response: Response) => {
      expect(response.status).toBe(400);
      expect((await response.json()).error.message).toContain('NUL');
    };
    const before = (await (await server.api('/api/sessions')).json()).sessions.length;
    await expect400(await server.api('/api/sessions', { method: 'POST', json: { title: 'a\u0000b' } }));
    expect((await (await server.api('/api/sessions')).json()).sessions.length).toBe(before);

    const sessionId = await createSession(server);
    await expect400(
      await server.api(`/api/sessions/${sessionId}`, { method: 'PATCH', json: { title: 'x\u0000' } }),
    );
    await expect400(await sendMessage(server, { sessionId, text: 'hello\u0000world' }));
    expect((await (await server.api(`/api/sessions/${sessionId}`)).json()).messages).toEqual([]);

    const renamed = await server.api(`/api/sessions/${sessionId}`, {
      method: 'PATCH',
      json: { title: 'half \ud83d' },
    });
    expect((await renamed.json()).title).toBe('half \ufffd');
    const turn = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'cut \ude00 emoji \ud83d' })).body!,
    );
    expect(turn.errors).toEqual([]);
    const detail = await (await server.api(`/api/sessions/${sessionId}`)).json();
    expect(detail.title).toBe('half \ufffd');
    expect(detail.messages[0].parts[0].text).toBe('cut \ufffd emoji \ufffd');
    expect(server.fake.requests.at(-1)?.allText).toContain('cut \ufffd emoji \ufffd');
  });
});
