import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { type FakeRequest, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const alice = 'alice-secret-0123456789';
const bob = 'bob-secret-abcdefghijkl';
const isSubagent = (request: FakeRequest) => request.system.includes('You are a sub-agent');
const ourPrefix = 'mcp__autopilot__';

/** The tools a model call was offered, as our names (the claude runtime prefixes its MCP tools). */
function offeredTools(request: FakeRequest | undefined): string[] {
  return (request?.toolNames ?? []).map((name) =>
    name.startsWith(ourPrefix) ? name.slice(ourPrefix.length) : name,
  );
}

const brain = scriptedBrain([
  { when: (request) => request.toolResults.length > 0, reply: textReply('Finished.') },
  {
    when: (request) => request.lastUserText.startsWith('please write'),
    reply: toolReply({ name: 'write_file', input: { path: 'denied.txt', content: 'should not exist' } }),
  },
]);

function setPermissions(
  server: TestServer,
  options: { sessionId: string; permissions: unknown; token?: string },
): Promise<Response> {
  return server.api(`/api/sessions/${options.sessionId}`, {
    method: 'PATCH',
    json: { permissions: options.permissions },
    token: options.token,
  });
}

describe.each(['baseline', 'claude'] as const)('session permissions on the %s runtime', (runtime) => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test('a denied tool is not offered to the model, and is refused when called anyway', async () => {
    server = await startTestServer({ runtime, brain });
    const sessionId = await createSession(server);
    const patched = await setPermissions(server, { sessionId, permissions: { deny: ['write_file'] } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      id: sessionId,
      permissions: { allow: null, deny: ['write_file'] },
    });

    const { message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'please write the file' })).body!,
    );
    expect(errors).toEqual([]);
    expect(message?.parts.find((part) => part.type === 'tool-write_file')).toMatchObject({
      state: 'output-error',
    });
    expect(existsSync(join(server.dataDir, 'workspaces', toPathKey(sessionId), 'denied.txt'))).toBe(false);

    const call = server.fake.requests.find(
      (request) => request.toolNames.length > 0 && request.lastUserText.startsWith('please write'),
    );
    expect(offeredTools(call)).toContain('read_file');
    expect(offeredTools(call)).not.toContain('write_file');
  });

  test('with an allow list only those tools are offered (no sub-agent tool either)', async () => {
    server = await startTestServer({ runtime, brain });
    const sessionId = await createSession(server);
    expect(
      (await setPermissions(server, { sessionId, permissions: { allow: ['read_file', 'list_files'] } }))
        .status,
    ).toBe(200);
    const { errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'hello there' })).body!,
    );
    expect(errors).toEqual([]);
    const call = server.fake.requests.find(
      (request) => request.toolNames.length > 0 && request.lastUserText.startsWith('hello there'),
    );
    // The CLI adds a placeholder of its own for deferred tools; it is not a tool the model can call.
    const offered = offeredTools(call).filter((name) => name !== 'DeferredToolPlaceholder');
    expect(offered.sort()).toEqual(['list_files', 'read_file']);
  });
});

describe('session permissions', () => {
  let server: TestServer;
  afterEach(async () => server?.close());

  test.each(['baseline', 'claude'] as const)(
    'a sub-agent gets only tools its parent has, and cannot call the others (%s runtime)',
    async (runtime) => {
      server = await startTestServer({
        runtime,
        brain: scriptedBrain([
          {
            when: (request) => isSubagent(request) && request.toolResults.length > 0,
            reply: textReply('Report.'),
          },
          {
            when: isSubagent,
            reply: toolReply({ name: 'write_file', input: { path: 'by-subagent.txt', content: 'no' } }),
          },
          { when: (request) => request.toolResults.length > 0, reply: textReply('All done.') },
          {
            when: () => true,
            reply: toolReply({
              name: 'Agent',
              input: { description: 'write', prompt: 'Write the file', subagent_type: 'worker' },
            }),
          },
        ]),
      });
      const sessionId = await createSession(server);
      expect(
        (await setPermissions(server, { sessionId, permissions: { deny: ['write_file'] } })).status,
      ).toBe(200);
      const { message, errors } = await parseUIStream(
        (await sendMessage(server, { sessionId, text: 'delegate' })).body!,
      );
      expect(errors).toEqual([]);
      expect(message?.parts.find((part) => part.type === 'tool-Agent')).toMatchObject({
        state: 'output-available',
      });
      const subagentCall = server.fake.requests.find(isSubagent);
      expect(offeredTools(subagentCall)).toContain('read_file');
      expect(offeredTools(subagentCall)).not.toContain('write_file');
      expect(existsSync(join(server.dataDir, 'workspaces', toPathKey(sessionId), 'by-subagent.txt'))).toBe(
        false,
      );
    },
  );

  test.each(['baseline', 'claude'] as const)(
    'denying Agent takes sub-agents away on the %s runtime',
    async (runtime) => {
      server = await startTestServer({ runtime, brain });
      const sessionId = await createSession(server);
      expect((await setPermissions(server, { sessionId, permissions: { deny: ['Agent'] } })).status).toBe(
        200,
      );
      await parseUIStream((await sendMessage(server, { sessionId, text: 'hello there' })).body!);
      const call = server.fake.requests.find(
        (request) => request.toolNames.length > 0 && request.lastUserText.startsWith('hello there'),
      );
      expect(offeredTools(call)).toContain('read_file');
      expect(offeredTools(call)).not.toContain('Agent');
    },
  );

  test('PATCH takes a title, permissions or both; bad input is a 400 that changes nothing', async () => {
    server = await startTestServer({ env: { AUTOPILOT_API_TOKENS: `alice:${alice},bob:${bob}` } });
    const sessionId = await createSession(server, alice);
    const patch = (json: unknown, token = alice) =>
      server.api(`/api/sessions/${sessionId}`, { method: 'PATCH', json, token });

    for (const body of [
      {},
      { permissions: { deny: ['../etc'] } },
      { permissions: { allow: 'read_file' } },
      { permissions: { deny: ['read_file'], extra: true } },
      { permissions: { deny: ['x'.repeat(200)] } },
      { title: '', permissions: { deny: [] } },
    ]) {
      const response = await patch(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect((await response.json()).error.code).toBeTypeOf('string');
    }
    expect((await patch({ permissions: { deny: ['grep'] } }, bob)).status).toBe(404);

    const both = await patch({ title: 'Renamed', permissions: { allow: ['read_file'], deny: ['grep'] } });
    expect(both.status).toBe(200);
    expect(await both.json()).toMatchObject({
      title: 'Renamed',
      permissions: { allow: ['read_file'], deny: ['grep'] },
    });
    expect((await patch({ title: 'Only the title' })).status).toBe(200);
    // A list left out stays: a change of the deny list does not open every tool again.
    expect(await (await patch({ permissions: { deny: ['web_fetch'] } })).json()).toMatchObject({
      permissions: { allow: ['read_file'], deny: ['web_fetch'] },
    });

    await server.restart();
    const detail = await (await server.api(`/api/sessions/${sessionId}`, { token: alice })).json();
    expect(detail).toMatchObject({
      title: 'Only the title',
      permissions: { allow: ['read_file'], deny: ['web_fetch'] },
    });
  });
});
