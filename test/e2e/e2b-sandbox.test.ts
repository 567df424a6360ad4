import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { toPathKey } from '../../src/util/ids.ts';
import { FakeE2bClient, FakeE2bWorld } from '../support/fake-e2b-client.ts';
import { errorReply, scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

/**
 * `bash_exec` in E2B through the real server: `E2B_API_KEY` selects `E2bSandbox`, and the
 * composition root gets a fake E2B (the edge of the world). What is checked is what E2B would
 * hold: which sandboxes exist, running or paused, after each way a turn can end.
 */
const brain = scriptedBrain([
  {
    when: (request) =>
      request.toolResults.some((result) => !result.isError) && request.lastUserText.startsWith('fail after'),
    reply: errorReply({ status: 400, errorType: 'invalid_request_error', message: 'bad request' }),
  },
  // A result of this turn's command; the interrupted turn's stored result (an error) is history.
  {
    when: (request) => request.toolResults.some((result) => !result.isError),
    reply: textReply('Done.'),
  },
  {
    when: (request) => request.lastUserText.startsWith('sleep'),
    reply: toolReply({ name: 'bash_exec', input: { command: 'sleep 200', timeoutSeconds: 120 } }),
  },
  {
    when: (request) => /^(run|fail after)/.test(request.lastUserText),
    reply: toolReply({ name: 'bash_exec', input: { command: 'echo built >> out.txt; cat out.txt' } }),
  },
]);

describe('bash_exec in an E2B sandbox (fake E2B client)', () => {
  let root = '';
  let world: FakeE2bWorld;
  let e2b: FakeE2bClient;
  let server: TestServer | undefined;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'autopilot-e2b-e2e-'));
    world = new FakeE2bWorld(root);
    e2b = new FakeE2bClient(world);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(root, { recursive: true, force: true });
  });

  const start = () =>
    startTestServer({ brain, env: { E2B_API_KEY: 'e2b-test-key' }, e2bClient: e2b }).then((started) => {
      server = started;
      return started;
    });
  const turn = async (options: { server: TestServer; sessionId: string; text: string }) =>
    parseUIStream((await sendMessage(options.server, options)).body!);

  test('one sandbox per session: made by the first command, paused after each turn, resumed, killed on delete', async () => {
    const server = await start();
    const sessionId = await createSession(server);

    const first = await turn({ server, sessionId, text: 'run it' });
    expect(first.message?.parts.find((part) => part.type === 'tool-bash_exec')).toMatchObject({
      output: { exitCode: 0, stdout: 'built\n' },
    });
    await e2b.waitFor('pause sbx-1');
    expect(world.alive()).toEqual({ 'sbx-1': 'paused' });
    // The command's file came back to the host workspace, where the file tools and downloads see it.
    const workspaceFile = join(server.dataDir, 'workspaces', toPathKey(sessionId), 'out.txt');
    expect(await readFile(workspaceFile, 'utf8')).toBe('built\n');

    const second = await turn({ server, sessionId, text: 'run it again' });
    expect(second.message?.parts.find((part) => part.type === 'tool-bash_exec')).toMatchObject({
      output: { stdout: 'built\nbuilt\n' },
    });
    await e2b.waitFor('pause sbx-1', 2);
    expect(e2b.calls.filter((call) => call.startsWith('create'))).toEqual([`create sbx-1 ${sessionId}`]);

    expect((await server.api(`/api/sessions/${sessionId}`, { method: 'DELETE' })).status).toBe(204);
    expect(e2b.calls.at(-1)).toBe('kill sbx-1');
    expect(world.alive()).toEqual({});
  });

  test('a turn that fails after a command still pauses its sandbox', async () => {
    const server = await start();
    const sessionId = await createSession(server);
    const { chunks } = await turn({ server, sessionId, text: 'fail after a command' });
    expect(chunks.some((chunk) => chunk.type === 'error')).toBe(true);
    await e2b.waitFor('pause sbx-1');
    expect(world.alive()).toEqual({ 'sbx-1': 'paused' });
  });

  test('a cancelled turn kills its command and pauses its sandbox', async () => {
    const server = await start();
    const sessionId = await createSession(server);
    const started = world.nextCommandStarted();
    const post = await sendMessage(server, { sessionId, text: 'sleep a while' });
    await started;
    const cancel = await server.api(`/api/sessions/${sessionId}/cancel`, { method: 'POST' });
    expect(await cancel.json()).toMatchObject({ cancelled: true });
    expect((await parseUIStream(post.body!)).chunks.at(-1)?.type).toBe('finish');
    await e2b.waitFor('pause sbx-1');
    expect(world.alive()).toEqual({ 'sbx-1': 'paused' });
  });

  test('a turn interrupted by shutdown pauses its sandbox; after the restart the session finds it again', async () => {
    const server = await start();
    const sessionId = await createSession(server);
    const started = world.nextCommandStarted();
    const post = await sendMessage(server, { sessionId, text: 'sleep a while' });
    await started;
    // Shutdown waits for the pause: nothing is left running by a clean stop.
    await server.restart();
    await post.body?.cancel();
    expect(world.alive()).toEqual({ 'sbx-1': 'paused' });

    // The new process never saw sbx-1: it finds it by the session's metadata instead of making another.
    await turn({ server, sessionId, text: 'run it' });
    await e2b.waitFor('pause sbx-1', 2);
    expect(e2b.calls.filter((call) => call.startsWith('create'))).toHaveLength(1);
    expect(world.alive()).toEqual({ 'sbx-1': 'paused' });
  });

  test('a sandbox left running by a process that died mid-turn is taken over and paused, not leaked', async () => {
    const server = await start();
    const sessionId = await createSession(server);
    // What a crash leaves at E2B: a running sandbox tagged with the session, unknown to this process.
    await world.add({ autopilotSession: sessionId });
    await turn({ server, sessionId, text: 'run it' });
    await e2b.waitFor('pause sbx-1');
    expect(e2b.calls.some((call) => call.startsWith('create'))).toBe(false);
    expect(world.alive()).toEqual({ 'sbx-1': 'paused' });
  });
});
