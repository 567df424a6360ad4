import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { processesRunning } from '../support/child-processes.ts';
import { scriptedBrain, textReply, toolReply } from '../support/fake-model/index.ts';
import { createSession, sendMessage, startTestServer, type TestServer } from '../support/test-server.ts';
import { parseUIStream } from '../support/ui-stream.ts';

const brain = scriptedBrain([
  {
    when: (request) => request.toolResults.length > 0,
    reply: (request) =>
      textReply(`The tool said: ${request.toolResults.map((result) => result.content).join(' ')}`),
  },
  {
    when: (request) => request.lastUserText.startsWith('use the echo tool'),
    reply: toolReply({ name: 'mcp__tests__echo', input: { text: 'ping' } }),
  },
  {
    when: (request) => request.lastUserText.startsWith('use the forbidden tool'),
    reply: toolReply({ name: 'mcp__tests__forbidden', input: { reason: 'testing' } }),
  },
]);

describe.each(['baseline', 'claude'] as const)('operator MCP servers on the %s runtime', (runtime) => {
  let server: TestServer;
  let configDir = '';
  let marker = '';

  beforeEach(async () => {
    configDir = await mkdtemp(join(tmpdir(), 'autopilot-mcp-'));
    marker = join(configDir, 'forbidden-ran');
    const config = {
      mcpServers: {
        tests: {
          command: process.execPath,
          args: [resolve('test/support/mcp-test-server.ts')],
          env: { MCP_TEST_MARKER: marker },
          deniedTools: ['forbidden'],
        },
        broken: { command: join(configDir, 'no-such-server') },
      },
    };
    await writeFile(join(configDir, 'mcp.json'), JSON.stringify(config));
    server = await startTestServer({
      runtime,
      brain,
      env: { AUTOPILOT_MCP_CONFIG: join(configDir, 'mcp.json') },
    });
  });
  afterEach(async () => {
    await server?.close();
    await rm(configDir, { recursive: true, force: true });
  });

  test('the model calls a tool of the MCP server and reads its answer', async () => {
    const sessionId = await createSession(server);
    const { message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'use the echo tool please' })).body!,
    );
    expect(errors).toEqual([]);
    const parts = (message?.parts ?? []).filter((part) => part.type !== 'step-start');
    expect(parts[0]).toMatchObject({
      type: 'tool-mcp__tests__echo',
      state: 'output-available',
      input: { text: 'ping' },
      output: 'echo from MCP: ping',
    });
    expect(parts.at(-1)).toMatchObject({ type: 'text', text: 'The tool said: echo from MCP: ping' });

    const offered = server.fake.requests.find(
      (request) => request.toolNames.length > 0 && request.lastUserText.startsWith('use the echo'),
    );
    expect(offered?.toolNames.some((name) => name.endsWith('mcp__tests__echo'))).toBe(true);
    expect(offered?.toolNames.some((name) => name.includes('forbidden'))).toBe(false);
  });

  test('a denied tool is not offered, and is refused when called anyway', async () => {
    const sessionId = await createSession(server);
    const { message, errors } = await parseUIStream(
      (await sendMessage(server, { sessionId, text: 'use the forbidden tool' })).body!,
    );
    expect(errors).toEqual([]);
    const call = message?.parts.find((part) => part.type.endsWith('mcp__tests__forbidden'));
    expect(call).toMatchObject({ state: 'output-error' });
    expect(existsSync(marker)).toBe(false);
  });

  test('a server that fails to start is reported by /readyz; the service and the others work', async () => {
    const response = await server.api('/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ok: true,
      mcpServers: { tests: { status: 'connected', tools: 1 }, broken: { status: 'failed', tools: 0 } },
    });
  });
});

test('a stop during start-up waits for it, then cleans up: no MCP process outlives the server', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'autopilot-mcp-stop-'));
  const marker = `sleep ${300 + Math.random()}`.slice(0, 16);
  // A launcher that leaves a process of its own and a server that never answers: start-up waits
  // for the connect timeout.
  const configPath = join(folder, 'mcp.json');
  await writeFile(
    configPath,
    JSON.stringify({
      mcpServers: { silent: { command: '/bin/sh', args: ['-c', `${marker} & exec sleep 1000`] } },
    }),
  );
  const child = spawn(
    process.execPath,
    ['bin/autopilot.mjs', 'serve', '--port', '0', '--data-dir', join(folder, 'data')],
    {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        AUTOPILOT_MCP_CONFIG: configPath,
        AUTOPILOT_LOG_LEVEL: 'silent',
      },
      stdio: 'ignore',
    },
  );
  try {
    await expect.poll(async () => (await processesRunning(marker)).length, { timeout: 10_000 }).toBe(1);
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    expect(code).toBe(0);
    expect(await processesRunning(marker)).toEqual([]);
  } finally {
    child.kill('SIGKILL');
    await rm(folder, { recursive: true, force: true });
  }
}, 60_000);
