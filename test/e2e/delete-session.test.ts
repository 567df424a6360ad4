import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { childPids } from '../support/child-processes.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';
import { uploadFileId } from '../support/upload-file.ts';

/** Every regular file under `root`, symlinks not followed. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** The CLI processes this test started: `claude` itself, or the `bwrap` that confines it. */
const cliPids = async () => [
  ...(await childPids({ nameIncludes: 'claude' })),
  ...(await childPids({ nameIncludes: 'bwrap' })),
];

async function filesContaining(root: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of await filesUnder(root)) {
    const bytes = await readFile(file).catch(() => Buffer.alloc(0));
    if (bytes.includes(needle)) found.push(file);
  }
  return found;
}

describe('DELETE /api/sessions/:id leaves nothing behind', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('no file under the data directory keeps the text, and no CLI process of the session runs', async () => {
    const canary = `CANARY-${Math.random().toString(36).slice(2)}`;
    server = await startTestServer({
      runtime: 'claude',
      brain: scriptedBrain([
        {
          when: (request) => request.toolResults.length > 0,
          reply: textReply(`Noted ${canary} in notes.txt.`),
        },
        {
          when: (request) => request.lastUserText.includes(canary),
          reply: toolReply({ name: 'write_file', input: { path: 'notes.txt', content: canary } }),
        },
      ]),
    });
    const keep = await createSession(server);
    const sessionId = await createSession(server);
    const parsed = await parseUIStream(
      (await sendMessage(server, { sessionId, text: `remember ${canary}` })).body!,
    );
    expect(parsed.errors).toEqual([]);
    // The precondition: the text is on disk (database, CLI transcript, workspace) and a warm CLI process lives.
    expect((await filesContaining(server.dataDir, canary)).length).toBeGreaterThan(1);
    expect(await cliPids()).not.toEqual([]);

    expect((await server.api(`/api/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);

    expect(await filesContaining(server.dataDir, canary)).toEqual([]);
    expect(await cliPids()).toEqual([]);
    // Other sessions are untouched, and the deleted one is gone.
    expect((await server.api(`/api/sessions/${keep}`)).status).toBe(200);
    expect((await server.api(`/api/sessions/${sessionId}`)).status).toBe(404);
  }, 60_000);

  test('a session made and deleted without a message leaves no workspace folder', async () => {
    server = await startTestServer({});
    const sessionId = await createSession(server);
    const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
    // Made with the session: its first message's turn then goes to the model without a wait on the disk.
    expect(existsSync(workspace)).toBe(true);
    expect((await server.api(`/api/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);
    expect(existsSync(workspace)).toBe(false);
  });

  test('a file uploaded before its chat existed and sent with the first message goes with the session', async () => {
    const canary = `CANARY-${Math.random().toString(36).slice(2)}`;
    server = await startTestServer({});
    // The new-chat page uploads with no session: the chat is made when the message is sent.
    const fileId = await uploadFileId(server, { bytes: canary, name: 'payslip.txt', type: 'text/plain' });
    const sessionId = await createSession(server);
    const sent = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'summarise this', fileIds: [fileId] })).body!,
    );
    expect(sent.errors).toEqual([]);
    expect((await server.api(`/api/files/${fileId}`)).status).toBe(200);

    expect((await server.api(`/api/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);

    expect((await server.api(`/api/files/${fileId}`)).status).toBe(404);
    expect(await filesContaining(server.dataDir, canary)).toEqual([]);
  });

  test('a delete that fails part-way leaves the session to delete again, and then nothing is left', async () => {
    const canary = `CANARY-${Math.random().toString(36).slice(2)}`;
    server = await startTestServer({});
    const sessionId = await createSession(server);
    const fileId = await uploadFileId(server, {
      bytes: canary,
      name: 'notes.txt',
      type: 'text/plain',
      sessionId,
    });
    const sent = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'keep this', fileIds: [fileId] })).body!,
    );
    expect(sent.errors).toEqual([]);
    // The upload's bytes cannot be removed (a folder stands where the file was): the delete fails.
    const [blob] = await filesContaining(join(server.dataDir, 'files'), canary);
    await rm(blob!);
    await mkdir(blob!);

    expect((await server.api(`/api/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(500);
    // Still there, so deleting it again can finish the job (had its records gone, nothing would).
    expect((await server.api(`/api/sessions/${sessionId}`)).status).toBe(200);
    expect((await server.api(`/api/files/${fileId}`)).status).not.toBe(404);

    await rm(blob!, { recursive: true });
    expect((await server.api(`/api/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await server.api(`/api/sessions/${sessionId}`)).status).toBe(404);
    expect(await filesContaining(server.dataDir, canary)).toEqual([]);
  });
});
