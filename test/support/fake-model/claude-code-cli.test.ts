import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSdkMcpServer, query, tool } from '@anthropic-ai/claude-agent-sdk';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { echoBrain, startFakeAnthropicServer } from './index.ts';

// The real Claude Code binary, isolated from the developer's config and from the network.
it('runs a Claude Code CLI turn that calls an in-process MCP tool', { timeout: 60_000 }, async () => {
  const server = await startFakeAnthropicServer({ brain: echoBrain });
  const root = await mkdtemp(join(tmpdir(), 'fake-model-cli-'));
  const writes: unknown[] = [];
  try {
    const writeFile = tool(
      'write_file',
      'Write a file in the workspace',
      { path: z.string(), content: z.string() },
      async (input) => {
        writes.push(input);
        return { content: [{ type: 'text', text: `wrote ${input.path}` }] };
      },
    );
    const messages = query({
      prompt: 'write a.txt hello',
      options: {
        cwd: root,
        settingSources: [],
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          ANTHROPIC_BASE_URL: server.url,
          ANTHROPIC_API_KEY: 'test-key',
          HOME: root,
          CLAUDE_CONFIG_DIR: join(root, '.claude'),
          CLAUDE_CODE_TMPDIR: root,
          CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        },
        // alwaysLoad puts the tool in `tools` up front instead of deferring it behind ToolSearch.
        mcpServers: {
          autopilot: createSdkMcpServer({
            name: 'autopilot',
            version: '1.0.0',
            tools: [writeFile],
            alwaysLoad: true,
          }),
        },
        allowedTools: ['mcp__autopilot__write_file'],
      },
    });

    let result: { subtype: string; result?: string } | undefined;
    for await (const message of messages) if (message.type === 'result') result = message;

    expect(writes).toEqual([{ path: 'a.txt', content: 'hello' }]);
    expect(result).toMatchObject({ subtype: 'success', result: expect.stringContaining('Done.') });
    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      expect(request).toMatchObject({ path: '/v1/messages', query: 'beta=true', stream: true });
      expect(request.systemMessageCount).toBeGreaterThan(0);
    }
    expect(server.requests[0]?.toolNames).toContain('mcp__autopilot__write_file');
    expect(server.requests[0]?.lastUserText).toBe('write a.txt hello');
    expect(server.requests[1]?.toolResults).toMatchObject([{ content: 'wrote a.txt', isError: false }]);
    expect(server.otherRequests).toEqual([]);
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
});
