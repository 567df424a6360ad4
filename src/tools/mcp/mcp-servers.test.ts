import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { z } from 'zod';
import { processesRunning } from '../../../test/support/child-processes.ts';
import { createLogger } from '../../util/logger.ts';
import { contextWithoutWorkspace } from '../tool-test-workspace.ts';
import { McpServers } from './mcp-servers.ts';

const seenHeaders: IncomingHttpHeaders[] = [];
let httpServer: Server;
let url = '';

/** A streamable HTTP MCP server, stateless: a new MCP server and transport per request. */
beforeAll(async () => {
  httpServer = createServer(async (request, response) => {
    seenHeaders.push(request.headers);
    const server = new McpServer({ name: 'http-test', version: '1.0.0' });
    server.registerTool(
      'add',
      { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
      async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
    );
    server.registerTool('hidden', { description: 'Not in allowedTools.' }, async () => ({
      content: [{ type: 'text', text: 'hidden ran' }],
    }));
    server.registerTool('huge', { description: 'Answers with 11 MB.' }, async () => ({
      content: [{ type: 'text', text: 'x'.repeat(11 * 1024 * 1024) }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    response.on('close', () => void transport.close());
    await server.connect(transport);
    await transport.handleRequest(request, response);
  });
  await new Promise<void>((done) => httpServer.listen(0, '127.0.0.1', () => done()));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/mcp`;
});
afterAll(async () => new Promise((done) => httpServer.close(done)));

const context = contextWithoutWorkspace();

test('stdio and streamable HTTP servers become our tools; filters, headers and failures are honoured', async () => {
  const servers = await McpServers.connect({
    servers: {
      remote: {
        type: 'http',
        url,
        headers: { authorization: 'Bearer operator-token' },
        allowedTools: ['add'],
      },
      local: {
        type: 'stdio',
        command: process.execPath,
        args: [resolve('test/support/mcp-test-server.ts')],
        env: {},
        deniedTools: ['forbidden'],
      },
      dead: { type: 'stdio', command: '/nonexistent/server', args: [], env: {} },
    },
    connectTimeoutMs: 15_000,
    callTimeoutMs: 15_000,
    logger: createLogger({ level: 'silent' }),
  });
  try {
    expect(servers.tools.map((tool) => tool.name).sort()).toEqual(['mcp__local__echo', 'mcp__remote__add']);
    expect(servers.statuses()).toEqual({
      remote: { status: 'connected', tools: 1 },
      local: { status: 'connected', tools: 1 },
      dead: { status: 'failed', tools: 0 },
    });
    expect(seenHeaders.every((headers) => headers.authorization === 'Bearer operator-token')).toBe(true);

    const add = servers.tools.find((tool) => tool.name === 'mcp__remote__add')!;
    expect(add.inputSchema.safeParse({ a: 1, b: 'two' }).success).toBe(false);
    expect(await add.execute({ a: 2, b: 40 }, context)).toEqual({ output: '42', isError: false });
  } finally {
    await servers.close();
  }
  expect(servers.statuses().local).toEqual({ status: 'closed', tools: 0 });
});

test('a stdio server whose start-up fails after it connected is not left running', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'autopilot-mcp-hang-'));
  const pidFile = join(folder, 'pid');
  try {
    const servers = await McpServers.connect({
      servers: {
        hanging: {
          type: 'stdio',
          command: process.execPath,
          args: [resolve('test/support/mcp-hanging-server.ts')],
          env: { MCP_TEST_PID_FILE: pidFile },
        },
      },
      connectTimeoutMs: 2_000,
      callTimeoutMs: 2_000,
      logger: createLogger({ level: 'silent' }),
    });
    expect(servers.statuses()).toEqual({ hanging: { status: 'failed', tools: 0 } });
    const pid = Number(await readFile(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

test('a stdio server that dies after start is reported failed, then reopened with backoff, and its tools work again', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'autopilot-mcp-restart-'));
  const pidFile = join(folder, 'pid');
  const servers = await McpServers.connect({
    servers: {
      local: {
        type: 'stdio',
        command: process.execPath,
        args: [resolve('test/support/mcp-test-server.ts')],
        env: { MCP_TEST_PID_FILE: pidFile },
        allowedTools: ['echo'],
      },
    },
    connectTimeoutMs: 15_000,
    callTimeoutMs: 15_000,
    logger: createLogger({ level: 'silent' }),
    reconnectBaseMs: 50,
  });
  const pidOf = async () => Number(await readFile(pidFile, 'utf8'));
  try {
    const echo = servers.tools.find((tool) => tool.name === 'mcp__local__echo')!;
    expect(await echo.execute({ text: 'one' }, context)).toEqual({
      output: 'echo from MCP: one',
      isError: false,
    });
    const first = await pidOf();
    process.kill(first, 'SIGKILL');

    // Until it is back, the server is reported failed: what /readyz shows.
    await waitUntil(() => servers.statuses().local?.status === 'failed');
    await waitUntil(
      async () => servers.statuses().local?.status === 'connected' && (await pidOf()) !== first,
    );
    expect(servers.statuses()).toEqual({ local: { status: 'connected', tools: 1 } });
    expect(await echo.execute({ text: 'two' }, context)).toEqual({
      output: 'echo from MCP: two',
      isError: false,
    });
  } finally {
    await servers.close();
    await rm(folder, { recursive: true, force: true });
  }
});

test('a stdio server that dies right after every start is reopened with growing waits, not at the first wait forever', async () => {
  const lines: { msg?: string; attempt?: number }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const servers = await McpServers.connect({
    servers: {
      crashing: {
        type: 'stdio',
        command: process.execPath,
        args: [resolve('test/support/mcp-test-server.ts')],
        env: { MCP_TEST_EXIT_AFTER_LIST: '1' },
      },
    },
    connectTimeoutMs: 15_000,
    callTimeoutMs: 15_000,
    logger: pino({ level: 'info' }, destination),
    reconnectBaseMs: 1,
  });
  const reconnected = () => lines.filter((line) => line.msg === 'MCP server reconnected');
  try {
    await waitUntil(() => reconnected().length >= 3);
  } finally {
    await servers.close();
  }
  // Each quick death counts as another failed attempt: the waits double (1, 2, 4… ms here, up to a minute).
  expect(
    reconnected()
      .slice(0, 3)
      .map((line) => line.attempt),
  ).toEqual([1, 2, 3]);
});

test("an HTTP server's answer over 10 MB fails that call at once; the server stays usable", async () => {
  const servers = await McpServers.connect({
    servers: { remote: { type: 'http', url, headers: {}, allowedTools: ['add', 'huge'] } },
    connectTimeoutMs: 15_000,
    callTimeoutMs: 60_000,
    logger: createLogger({ level: 'silent' }),
  });
  try {
    const huge = servers.tools.find((tool) => tool.name === 'mcp__remote__huge')!;
    const started = Date.now();
    await expect(huge.execute({}, context)).rejects.toThrow(/answer is over 10 MB/);
    // Well before the call's time limit: the cap answered the call, not the clock.
    expect(Date.now() - started).toBeLessThan(30_000);
    const add = servers.tools.find((tool) => tool.name === 'mcp__remote__add')!;
    expect(await add.execute({ a: 1, b: 2 }, context)).toEqual({ output: '3', isError: false });
  } finally {
    await servers.close();
  }
});

test("a stdio server started through a launcher takes the launcher's other processes with it", async () => {
  const marker = `sleep ${300 + Math.random()}`.slice(0, 16);
  const servers = await McpServers.connect({
    servers: {
      launched: {
        type: 'stdio',
        command: '/bin/sh',
        // A launcher (npx, uvx) that leaves a process of its own beside the real server.
        args: [
          '-c',
          `${marker} & exec "$0" "$1"`,
          process.execPath,
          resolve('test/support/mcp-test-server.ts'),
        ],
        env: {},
      },
    },
    connectTimeoutMs: 15_000,
    callTimeoutMs: 15_000,
    logger: createLogger({ level: 'silent' }),
  });
  try {
    expect(servers.statuses().launched).toEqual({ status: 'connected', tools: 2 });
    expect(await processesRunning(marker)).toHaveLength(1);
  } finally {
    await servers.close();
  }
  await waitUntil(async () => (await processesRunning(marker)).length === 0);
});

test("a launched stdio server that never answers takes the launcher's other processes with it", async () => {
  const marker = `sleep ${300 + Math.random()}`.slice(0, 16);
  const servers = await McpServers.connect({
    servers: {
      silent: { type: 'stdio', command: '/bin/sh', args: ['-c', `${marker} & exec sleep 1000`], env: {} },
    },
    connectTimeoutMs: 1_000,
    callTimeoutMs: 1_000,
    logger: createLogger({ level: 'silent' }),
  });
  try {
    expect(servers.statuses().silent).toEqual({ status: 'failed', tools: 0 });
    await waitUntil(async () => (await processesRunning(marker)).length === 0);
  } finally {
    await servers.close();
  }
});

/** Polls until `condition` holds; fails after a generous bound rather than hanging the run. */
async function waitUntil(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 1_000; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the condition never held');
}
