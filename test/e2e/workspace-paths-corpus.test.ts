import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { snapshotTree } from '../../src/tools/workspace-tree-snapshot.ts';
import { toPathKey } from '../../src/util/ids.ts';
import { createSession, startTestServer, type TestServer } from '../support/test-server.ts';

const alice = 'alice-token-0123456789';
const bob = 'bob-token-0123456789ab';
const secret = 'host secret c3e8';
const bobsSecret = 'bob private 55aa';

/** GET with the path sent byte for byte: fetch would normalise `..` and `%2e%2e` before sending. */
function rawGet(options: {
  url: string;
  path: string;
  token: string;
}): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(options.url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        hostname,
        port,
        path: options.path,
        method: 'GET',
        headers: { authorization: `Bearer ${options.token}` },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('the workspace endpoint refuses every path that leaves the workspace', () => {
  let server: TestServer;
  let sessionId = '';
  let bobsSession = '';
  let outside = '';

  beforeAll(async () => {
    server = await startTestServer({
      env: { AUTOPILOT_API_TOKENS: `alice:${alice},bob:${bob}` },
      noModel: true,
    });
    sessionId = await createSession(server, alice);
    bobsSession = await createSession(server, bob);
    const workspace = join(server.dataDir, 'workspaces', toPathKey(sessionId));
    const bobsWorkspace = join(server.dataDir, 'workspaces', toPathKey(bobsSession));
    outside = await mkdtemp(join(tmpdir(), 'autopilot-outside-'));
    await writeFile(join(outside, 'secret.txt'), secret);
    await mkdir(workspace, { recursive: true });
    await mkdir(bobsWorkspace, { recursive: true });
    await writeFile(join(bobsWorkspace, 'private.txt'), bobsSecret);
    await writeFile(join(workspace, 'inside.txt'), 'inside');
    // What bash_exec can plant: links with host paths as their targets.
    await symlink(join(outside, 'secret.txt'), join(workspace, 'link-file'));
    await symlink(outside, join(workspace, 'link-dir'));
    await symlink(bobsWorkspace, join(workspace, 'bob'));
    await symlink('../../../../../../etc/passwd', join(workspace, 'rel-passwd'));
  });
  afterAll(async () => {
    await server?.close();
    await rm(outside, { recursive: true, force: true });
  });

  const bobsKey = () => toPathKey(bobsSession);
  const cases: [string, () => string][] = [
    ['encoded ../', () => '..%2F..%2F..%2Fetc%2Fpasswd'],
    ['encoded dots', () => '%2e%2e/%2e%2e/%2e%2e/etc/passwd'],
    ['fully encoded', () => '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
    ['upper-case encoding', () => '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd'],
    ['encoded backslashes', () => '..%5C..%5Cetc%5Cpasswd'],
    ['encoded absolute', () => '%2Fetc%2Fpasswd'],
    ['encoded absolute outside', () => encodeURIComponent(join(outside, 'secret.txt'))],
    ['double encoding', () => '%252e%252e%252f%252e%252e%252fetc%252fpasswd'],
    ['overlong UTF-8 dots', () => '%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd'],
    ['NUL', () => 'inside.txt%00.png'],
    ['two-dot leader', () => '%E2%80%A5/%E2%80%A5/etc/passwd'],
    ['fullwidth dots and solidus', () => '%EF%BC%8E%EF%BC%8E%EF%BC%8Fetc'],
    ['division slash', () => '..%E2%88%95..%E2%88%95etc'],
    ['~', () => '~%2F.bashrc'],
    ['5,000-character name', () => 'a'.repeat(5_000)],
    ["another user's workspace by ..", () => `..%2F${bobsKey()}%2Fprivate.txt`],
    ['a symlink to a file outside', () => 'link-file'],
    ['a symlink to a folder outside', () => 'link-dir/secret.txt'],
    ["a symlink to another user's workspace", () => 'bob/private.txt'],
    ['a relative symlink out', () => 'rel-passwd'],
  ];

  test.each(cases)('%s: refused, nothing served, nothing changed', async (_label, path) => {
    const before = await snapshotTree(outside);
    const response = await rawGet({
      url: server.url,
      path: `/api/sessions/${sessionId}/workspace/${path()}`,
      token: alice,
    });
    expect([400, 404]).toContain(response.status);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: expect.any(String) } });
    expect(response.body).not.toContain(secret);
    expect(response.body).not.toContain(bobsSecret);
    expect(response.body).not.toContain('root:');
    expect(await snapshotTree(outside)).toEqual(before);
  });

  test("another user's session is not found, whatever the path", async () => {
    const response = await rawGet({
      url: server.url,
      path: `/api/sessions/${bobsSession}/workspace/private.txt`,
      token: alice,
    });
    expect(response.status).toBe(404);
    expect(response.body).not.toContain(bobsSecret);
  });

  test('a plain file inside is served (the refusals above are not a broken endpoint)', async () => {
    const response = await rawGet({
      url: server.url,
      path: `/api/sessions/${sessionId}/workspace/inside.txt`,
      token: alice,
    });
    expect(response).toEqual({ status: 200, body: 'inside' });
  });
});
