import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const alice = 'alice-token-0123456789';
const bob = 'bob-token-0123456789ab';

describe('workspace files over HTTP', () => {
  let server: TestServer;
  let sessionId: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: { AUTOPILOT_API_TOKENS: `alice:${alice},bob:${bob}` },
      brain: scriptedBrain([
        { when: (request) => request.toolResults.length > 0, reply: textReply('Saved.') },
        {
          when: () => true,
          reply: toolReply({
            name: 'write_file',
            input: { path: 'reports/q1 notes.md', content: '# Q1\nall good' },
          }),
        },
      ]),
    });
    sessionId = await createSession(server, alice);
    await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'write the report', token: alice })).body!,
    );
    const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
    const outside = await mkdtemp(join(tmpdir(), 'autopilot-secret-'));
    await writeFile(join(outside, 'secret.txt'), 'do not serve');
    await symlink(join(outside, 'secret.txt'), join(workspace, 'leak.txt'));
    await mkdir(join(workspace, 'empty'), { recursive: true });
  });
  afterAll(async () => server?.close());

  test('lists the files the agent wrote', async () => {
    const response = await server.api(`/api/sessions/${sessionId}/workspace`, { token: alice });
    expect(response.status).toBe(200);
    const { files } = await response.json();
    expect(files).toEqual([
      { path: 'reports/q1 notes.md', size: 13, modifiedAt: expect.stringMatching(/Z$/) },
    ]);
  });

  test('serves a file’s bytes', async () => {
    const response = await server.api(`/api/sessions/${sessionId}/workspace/reports/q1%20notes.md`, {
      token: alice,
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('# Q1\nall good');
    expect(response.headers.get('content-disposition')).toContain('q1%20notes.md');
  });

  test('refuses escapes and answers 404 for missing files and other users', async () => {
    const base = `/api/sessions/${sessionId}/workspace`;
    // The URL parser folds %2e%2e segments away before sending; the route then does not match.
    expect((await server.api(`${base}/%2e%2e/%2e%2e/autopilot.db`, { token: alice })).status).toBe(404);
    expect((await server.api(`${base}/..%2F..%2Fautopilot.db`, { token: alice })).status).toBe(400);
    expect((await server.api(`${base}/%2Fetc%2Fpasswd`, { token: alice })).status).toBe(400);
    expect((await server.api(`${base}/leak.txt`, { token: alice })).status).toBe(400);
    expect((await server.api(`${base}/reports`, { token: alice })).status).toBe(404);
    expect((await server.api(`${base}/nope.txt`, { token: alice })).status).toBe(404);
    expect((await server.api(`${base}/reports/q1%20notes.md`, { token: bob })).status).toBe(404);
    expect((await server.api(base, { token: bob })).status).toBe(404);
    const fresh = await createSession(server, alice);
    expect(await (await server.api(`/api/sessions/${fresh}/workspace`, { token: alice })).json()).toEqual({
      files: [],
    });
  });

  test('every file the list names downloads, whatever characters its name holds', async () => {
    const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
    // Names a command in the sandbox can make, and a tool's path may not hold.
    const odd = ['back\\slash.txt', '~tilde.txt', 'reports/wide\uff3cslash.txt', 'dots\u2024txt'];
    for (const name of odd) await writeFile(join(workspace, name), `bytes of ${name}`);
    const base = `/api/sessions/${sessionId}/workspace`;
    const { files } = await (await server.api(base, { token: alice })).json();
    expect(files.map((file: { path: string }) => file.path)).toEqual(expect.arrayContaining(odd));
    for (const name of odd) {
      const response = await server.api(`${base}/${name.split('/').map(encodeURIComponent).join('/')}`, {
        token: alice,
      });
      expect(response.status, name).toBe(200);
      expect(await response.text()).toBe(`bytes of ${name}`);
    }
    // A backslash is a character of a name, never a separator: no way up through it.
    expect((await server.api(`${base}/..%5C..%5Cautopilot.db`, { token: alice })).status).toBe(404);
    expect((await server.api(`${base}/reports%5C..%5C..%5Cautopilot.db`, { token: alice })).status).toBe(404);
  });

  test('a file whose name is not UTF-8 is listed, and the other files with it', async () => {
    const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
    // `printf menu > "$(printf 'caf\351.txt')"` in the shell makes such a name (Latin-1 é).
    await writeFile(
      Buffer.concat([Buffer.from(`${workspace}/caf`), Buffer.from([0xe9]), Buffer.from('.txt')]),
      'menu',
    );
    const response = await server.api(`/api/sessions/${sessionId}/workspace`, { token: alice });
    expect(response.status).toBe(200);
    const { files } = await response.json();
    expect(files).toContainEqual({ path: 'caf\ufffd.txt', size: 4, modifiedAt: expect.stringMatching(/Z$/) });
    expect(files).toContainEqual({
      path: 'reports/q1 notes.md',
      size: 13,
      modifiedAt: expect.stringMatching(/Z$/),
    });
  });

  test('a file whose name is not UTF-8 downloads by the path the list gives it, and only a file inside', async () => {
    const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
    const latin1 = (text: string) => Buffer.from(text, 'latin1');
    const base = `/api/sessions/${sessionId}/workspace`;
    const download = (path: string) =>
      server.api(`${base}/${path.split('/').map(encodeURIComponent).join('/')}`, { token: alice });
    // In a folder whose name is not UTF-8 either; beside a link out of the workspace named alike.
    await mkdir(Buffer.concat([Buffer.from(`${workspace}/`), latin1('d\xe9p\xf4t')]));
    await writeFile(
      Buffer.concat([Buffer.from(`${workspace}/`), latin1('d\xe9p\xf4t/r\xe9sum\xe9.txt')]),
      'cv',
    );
    const outside = await mkdtemp(join(tmpdir(), 'autopilot-secret-'));
    await writeFile(join(outside, 'secret.txt'), 'do not serve');
    await symlink(
      join(outside, 'secret.txt'),
      Buffer.concat([Buffer.from(`${workspace}/`), latin1('l\xefen.txt')]),
    );

    const { files } = await (await server.api(base, { token: alice })).json();
    const paths = files.map((file: { path: string }) => file.path);
    expect(paths).toContain('d\ufffdp\ufffdt/r\ufffdsum\ufffd.txt');
    expect(paths).not.toContain('l\ufffden.txt');
    for (const [path, bytes] of [
      ['caf\ufffd.txt', 'menu'],
      ['d\ufffdp\ufffdt/r\ufffdsum\ufffd.txt', 'cv'],
    ]) {
      const response = await download(path!);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toBe(bytes);
    }
    expect((await download('l\ufffden.txt')).status).toBe(404);
    expect((await download('d\ufffdp\ufffdt')).status).toBe(404);
    // Another user never reaches it.
    expect((await server.api(`${base}/${encodeURIComponent('caf\ufffd.txt')}`, { token: bob })).status).toBe(
      404,
    );

    // Two names that read alike: which was meant cannot be told, and neither is given.
    await writeFile(Buffer.concat([Buffer.from(`${workspace}/`), latin1('caf\xe8.txt')]), 'other');
    const ambiguous = await download('caf\ufffd.txt');
    expect(ambiguous.status).toBe(409);
    expect((await ambiguous.json()).error.message).toContain('More than one file or folder');
  });
});
